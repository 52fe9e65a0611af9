/**
 * RFC 7606 classification, one case per malformation. Each case mutates a REAL UPDATE (PacketLife
 * BGP_MP_NLRI.cap frame 9: ORIGIN, AS_PATH, NEXT_HOP, MED and three /24s) and asserts the exact treatment
 * and the NOTIFICATION code/subcode the RFCs prescribe.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readCorpusMessages } from '../helpers/corpus.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';
import { frameMessage, encodeMessage } from '../../lib/wire/framing.js';
import { scanAttributes } from '../../lib/wire/attributes.js';
import { BgpProtocolError, MalformedAttribute, type Treatment } from '../../lib/wire/errors.js';
import { asPathLength } from '../../lib/wire/attributes/as-path.js';
import type { CodecContext } from '../../lib/wire/types.js';

const rfc7606 = suite('wire/rfc7606');

const base = readCorpusMessages().find((m) => m.src === 'packetlife/BGP_MP_NLRI.cap' && m.frame === 9 && m.type === 2);
if (!base) throw new Error('base UPDATE (packetlife/BGP_MP_NLRI.cap frame 9) not found in the corpus');
const baseBody = frameMessage(new Uint8Array(Buffer.from(base.hex, 'hex'))).body;
const wl = (baseBody[0] << 8) | baseBody[1];
const tal = (baseBody[2 + wl] << 8) | baseBody[3 + wl];
const baseAttrs = scanAttributes(baseBody, 4 + wl, 4 + wl + tal).entries.map((e) => baseBody.slice(e.start, e.end));
const baseNlri = baseBody.slice(4 + wl + tal);
const typeOf = (a: Uint8Array): number => a[1];

function attr(flags: number, type: number, value: number[] | Uint8Array): Uint8Array {
  const v = Uint8Array.from(value);
  return flags & 0x10 ? Uint8Array.from([flags, type, v.length >> 8, v.length & 255, ...v]) : Uint8Array.from([flags, type, v.length, ...v]);
}

function body(attrs: Uint8Array[], nlri: Uint8Array = baseNlri, withdrawn: number[] = []): Uint8Array {
  const a = Buffer.concat(attrs);
  return Uint8Array.from([withdrawn.length >> 8, withdrawn.length & 255, ...withdrawn, a.length >> 8, a.length & 255, ...a, ...nlri]);
}

/** The base attributes with type `t` replaced (or removed when `by` is null), others kept in order. */
function replace(t: number, by: Uint8Array | null): Uint8Array[] {
  return baseAttrs.flatMap((a) => (typeOf(a) === t ? (by ? [by] : []) : [a]));
}

const ibgp2: CodecContext = { fourOctetAs: false };
const ebgp2: CodecContext = { fourOctetAs: false, ebgp: true };
const ibgp4: CodecContext = { fourOctetAs: true };

interface Case {
  name: string;
  body: Uint8Array;
  ctx?: CodecContext;
  treatment: Treatment;
  /** [code, subcode] of the NOTIFICATION (sent for resets; the fallback for the others). */
  notification?: [number, number];
  data?: number[];
}

const mpReachV6 = (nhLen: number, prefixLen = 64): Uint8Array => attr(0x80, 14, [0, 2, 1, nhLen, ...new Array(nhLen).fill(0x20), 0, prefixLen, ...new Array(Math.ceil(Math.min(prefixLen, 128) / 8)).fill(0x20)]);

const cases: Case[] = [
  { name: 'a clean UPDATE is clean', body: baseBody, treatment: 'none' },
  { name: 'ORIGIN of length 2 is treat-as-withdraw (RFC 7606 §7.1)', body: body(replace(1, attr(0x40, 1, [0, 0]))), treatment: 'treat-as-withdraw', notification: [3, 5] },
  { name: 'ORIGIN of length 0 is treat-as-withdraw (RFC 7606 §7.1)', body: body(replace(1, attr(0x40, 1, []))), treatment: 'treat-as-withdraw', notification: [3, 5] },
  { name: 'an undefined ORIGIN value is treat-as-withdraw (RFC 7606 §7.1)', body: body(replace(1, attr(0x40, 1, [3]))), treatment: 'treat-as-withdraw', notification: [3, 6] },
  { name: 'an AS_PATH segment overrunning the attribute is treat-as-withdraw (RFC 7606 §7.2)', body: body(replace(2, attr(0x40, 2, [2, 3, 0, 1, 0, 2]))), treatment: 'treat-as-withdraw', notification: [3, 11] },
  { name: 'a zero-length AS_PATH segment is treat-as-withdraw (RFC 7606 §7.2)', body: body(replace(2, attr(0x40, 2, [2, 0]))), treatment: 'treat-as-withdraw', notification: [3, 11] },
  { name: 'an unknown AS_PATH segment type is treat-as-withdraw (RFC 7606 §7.2)', body: body(replace(2, attr(0x40, 2, [9, 1, 0, 1]))), treatment: 'treat-as-withdraw', notification: [3, 11] },
  { name: 'NEXT_HOP of length 5 is treat-as-withdraw (RFC 7606 §7.3)', body: body(replace(3, attr(0x40, 3, [10, 0, 0, 1, 1]))), treatment: 'treat-as-withdraw', notification: [3, 5] },
  { name: 'NEXT_HOP of length 0 is treat-as-withdraw (RFC 7606 §7.3)', body: body(replace(3, attr(0x40, 3, []))), treatment: 'treat-as-withdraw', notification: [3, 5] },
  { name: 'MED of length 3 is treat-as-withdraw (RFC 7606 §7.4)', body: body(replace(4, attr(0x80, 4, [0, 0, 1]))), treatment: 'treat-as-withdraw', notification: [3, 5] },
  { name: 'LOCAL_PREF of length 2 from iBGP is treat-as-withdraw (RFC 7606 §7.5)', body: body([...baseAttrs, attr(0x40, 5, [0, 100])]), treatment: 'treat-as-withdraw', notification: [3, 5] },
  { name: 'LOCAL_PREF from eBGP is discarded (RFC 4271 §5.1.5, RFC 7606 §7.5)', body: body([...baseAttrs, attr(0x40, 5, [0, 0, 0, 100])]), ctx: ebgp2, treatment: 'attribute-discard' },
  { name: 'ATOMIC_AGGREGATE of length 1 is discarded (RFC 7606 §7.6)', body: body([...baseAttrs, attr(0x40, 6, [1])]), treatment: 'attribute-discard' },
  { name: 'AGGREGATOR of length 5 is discarded (RFC 7606 §7.7)', body: body([...baseAttrs, attr(0xc0, 7, [0, 1, 10, 0, 0])]), treatment: 'attribute-discard' },
  { name: 'AGGREGATOR of 6 octets on a 4-octet session is discarded (RFC 7606 §7.7)', body: body([...baseAttrs.map((a) => (typeOf(a) === 2 ? attr(0x40, 2, [2, 1, 0, 0, 0xfd, 0xea]) : a)), attr(0xc0, 7, [0, 1, 10, 0, 0, 1])]), ctx: ibgp4, treatment: 'attribute-discard' },
  { name: 'COMMUNITIES of length 0 is treat-as-withdraw (RFC 7606 §7.8)', body: body([...baseAttrs, attr(0xc0, 8, [])]), treatment: 'treat-as-withdraw' },
  { name: 'COMMUNITIES of length 5 is treat-as-withdraw (RFC 7606 §7.8)', body: body([...baseAttrs, attr(0xc0, 8, [0, 1, 0, 2, 9])]), treatment: 'treat-as-withdraw' },
  { name: 'ORIGINATOR_ID of length 3 from iBGP is treat-as-withdraw (RFC 7606 §7.9)', body: body([...baseAttrs, attr(0x80, 9, [1, 2, 3])]), treatment: 'treat-as-withdraw' },
  { name: 'ORIGINATOR_ID from eBGP is discarded (RFC 7606 §7.9)', body: body([...baseAttrs, attr(0x80, 9, [1, 2, 3, 4])]), ctx: ebgp2, treatment: 'attribute-discard' },
  { name: 'CLUSTER_LIST of length 6 is treat-as-withdraw (RFC 7606 §7.10)', body: body([...baseAttrs, attr(0x80, 10, [1, 2, 3, 4, 5, 6])]), treatment: 'treat-as-withdraw' },
  { name: 'EXTENDED_COMMUNITIES of length 7 is treat-as-withdraw (RFC 7606 §7.14)', body: body([...baseAttrs, attr(0xc0, 16, [0, 2, 0, 1, 0, 0, 0])]), treatment: 'treat-as-withdraw' },
  { name: 'LARGE_COMMUNITY of length 11 is treat-as-withdraw (RFC 8092 §6)', body: body([...baseAttrs, attr(0xc0, 32, new Array(11).fill(1))]), treatment: 'treat-as-withdraw' },
  { name: 'ORIGIN flagged optional is treat-as-withdraw (RFC 7606 §3 c)', body: body(replace(1, attr(0xc0, 1, [0]))), treatment: 'treat-as-withdraw', notification: [3, 4] },
  { name: 'MED flagged transitive is treat-as-withdraw (RFC 7606 §3 c)', body: body(replace(4, attr(0xc0, 4, [0, 0, 0, 1]))), treatment: 'treat-as-withdraw', notification: [3, 4] },
  { name: 'ATOMIC_AGGREGATE flagged optional follows its own rule: discard (RFC 7606 §3 c, §7.6)', body: body([...baseAttrs, attr(0xc0, 6, [])]), treatment: 'attribute-discard' },
  { name: 'a duplicate ORIGIN is discarded and processing continues (RFC 7606 §3 g)', body: body([...baseAttrs, attr(0x40, 1, [2])]), treatment: 'attribute-discard' },
  { name: 'a duplicate MP_REACH_NLRI resets the session with 3/1 (RFC 7606 §3 g)', body: body([mpReachV6(16), mpReachV6(16), ...baseAttrs]), treatment: 'session-reset', notification: [3, 1] },
  { name: 'MP_REACH_NLRI flagged well-known resets the session (RFC 7606 §3 c, §7.11)', body: body([attr(0x40, 14, [0, 2, 1, 16, ...new Array(16).fill(0x20), 0]), ...baseAttrs]), treatment: 'session-reset', notification: [3, 4] },
  { name: 'an attribute overrunning Total Path Attribute Length is treat-as-withdraw (RFC 7606 §4)', body: body([...baseAttrs, Uint8Array.from([0xc0, 8, 12, 0, 1, 0, 2])]), treatment: 'treat-as-withdraw', notification: [3, 1] },
  { name: 'trailing octets too short for an attribute header are treat-as-withdraw (RFC 7606 §4)', body: body([...baseAttrs, Uint8Array.from([0xc0, 8])]), treatment: 'treat-as-withdraw', notification: [3, 1] },
  { name: 'Total Path Attribute Length overrunning the message resets with 3/1 (RFC 4271 §6.3)', body: Uint8Array.from([0, 0, 0x10, 0, 0x40, 1, 1, 0]), treatment: 'session-reset', notification: [3, 1] },
  { name: 'Withdrawn Routes Length overrunning the message resets with 3/1 (RFC 4271 §6.3)', body: Uint8Array.from([0x10, 0, 0, 0]), treatment: 'session-reset', notification: [3, 1] },
  { name: 'a missing ORIGIN is treat-as-withdraw (RFC 7606 §3 d)', body: body(replace(1, null)), treatment: 'treat-as-withdraw', notification: [3, 3] },
  { name: 'a missing AS_PATH is treat-as-withdraw (RFC 7606 §3 d)', body: body(replace(2, null)), treatment: 'treat-as-withdraw', notification: [3, 3] },
  { name: 'a missing NEXT_HOP with NLRI is treat-as-withdraw (RFC 7606 §3 d)', body: body(replace(3, null)), treatment: 'treat-as-withdraw', notification: [3, 3] },
  { name: 'no NEXT_HOP is needed when the only NLRI is in MP_REACH_NLRI (RFC 4760 §3)', body: body([mpReachV6(16), ...replace(3, null)], new Uint8Array(0)), treatment: 'none' },
  { name: 'an unrecognized well-known attribute resets with 3/2 and the attribute as data (RFC 4271 §6.3)', body: body([...baseAttrs, attr(0x40, 99, [1, 2])]), treatment: 'session-reset', notification: [3, 2], data: [0x40, 99, 2, 1, 2] },
  { name: 'an unrecognized optional transitive attribute is kept (RFC 4271 §5)', body: body([...baseAttrs, attr(0xc0, 99, [1, 2])]), treatment: 'none' },
  { name: 'an NLRI prefix length of 33 resets with 3/10 (RFC 7606 §5.3)', body: body(baseAttrs, Uint8Array.from([33, 1, 2, 3, 4, 5])), treatment: 'session-reset', notification: [3, 10] },
  { name: 'a truncated NLRI resets with 3/10 (RFC 7606 §5.3)', body: body(baseAttrs, Uint8Array.from([24, 10, 0])), treatment: 'session-reset', notification: [3, 10] },
  { name: 'a withdrawn prefix length of 40 resets with 3/10 (RFC 7606 §5.3)', body: body(baseAttrs, baseNlri, [40, 1, 2, 3, 4, 5]), treatment: 'session-reset', notification: [3, 10] },
  { name: 'an MP_REACH_NLRI next hop of 5 octets for IPv6 resets with 3/9 (RFC 7606 §7.11)', body: body([mpReachV6(5), ...baseAttrs]), treatment: 'session-reset', notification: [3, 9] },
  { name: 'an MP_REACH_NLRI IPv6 prefix of length 129 resets with 3/9 (RFC 4760 §7)', body: body([mpReachV6(16, 129), ...baseAttrs]), treatment: 'session-reset', notification: [3, 9] },
  { name: 'an MP_REACH_NLRI next-hop length overrunning the attribute resets with 3/9', body: body([attr(0x80, 14, [0, 2, 1, 200, 1, 2]), ...baseAttrs]), treatment: 'session-reset', notification: [3, 9] },
  { name: 'AS4_PATH on a 4-octet session is discarded (RFC 6793 §6)', body: body([...baseAttrs.map((a) => (typeOf(a) === 2 ? attr(0x40, 2, [2, 1, 0, 0, 0xfd, 0xea]) : a)), attr(0xc0, 17, [2, 1, 0, 0, 0xfd, 0xea])]), ctx: ibgp4, treatment: 'attribute-discard' },
  { name: 'a malformed AS4_PATH on a 2-octet session is discarded (RFC 6793 §6)', body: body([...baseAttrs, attr(0xc0, 17, [2, 5, 0, 0])]), treatment: 'attribute-discard' },
  { name: 'AS4_PATH with confederation segments is discarded (RFC 6793 §6)', body: body([...baseAttrs, attr(0xc0, 17, [3, 1, 0, 0, 0xfd, 0xea])]), treatment: 'attribute-discard' },
];

for (const c of cases) {
  rfc7606(c.name, () => {
    const ctx = c.ctx ?? ibgp2;
    if (c.treatment === 'session-reset') {
      try {
        decodeUpdate(c.body, ctx, null);
        assert.unreachable('expected a session reset');
      } catch (e) {
        assert.instance(e, BgpProtocolError);
        const err = e as BgpProtocolError;
        assert.is(err.treatment, 'session-reset');
        assert.equal([err.notification.code, err.notification.subcode], c.notification);
        if (c.data) assert.equal([...err.notification.data], c.data);
      }
      return;
    }
    const u = decodeUpdate(c.body, ctx, null);
    assert.is(u.treatment, c.treatment, u.issues.map((i) => i.reason).join('; '));
    if (c.notification) assert.ok(u.issues.some((i) => i.code === c.notification![0] && i.subcode === c.notification![1]), `fallback ${c.notification}: ${JSON.stringify(u.issues)}`);
  });
}

rfc7606('an AS_PATH of 300 hops and one of 500 segments decode and re-encode (the long-AS-path incident)', () => {
  const seq = (n: number, start: number): number[] => Array.from({ length: n }, (_, i) => start + i).flatMap((a) => [a >> 8, a & 255]);
  const long = attr(0x50, 2, [2, 255, ...seq(255, 1000), 2, 45, ...seq(45, 2000)]);
  const u = decodeUpdate(body(replace(2, long)), ibgp2, null);
  assert.is(u.treatment, 'none');
  assert.is(asPathLength(u.attributes?.asPath), 300);
  const many = attr(0x50, 2, Array.from({ length: 500 }, (_, i) => [1, 1, (i >> 8) & 255, i & 255]).flat());
  const m = decodeUpdate(body(replace(2, many)), ibgp2, null);
  assert.is(m.treatment, 'none');
  assert.is(m.attributes?.asPath?.length, 500);
  assert.is(asPathLength(m.attributes?.asPath), 500);
  assert.equal(Buffer.from(encodeUpdate(m, ibgp2)).subarray(19), Buffer.from(body(replace(2, many))));
});

rfc7606('an unknown optional transitive attribute is passed on with the Partial bit; non-transitive is dropped (RFC 4271 §5)', () => {
  const u = decodeUpdate(body([...baseAttrs, attr(0xc0, 99, [1, 2]), attr(0x80, 98, [3])]), ibgp2, null);
  assert.is(u.attributes?.unknown?.length, 2);
  const out = frameMessage(encodeUpdate({ attributes: u.attributes, nlri: u.nlri }, ibgp2, { propagate: true }));
  const again = decodeUpdate(out.body, ibgp2, null);
  assert.equal(again.attributes?.unknown?.map((x) => [x.type, x.flags]), [[99, 0xe0]]);
});

rfc7606('a malformed attribute never throws anything but a typed BGP error', () => {
  for (const c of cases) {
    for (let cut = 0; cut < c.body.length; cut++) {
      try {
        decodeUpdate(c.body.subarray(0, cut), c.ctx ?? ibgp2, null);
      } catch (e) {
        assert.instance(e, BgpProtocolError);
      }
    }
  }
});

rfc7606('a reset error carries a MalformedAttribute with the attribute type where one applies', () => {
  try {
    decodeUpdate(body([...baseAttrs, attr(0x40, 99, [1])]), ibgp2, null);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MalformedAttribute);
    assert.is((e as MalformedAttribute).attrType, 99);
    assert.is((e as MalformedAttribute).toErrorData().attrType, 99);
  }
  assert.ok(encodeMessage(2, baseBody).length === base!.len);
});

rfc7606.run();
