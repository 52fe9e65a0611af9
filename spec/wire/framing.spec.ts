import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MessageFramer, encodeMessage, frameMessage, checkHeader } from '../../lib/wire/framing.js';
import { MessageHeaderError } from '../../lib/wire/errors.js';
import { readCorpusMessages } from '../helpers/corpus.js';

const framing = suite('wire/framing');

framing('a KEEPALIVE is exactly 19 octets (RFC 4271 §4.4)', () => {
  const ka = encodeMessage(4, new Uint8Array(0));
  assert.is(checkHeader(ka, 0), 19);
  const bad = encodeMessage(4, new Uint8Array(1));
  try {
    checkHeader(bad, 0);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MessageHeaderError);
    assert.equal((e as MessageHeaderError).notification.code, 1);
    assert.equal((e as MessageHeaderError).notification.subcode, 2);
    assert.equal([...(e as MessageHeaderError).notification.data], [0, 20]);
  }
});

framing('a bad marker is Connection Not Synchronized (1/1)', () => {
  const m = encodeMessage(4, new Uint8Array(0));
  m[3] = 0;
  try {
    checkHeader(m, 0);
    assert.unreachable();
  } catch (e) {
    assert.equal((e as MessageHeaderError).notification.subcode, 1);
  }
});

framing('an unknown type is Bad Message Type (1/3) with the type as data', () => {
  const m = encodeMessage(9, new Uint8Array(4));
  try {
    checkHeader(m, 0);
    assert.unreachable();
  } catch (e) {
    assert.equal((e as MessageHeaderError).notification.subcode, 3);
    assert.equal([...(e as MessageHeaderError).notification.data], [9]);
  }
});

framing('an UPDATE longer than 4096 is rejected unless extended messages are negotiated (RFC 8654)', () => {
  const m = encodeMessage(2, new Uint8Array(5000));
  assert.throws(() => checkHeader(m, 0), (e: unknown) => e instanceof MessageHeaderError && e.notification.subcode === 2);
  assert.is(checkHeader(m, 0, 65535), 5019);
  const open = encodeMessage(1, new Uint8Array(5000));
  assert.throws(() => checkHeader(open, 0, 65535), (e: unknown) => e instanceof MessageHeaderError);
});

framing('the streaming framer yields the real capture messages unchanged whatever the chunking', () => {
  // RFC 4271 §4 minimum lengths; the corpus also holds deliberately malformed PDUs (CVE captures).
  const min: Record<number, number> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };
  const msgs = readCorpusMessages().filter((m) => m.marker_ok && m.hdr_len === m.len && min[m.type] !== undefined && m.len >= min[m.type] && (m.type !== 4 || m.len === 19) && (m.type !== 5 || m.len === 23) && (m.type !== 1 || m.len <= 4096));
  assert.ok(msgs.length > 1000);
  const stream = Buffer.concat(msgs.map((m) => Buffer.from(m.hex, 'hex')));
  for (const chunkSize of [1, 7, 19, 1000, stream.length]) {
    const framer = new MessageFramer(65535);
    const out: string[] = [];
    for (let at = 0; at < stream.length; at += chunkSize) {
      for (const f of framer.push(new Uint8Array(stream.subarray(at, at + chunkSize)))) out.push(Buffer.from(f.message).toString('hex'));
    }
    assert.is(out.length, msgs.length, `chunk ${chunkSize}`);
    assert.ok(out.every((h, i) => h === msgs[i].hex), `chunk ${chunkSize}`);
    assert.is(framer.buffered, 0);
  }
});

framing('messages inside one chunk are views, not copies', () => {
  const a = encodeMessage(4, new Uint8Array(0));
  const chunk = new Uint8Array(38);
  chunk.set(a, 0);
  chunk.set(a, 19);
  const frames = new MessageFramer().push(chunk);
  assert.is(frames.length, 2);
  assert.is(frames[1].message.buffer, chunk.buffer);
  assert.is(frames[1].message.byteOffset, 19);
});

framing('frameMessage rejects a length field that disagrees with the bytes', () => {
  const m = encodeMessage(4, new Uint8Array(0));
  assert.throws(() => frameMessage(m.subarray(0, 18)), (e: unknown) => e instanceof MessageHeaderError);
});

framing.run();
