import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  NOTIFICATION_TEXT,
  decodeNotification,
  decodeShutdownCommunication,
  encodeNotification,
  encodeShutdownCommunication,
  formatNotification,
  notificationText,
} from '../../lib/wire/notification.js';
import { MessageHeaderError } from '../../lib/wire/errors.js';
import { frameMessage } from '../../lib/wire/framing.js';
import * as iana from '../../lib/wire/iana.js';
import { fromHex, toHex } from '../../lib/wire/bytes.js';
import { readCorpusMessages } from '../helpers/corpus.js';
import { field, hexField, prefetchTshark, tsharkPdus, type TsharkNode } from '../helpers/tshark.js';

const notification = suite('wire/notification');

const NOTIFICATIONS = readCorpusMessages().filter((m) => m.type === 3 && m.marker_ok && m.len === m.hdr_len);

notification.before(async () => {
  await prefetchTshark(NOTIFICATIONS.map((m) => m.src));
});

notification('every corpus NOTIFICATION decodes and re-encodes byte-exact', () => {
  assert.ok(NOTIFICATIONS.length >= 10, `${NOTIFICATIONS.length} NOTIFICATIONs`);
  for (const m of NOTIFICATIONS) {
    const n = decodeNotification(frameMessage(fromHex(m.hex)).body);
    assert.is(toHex(encodeNotification(n)), m.hex, `${m.src}#${m.frame}`);
  }
});

notification('code, subcode, data and shutdown communication agree with tshark', () => {
  let communications = 0;
  for (const m of NOTIFICATIONS) {
    const where = `${m.src}#${m.frame}`;
    const t: TsharkNode | undefined = tsharkPdus(m.src).get(m.frame)?.[m.idx];
    assert.ok(t, `${where}: tshark shows the PDU`);
    assert.is(Number(field(t, 'bgp.length')), m.len, where);
    const n = decodeNotification(frameMessage(fromHex(m.hex)).body);
    assert.is(n.code, Number(field(t, 'bgp.notify.major_error')), `${where} code`);
    const minorKey = Object.keys(t).find((k) => k.startsWith('bgp.notify.minor_error'));
    assert.ok(minorKey, `${where}: tshark shows a subcode`);
    assert.is(n.subcode, Number(field(t, minorKey)), `${where} subcode`);
    if ('bgp.notify.minor_data' in t) assert.is(toHex(n.data), hexField(field(t, 'bgp.notify.minor_data')), `${where} data`);
    if ('bgp.notify.communication' in t) {
      communications++;
      assert.is(n.shutdown?.message, field(t, 'bgp.notify.communication'), `${where} communication`);
      assert.is(n.data[0], Number(field(t, 'bgp.notify.communication_length')), `${where} communication length`);
    }
  }
  assert.ok(communications >= 2, 'shutdown communications were compared');
});

notification('a 210-octet shutdown communication is accepted (RFC 9003 §2 raised the limit from 128 to 255)', () => {
  const m = NOTIFICATIONS.find((x) => x.src === 'tcpdump/bgp-extended-shutdown-msg.pcapng');
  assert.ok(m);
  const n = decodeNotification(frameMessage(fromHex(m.hex)).body);
  assert.is(n.data[0], 210);
  assert.is(new TextEncoder().encode(n.shutdown?.message).length, 210);
});

notification('Administrative Reset with octets after the communication keeps them as trailing (RFC 9003 §2)', () => {
  const m = NOTIFICATIONS.find((x) => x.src === 'tcpdump/bgp-shutdown-msg-variations.pcap');
  assert.ok(m);
  const n = decodeNotification(frameMessage(fromHex(m.hex)).body);
  assert.is(n.subcode, iana.CeaseSubcode.AdministrativeReset);
  assert.is(new TextEncoder().encode(n.shutdown?.message).length, n.data[0]);
  assert.is(toHex(n.shutdown?.trailing ?? new Uint8Array()), toHex(n.data.subarray(1 + n.data[0])));
});

notification('malformed shutdown communications are not decoded, the NOTIFICATION still is (RFC 9003 §4)', () => {
  assert.is(decodeShutdownCommunication(new Uint8Array()), undefined);
  assert.is(decodeShutdownCommunication(fromHex('05616263')), undefined, 'length past the data');
  assert.is(decodeShutdownCommunication(fromHex('02c328')), undefined, 'invalid UTF-8');
  assert.equal(decodeShutdownCommunication(fromHex('00')), { message: '' });
  const n = decodeNotification(fromHex('060205616263'));
  assert.is(n.shutdown, undefined);
  assert.is(toHex(n.data), '05616263');
});

notification('encodeShutdownCommunication writes length + UTF-8 and refuses more than 255 octets (RFC 9003 §2)', () => {
  assert.is(toHex(encodeShutdownCommunication('hé')), '0368c3a9');
  assert.is(encodeShutdownCommunication('x'.repeat(255)).length, 256);
  assert.throws(() => encodeShutdownCommunication('é'.repeat(128)), RangeError);
});

notification('Hard Reset carries the cause (RFC 8538 §3)', () => {
  const m = NOTIFICATIONS.find((x) => x.src === 'tcpdump/bgp-cease-hard-reset.pcap');
  assert.ok(m);
  const n = decodeNotification(frameMessage(fromHex(m.hex)).body);
  assert.equal(n.hardReset && [n.hardReset.code, n.hardReset.subcode], [n.data[0], n.data[1]]);
  assert.match(formatNotification(n), /^Cease \/ Hard Reset \(6\/9\) caused by Cease \//);
});

notification('formatNotification names code and subcode, and shows data', () => {
  assert.is(formatNotification({ code: 2, subcode: 1, data: fromHex('0004') }), 'OPEN Message Error / Unsupported Version Number (2/1) data 0004');
  assert.is(formatNotification({ code: 6, subcode: 2, data: encodeShutdownCommunication('maintenance') }), 'Cease / Administrative Shutdown (6/2): "maintenance"');
  assert.is(formatNotification({ code: 4, subcode: 0, data: new Uint8Array() }), 'Hold Timer Expired / Unspecific (4/0)');
  assert.is(notificationText(6, 99), 'Cease / unknown subcode 99');
  assert.is(notificationText(42, 1), 'Unknown error code 42 / subcode 1');
});

notification('a body shorter than code + subcode is Bad Message Length (RFC 4271 §6.1)', () => {
  assert.throws(() => decodeNotification(fromHex('06')), (e: unknown) => e instanceof MessageHeaderError && toHex(e.notification.data) === '0014');
});

// Catalogue test (fastify style): every code and subcode constant in iana.ts has a text.
const SUBCODE_TABLES: [string, number, Record<string, number>][] = [
  ['HeaderSubcode', iana.ErrorCode.MessageHeader, iana.HeaderSubcode],
  ['OpenSubcode', iana.ErrorCode.OpenMessage, iana.OpenSubcode],
  ['UpdateSubcode', iana.ErrorCode.UpdateMessage, iana.UpdateSubcode],
  ['FsmSubcode', iana.ErrorCode.FsmError, iana.FsmSubcode],
  ['CeaseSubcode', iana.ErrorCode.Cease, iana.CeaseSubcode],
  ['RouteRefreshSubcode', iana.ErrorCode.RouteRefreshMessage, iana.RouteRefreshSubcode],
];

notification('catalogue: every ErrorCode has a text and an RFC', () => {
  for (const [name, code] of Object.entries(iana.ErrorCode)) {
    const entry = NOTIFICATION_TEXT[code];
    assert.ok(entry, `ErrorCode.${name} (${code}) has no text`);
    assert.ok(entry.text.length > 0 && /^RFC \d+/.test(entry.rfc), `ErrorCode.${name}`);
  }
});

notification('catalogue: every subcode constant in iana.ts has a text under its code', () => {
  for (const [table, code, subcodes] of SUBCODE_TABLES) {
    for (const [name, subcode] of Object.entries(subcodes)) {
      const sub = NOTIFICATION_TEXT[code]?.subcodes[subcode];
      assert.ok(sub, `${table}.${name} (${code}/${subcode}) has no text`);
      assert.ok(sub.text.length > 0 && sub.rfc.length > 0, `${table}.${name}`);
    }
  }
});

notification('catalogue: every iana.ts *Subcode table is covered by this test', () => {
  const tables = Object.keys(iana).filter((k) => k.endsWith('Subcode'));
  assert.equal(tables.sort(), SUBCODE_TABLES.map(([t]) => t).sort());
});

notification('catalogue: every NOTIFICATION in the corpus has a known code and subcode', () => {
  for (const m of NOTIFICATIONS) {
    const n = decodeNotification(frameMessage(fromHex(m.hex)).body);
    assert.not.match(notificationText(n.code, n.subcode), /unknown/i, `${m.src}: ${n.code}/${n.subcode}`);
  }
});

notification.run();
