import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOpen, encodeOpen, peerAsOf, validateOpen, type OpenMessage, type OpenExpectations } from '../../lib/wire/open.js';
import type { Capability } from '../../lib/wire/capabilities.js';
import { BgpProtocolError, OpenMessageError } from '../../lib/wire/errors.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { AS_TRANS, ErrorCode, OpenSubcode } from '../../lib/wire/iana.js';
import { fromHex, toHex } from '../../lib/wire/bytes.js';
import { dataPath, readCorpusMessages, type CorpusMessage } from '../helpers/corpus.js';
import { collect, field, fieldList, prefetchTshark, tsharkDissect, tsharkPdus, type TsharkNode } from '../helpers/tshark.js';

const open = suite('wire/open');

/** Corpus OPENs that tshark and the RFC agree are well formed (version 4, marker and length intact). */
const OPENS = readCorpusMessages().filter((m) => m.type === 1 && m.marker_ok && m.len === m.hdr_len && m.hex.slice(38, 40) === '04');
/** The RFC 9072 capture: tshark 4.0 does not know the extended optional parameters length. */
const EXTENDED = 'tcpdump/bgp-extended-optional-parameters-length.pcapng';

function bodyOf(m: CorpusMessage): Uint8Array {
  return frameMessage(fromHex(m.hex)).body;
}

function tsharkOf(m: CorpusMessage): TsharkNode {
  const pdu = tsharkPdus(m.src, 'bgp').get(m.frame)?.[m.idx];
  if (!pdu) throw new Error(`tshark shows no BGP PDU ${m.idx} in frame ${m.frame} of ${m.src}`);
  assert.is(field(pdu, 'bgp.type'), '1', `${m.src}#${m.frame}: tshark PDU is an OPEN`);
  assert.is(Number(field(pdu, 'bgp.length')), m.len, `${m.src}#${m.frame}: same PDU as the corpus`);
  return pdu;
}

/** Compare one decoded capability with tshark's 'bgp.cap' node. */
function compareCapability(where: string, cap: Capability, t: TsharkNode): void {
  const type = Number(field(t, 'bgp.cap.type'));
  const num = (name: string): number[] => fieldList(t, name).map(Number);
  switch (cap.kind) {
    case 'multiprotocol':
      assert.is(type, 1, where);
      assert.equal([cap.afi, cap.safi], [Number(field(t, 'bgp.cap.mp.afi')), Number(field(t, 'bgp.cap.mp.safi'))], where);
      return;
    case 'route-refresh':
      assert.is(type, 2, where);
      return;
    case 'enhanced-route-refresh':
      assert.is(type, 70, where);
      return;
    case 'extended-message':
      assert.is(type, 6, where);
      return;
    case 'four-octet-as':
      assert.is(type, 65, where);
      assert.is(cap.asn, Number(field(t, 'bgp.cap.4as')), where);
      return;
    case 'graceful-restart': {
      assert.is(type, 64, where);
      const timers = collect(t, 'bgp.cap.gr.timers.restart_time')[0];
      assert.ok(timers, `${where}: tshark shows GR timers`);
      assert.is(cap.restartState, field(timers, 'bgp.cap.gr.timers.restart_flag') === '1', `${where} R`);
      assert.is(cap.notification, field(timers, 'bgp.cap.gr.timers.notification_flag') === '1', `${where} N`);
      assert.is(cap.restartTime, Number(field(timers, 'bgp.cap.gr.timers.restart_time')), `${where} time`);
      assert.equal(cap.families.map((f) => f.afi), num('bgp.cap.gr.afi'), `${where} afi`);
      assert.equal(cap.families.map((f) => f.safi), num('bgp.cap.gr.safi'), `${where} safi`);
      const pfs = collect(t, 'bgp.cap.gr.flag.pfs').map((n) => field(n, 'bgp.cap.gr.flag.pfs') === '1');
      assert.equal(cap.families.map((f) => f.forwardingPreserved), pfs, `${where} F`);
      return;
    }
    case 'add-path':
      assert.is(type, 69, where);
      assert.equal(cap.families.map((f) => f.afi), num('bgp.cap.ap.afi'), `${where} afi`);
      assert.equal(cap.families.map((f) => f.safi), num('bgp.cap.ap.safi'), `${where} safi`);
      assert.equal(cap.families.map((f) => f.sendReceive), num('bgp.cap.ap.sendreceive'), `${where} send/receive`);
      return;
    case 'unknown':
      assert.is(cap.code, type, where);
      assert.is(cap.value.length, Number(field(t, 'bgp.cap.length')), `${where} length`);
      return;
  }
}

function compareWithTshark(where: string, o: OpenMessage, t: TsharkNode): void {
  assert.is(o.version, Number(field(t, 'bgp.open.version')), `${where} version`);
  assert.is(o.myAs, Number(field(t, 'bgp.open.myas')), `${where} my AS`);
  assert.is(o.holdTime, Number(field(t, 'bgp.open.holdtime')), `${where} hold time`);
  assert.is(o.bgpId, field(t, 'bgp.open.identifier'), `${where} identifier`);
  const caps = collect(t, 'bgp.cap.type');
  assert.is(o.capabilities.length, caps.length, `${where}: capability count`);
  o.capabilities.forEach((c, i) => compareCapability(`${where} capability #${i}`, c, caps[i]));
  const params = collect(t, 'bgp.open.opt.param.type').map((n) => Number(field(n, 'bgp.open.opt.param.type')));
  assert.equal(o.wire?.map((p) => p.type), params, `${where}: parameter types`);
}

open.before(async () => {
  await prefetchTshark(OPENS.filter((m) => m.src !== EXTENDED).map((m) => m.src));
});

open('the corpus holds real OPENs to test against', () => {
  assert.ok(OPENS.length >= 60, `${OPENS.length} OPENs`);
});

open('every well-formed corpus OPEN decodes and re-encodes byte-exact', () => {
  for (const m of OPENS) {
    const o = decodeOpen(bodyOf(m));
    assert.is(toHex(encodeOpen(o)), m.hex, `${m.src}#${m.frame}`);
  }
});

open('decoded OPEN fields and capabilities agree with tshark', () => {
  let compared = 0;
  for (const m of OPENS) {
    if (m.src === EXTENDED) continue;
    compareWithTshark(`${m.src}#${m.frame}`, decodeOpen(bodyOf(m)), tsharkOf(m));
    compared++;
  }
  assert.ok(compared >= 60, `${compared} compared`);
});

open('RFC 9072 extended optional parameters: decoded, kept, and equal to tshark on the plain re-encoding', () => {
  const m = OPENS.find((x) => x.src === EXTENDED);
  assert.ok(m, 'the RFC 9072 capture is in the corpus');
  const body = bodyOf(m);
  assert.is(body[9], 255, 'Non-Ext OP Len is 255');
  assert.is(body[10], 255, 'Non-Ext OP Type is 255');
  const o = decodeOpen(body);
  assert.is(o.extendedParameters, true);
  assert.is(toHex(encodeOpen(o)), m.hex);
  // The installed tshark predates RFC 9072: let it check the same content in the plain encoding.
  const plain = encodeOpen({ ...o, extendedParameters: false });
  assert.is(plain[28], plain.length - 29, 'plain encoding');
  assert.equal(decodeOpen(plain.subarray(19)).capabilities, o.capabilities);
  const [t] = tsharkDissect([plain]);
  assert.ok(t, 'tshark dissected the re-encoded OPEN');
  compareWithTshark(`${m.src} (plain)`, o, t);
});

open('OPENs built in code put all capabilities in one parameter (RFC 5492 §4) and round-trip', () => {
  const built: OpenMessage = {
    version: 4,
    myAs: AS_TRANS,
    holdTime: 90,
    bgpId: '192.0.2.1',
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: 4200000000 },
      { kind: 'add-path', families: [{ afi: 1, safi: 1, sendReceive: 3 }] },
    ],
    optionalParameters: [],
  };
  const bytes = encodeOpen(built);
  assert.is(bytes[28], 2 + 6 + 2 + 6 + 6, 'one Capabilities parameter');
  const back = decodeOpen(bytes.subarray(19));
  assert.equal(back.capabilities, built.capabilities);
  assert.is(peerAsOf(back), 4200000000);
  assert.is(toHex(encodeOpen(back)), toHex(bytes));
});

open('peerAsOf uses the 4-octet AS capability, else My AS (RFC 6793 §4.1)', () => {
  for (const m of OPENS) {
    const o = decodeOpen(bodyOf(m));
    const four = o.capabilities.find((c) => c.kind === 'four-octet-as');
    const expected = four && four.kind === 'four-octet-as' ? four.asn : o.myAs;
    assert.is(peerAsOf(o), expected);
    if (o.myAs === AS_TRANS) assert.ok(four, `${m.src}: AS_TRANS comes with the capability`);
  }
});

// ---- RFC 4271 §6.2 validation, table-driven --------------------------------------------------------

const BASE: OpenMessage = decodeOpen(bodyOf(OPENS.find((m) => m.src === 'tcpdump/bgp-4byte-asn.pcap' && m.frame === 6) ?? OPENS[0]));

interface Case {
  readonly rule: string;
  readonly open: OpenMessage;
  readonly expect?: OpenExpectations;
  readonly subcode: number;
  readonly data: number[];
}

const CASES: Case[] = [
  { rule: 'version 3 is Unsupported Version Number, data = 4 as 2 octets', open: { ...BASE, version: 3 }, subcode: OpenSubcode.UnsupportedVersionNumber, data: [0, 4] },
  { rule: 'version 5 is Unsupported Version Number, data = 4 as 2 octets', open: { ...BASE, version: 5 }, subcode: OpenSubcode.UnsupportedVersionNumber, data: [0, 4] },
  { rule: 'peer AS other than configured is Bad Peer AS', open: BASE, expect: { peerAs: peerAsOf(BASE) + 1 }, subcode: OpenSubcode.BadPeerAs, data: [] },
  {
    rule: 'AS_TRANS in My AS is compared through the 4-octet AS capability',
    open: BASE,
    expect: { peerAs: AS_TRANS },
    subcode: OpenSubcode.BadPeerAs,
    data: [],
  },
  { rule: 'hold time 1 is Unacceptable Hold Time', open: { ...BASE, holdTime: 1 }, subcode: OpenSubcode.UnacceptableHoldTime, data: [] },
  { rule: 'hold time 2 is Unacceptable Hold Time', open: { ...BASE, holdTime: 2 }, subcode: OpenSubcode.UnacceptableHoldTime, data: [] },
  { rule: 'BGP Identifier 0.0.0.0 is Bad BGP Identifier (RFC 6286 §2.2)', open: { ...BASE, bgpId: '0.0.0.0' }, subcode: OpenSubcode.BadBgpIdentifier, data: [] },
  {
    rule: 'iBGP peer with our BGP Identifier is Bad BGP Identifier (RFC 6286 §2.2)',
    open: BASE,
    expect: { localAs: peerAsOf(BASE), localBgpId: BASE.bgpId },
    subcode: OpenSubcode.BadBgpIdentifier,
    data: [],
  },
  {
    rule: 'an unrecognized optional parameter is Unsupported Optional Parameter',
    open: { ...BASE, optionalParameters: [{ type: 1, value: new Uint8Array([0, 1]) }], wire: undefined },
    subcode: OpenSubcode.UnsupportedOptionalParameter,
    data: [],
  },
];

for (const c of CASES) {
  open(`${c.rule} (RFC 4271 §6.2)`, () => {
    try {
      validateOpen(c.open, c.expect);
      assert.unreachable('validateOpen accepted it');
    } catch (e) {
      assert.instance(e, OpenMessageError);
      const n = (e as OpenMessageError).notification;
      assert.equal([n.code, n.subcode, [...n.data]], [ErrorCode.OpenMessage, c.subcode, c.data]);
    }
  });
}

open('accepted: the configured AS via the capability, hold time 0 and 3, eBGP peer with our identifier', () => {
  validateOpen(BASE, { peerAs: peerAsOf(BASE) });
  validateOpen({ ...BASE, holdTime: 0 });
  validateOpen({ ...BASE, holdTime: 3 });
  validateOpen(BASE, { localAs: peerAsOf(BASE) + 1, localBgpId: BASE.bgpId });
});

open('every well-formed corpus OPEN passes validateOpen against its own AS', () => {
  for (const m of OPENS) {
    const o = decodeOpen(bodyOf(m));
    if (o.optionalParameters.length > 0) continue; // RFC 9072 capture: carries unknown parameter types on purpose
    validateOpen(o, { peerAs: peerAsOf(o) });
  }
});

open('decodeOpen rejects version 3 at once with Unsupported Version Number (RFC 4271 §6.2)', () => {
  const b = encodeOpen(BASE).slice(19);
  b[0] = 3;
  assert.throws(
    () => decodeOpen(b),
    (e: unknown) => e instanceof OpenMessageError && e.notification.subcode === 1 && toHex(e.notification.data) === '0004',
  );
});

open('structural damage is OPEN Message Error / Unspecific (RFC 4271 §6.2: recognized but malformed)', () => {
  const good = encodeOpen(BASE).slice(19);
  const cases: [string, Uint8Array][] = [
    ['short body', good.subarray(0, 9)],
    ['opt len larger than the body', Uint8Array.from([...good.subarray(0, 9), good[9] + 1, ...good.subarray(10)])],
    ['opt len smaller than the body', Uint8Array.from([...good.subarray(0, 9), good[9] - 1, ...good.subarray(10)])],
    ['parameter overruns', Uint8Array.from([...good.subarray(0, 9), 2, 2, 5])],
    ['truncated RFC 9072 length', Uint8Array.from([...good.subarray(0, 9), 255, 255, 0])],
  ];
  for (const [name, body] of cases) {
    assert.throws(() => decodeOpen(body), (e: unknown) => e instanceof OpenMessageError && e.notification.subcode === 0, name);
  }
});

// ---- malformed inputs: only BgpProtocolError may escape --------------------------------------------

function decodeOnlyProtocolErrors(where: string, bytes: Uint8Array): 'ok' | 'rejected' {
  try {
    const frame = frameMessage(bytes);
    const o = decodeOpen(frame.body);
    validateOpen(o);
    assert.is(toHex(encodeOpen(o)), toHex(bytes), `${where}: accepted OPEN re-encodes byte-exact`);
    return 'ok';
  } catch (e) {
    if (!(e instanceof BgpProtocolError)) throw new Error(`${where}: ${String(e)} is not a BgpProtocolError`);
    return 'rejected';
  }
}

open('malformed corpus OPENs (tcpdump oobr captures) throw BgpProtocolError only', () => {
  const bad = readCorpusMessages().filter((m) => m.type === 1 && !OPENS.includes(m));
  assert.ok(bad.some((m) => m.src.includes('bgp_capabilities_print-oobr')), 'the oobr captures are covered');
  for (const m of bad) {
    const bytes = fromHex(m.hex);
    assert.is(decodeOnlyProtocolErrors(`${m.src}#${m.frame}`, bytes), 'rejected');
    try {
      decodeOpen(bytes.subarray(19));
    } catch (e) {
      assert.instance(e, BgpProtocolError);
    }
  }
});

open('FRR AFL corpus files of type OPEN throw BgpProtocolError only, and body decoding never crashes', () => {
  const dir = dataPath('corpus/frr-bgpd-afl/gen');
  let opens = 0;
  let accepted = 0;
  for (const name of readdirSync(dir)) {
    const bytes = new Uint8Array(readFileSync(join(dir, name)));
    if (bytes.length < 19 || bytes[18] !== 1) continue;
    opens++;
    if (decodeOnlyProtocolErrors(name, bytes) === 'ok') accepted++;
    try {
      decodeOpen(bytes.subarray(19));
    } catch (e) {
      if (!(e instanceof BgpProtocolError)) throw new Error(`${name}: decodeOpen threw ${String(e)}`);
    }
  }
  assert.ok(opens > 500, `${opens} OPEN-typed files`);
  assert.ok(accepted < opens, 'most fuzzed OPENs are rejected');
});

open.run();
