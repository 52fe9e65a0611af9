import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMessage } from '../../lib/wire/message.js';
import { BgpProtocolError, MessageHeaderError } from '../../lib/wire/errors.js';
import { frameMessage, type Frame } from '../../lib/wire/framing.js';
import type { CodecContext } from '../../lib/wire/types.js';
import { fromHex } from '../../lib/wire/bytes.js';
import { readCorpusMessages } from '../helpers/corpus.js';

const message = suite('wire/message');
const CTX: CodecContext = { fourOctetAs: true };
const KIND: Record<number, string> = { 1: 'open', 2: 'update', 3: 'notification', 4: 'keepalive', 5: 'route-refresh' };

message('every framed corpus OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH dispatches to its kind', () => {
  let n = 0;
  for (const m of readCorpusMessages()) {
    if (m.type === 2 || !(m.type in KIND) || !m.marker_ok || m.len !== m.hdr_len) continue;
    let frame: Frame;
    try {
      frame = frameMessage(fromHex(m.hex));
    } catch (e) {
      assert.instance(e, BgpProtocolError);
      continue;
    }
    try {
      assert.is(decodeMessage(frame, CTX).type, KIND[m.type], `${m.src}#${m.frame}`);
      n++;
    } catch (e) {
      assert.instance(e, BgpProtocolError, `${m.src}#${m.frame}: ${String(e)}`);
    }
  }
  assert.ok(n > 250, `${n} messages`);
});

message('an UPDATE frame goes to decodeUpdate', () => {
  const m = readCorpusMessages().find((x) => x.type === 2 && x.marker_ok && x.len === x.hdr_len && x.len === 23);
  assert.ok(m, 'an End-of-RIB in the corpus');
  assert.is(decodeMessage(frameMessage(fromHex(m.hex)), CTX).type, 'update');
});

message('a frame of unknown type is Bad Message Type with the type as data (RFC 4271 §6.1)', () => {
  const frame: Frame = { type: 9, message: new Uint8Array(19), body: new Uint8Array() };
  assert.throws(() => decodeMessage(frame, CTX), (e: unknown) => e instanceof MessageHeaderError && e.notification.subcode === 3 && e.notification.data[0] === 9);
});

message.run();
