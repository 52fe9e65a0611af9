import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ATTRIBUTES, MP_ATTRIBUTES, expectedFlags, formatPathAttributes, mergeAs4Path } from '../../lib/wire/attributes.js';
import { AttrType } from '../../lib/wire/iana.js';
import { AttributeInterner } from '../../lib/wire/intern.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';
import { frameMessage } from '../../lib/wire/framing.js';
import type { AsPathSegment } from '../../lib/wire/types.js';

const attributes = suite('wire/attributes');

/**
 * Categories as the defining RFCs state them (RFC 4271 §5 for the base attributes; RFC 1997, 4456, 4360,
 * 6793, 8092 for the others) — the descriptor table must agree (corebgp's LOCAL_PREF/ATOMIC_AGGREGATE bugs).
 */
const RFC_CATEGORY: Record<number, string> = {
  [AttrType.Origin]: 'WM',
  [AttrType.AsPath]: 'WM',
  [AttrType.NextHop]: 'WM',
  [AttrType.MultiExitDisc]: 'ON',
  [AttrType.LocalPref]: 'WD',
  [AttrType.AtomicAggregate]: 'WD',
  [AttrType.Aggregator]: 'OT',
  [AttrType.Communities]: 'OT',
  [AttrType.OriginatorId]: 'ON',
  [AttrType.ClusterList]: 'ON',
  [AttrType.ExtendedCommunities]: 'OT',
  [AttrType.As4Path]: 'OT',
  [AttrType.As4Aggregator]: 'OT',
  [AttrType.LargeCommunity]: 'OT',
};

attributes('every registry attribute has exactly one descriptor, with the RFC category and flags', () => {
  const codes = Object.values(AttrType).filter((c) => !MP_ATTRIBUTES.has(c));
  assert.equal([...ATTRIBUTES.keys()].sort((a, b) => a - b), codes.sort((a, b) => a - b));
  for (const [code, d] of ATTRIBUTES) {
    assert.is(d.code, code);
    assert.is(d.category, RFC_CATEGORY[code], d.name);
    const flags = expectedFlags(d);
    // RFC 4271 §4.3: well-known ⇒ Optional 0, Transitive 1; optional non-transitive ⇒ 0x80; transitive ⇒ 0xc0.
    assert.is(flags, d.category === 'ON' ? 0x80 : d.category === 'OT' ? 0xc0 : 0x40, d.name);
    assert.ok(d.rfc.startsWith('RFC '), d.name);
  }
  assert.is(MP_ATTRIBUTES.get(AttrType.MpReachNlri)?.category, 'ON');
  assert.is(MP_ATTRIBUTES.get(AttrType.MpUnreachNlri)?.category, 'ON');
});

attributes('format gives one line per attribute through the descriptors', () => {
  const msg = encodeUpdate(
    {
      attributes: { origin: 0, asPath: [{ type: 2, asns: [65001, 65002] }, { type: 1, asns: [7, 8] }], nextHop: '192.0.2.1', med: 5, communities: [(65001 << 16) | 100], largeCommunities: [[65001, 1, 2]], extCommunities: ['0002fde900000064'] },
      nlri: [],
    },
    { fourOctetAs: true },
  );
  const u = decodeUpdate(frameMessage(msg).body, { fourOctetAs: true }, null);
  assert.equal(formatPathAttributes(u.attributes!), [
    'ORIGIN: IGP',
    'AS_PATH: 65001 65002 {7,8}',
    'NEXT_HOP: 192.0.2.1',
    'MULTI_EXIT_DISC: 5',
    'COMMUNITIES: 65001:100',
    'EXTENDED_COMMUNITIES: rt 65001:100',
    'LARGE_COMMUNITY: 65001:1:2',
  ]);
});

const seq = (...asns: number[]): AsPathSegment => ({ type: 2, asns });
attributes('AS4_PATH merge follows RFC 6793 §4.2.3', () => {
  // A 2-octet speaker (AS 200) prepended itself to a path of 4-octet ASes that it saw as AS_TRANS.
  assert.equal(mergeAs4Path([seq(200, 23456, 23456)], [seq(65537, 65538)], undefined, undefined), [seq(200, 65537, 65538)]);
  // AS4_PATH longer than AS_PATH: ignored.
  assert.equal(mergeAs4Path([seq(23456)], [seq(65537, 65538)], undefined, undefined), [seq(23456)]);
  const as4agg = { asn: 65537, address: '10.0.0.1' };
  // AGGREGATOR with a real 2-octet AS and an AS4_AGGREGATOR: an OLD speaker aggregated; AS4_PATH ignored.
  assert.equal(mergeAs4Path([seq(200, 23456)], [seq(65537)], { asn: 300, address: '10.0.0.1' }, as4agg), [seq(200, 23456)]);
  // AGGREGATOR alone (no AS4_AGGREGATOR): the rule does not apply, the paths are merged (rrc15 2010 data).
  assert.equal(mergeAs4Path([seq(200, 23456)], [seq(65537)], { asn: 300, address: '10.0.0.1' }, undefined), [seq(200, 65537)]);
  // AGGREGATOR with AS_TRANS: merged. An AS_SET counts as one.
  assert.equal(mergeAs4Path([seq(200), { type: 1, asns: [1, 2] }, seq(23456)], [seq(65537)], { asn: 23456, address: '10.0.0.1' }, as4agg), [seq(200), { type: 1, asns: [1, 2] }, seq(65537)]);
});

attributes('the effective path is merged on 2-octet sessions and left alone on 4-octet ones', () => {
  const body = (fourOctet: boolean): Uint8Array => {
    const asPath = fourOctet ? [2, 2, 0, 0, 0, 200, 0, 1, 0, 1] : [2, 3, 0, 200, 0x5b, 0xa0, 0x5b, 0xa0];
    const as4 = [2, 2, 0, 1, 0, 1, 0, 1, 0, 2];
    const attrs = [0x40, 1, 1, 0, 0x40, 2, asPath.length, ...asPath, 0x40, 3, 4, 10, 0, 0, 1, ...(fourOctet ? [] : [0xc0, 17, as4.length, ...as4])];
    return Uint8Array.from([0, 0, 0, attrs.length, ...attrs, 24, 10, 1, 2]);
  };
  const old = decodeUpdate(body(false), { fourOctetAs: false }, null);
  assert.equal(old.attributes?.asPathEffective, [seq(200, 65537, 65538)]);
  const neu = decodeUpdate(body(true), { fourOctetAs: true }, null);
  assert.equal(neu.attributes?.asPathEffective, [seq(200, 65537)]);
});

attributes('the interner keeps at most capacity buckets and bounded collision chains', () => {
  const interner = new AttributeInterner(50);
  const base = [0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 10, 0, 0, 1, 0x80, 4, 4, 0, 0, 0, 0];
  for (let med = 0; med < 500; med++) {
    const attrs = base.slice();
    attrs[attrs.length - 2] = med >> 8;
    attrs[attrs.length - 1] = med & 255;
    const body = Uint8Array.from([0, 0, 0, attrs.length, ...attrs, 24, 10, 1, 2]);
    const a = decodeUpdate(body, { fourOctetAs: true }, interner);
    assert.is(a.attributes?.med, med);
    assert.is(decodeUpdate(body, { fourOctetAs: true }, interner).attributes, a.attributes);
  }
  assert.ok(interner.size <= 50);
  assert.is(interner.hits, 500);
  assert.is(interner.misses, 500);
});

attributes('interned results differ by session context (2- vs 4-octet AS, eBGP)', () => {
  const interner = new AttributeInterner();
  const attrs = [0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, 0x40, 3, 4, 10, 0, 0, 1, 0x40, 5, 4, 0, 0, 0, 100];
  const body = Uint8Array.from([0, 0, 0, attrs.length, ...attrs, 24, 10, 1, 2]);
  const four = decodeUpdate(body, { fourOctetAs: true }, interner);
  const two = decodeUpdate(body, { fourOctetAs: false }, interner);
  const ebgp = decodeUpdate(body, { fourOctetAs: true, ebgp: true }, interner);
  assert.equal(four.attributes?.asPath, [seq(65001)]);
  // Read with 2-octet ASNs the same bytes are a malformed AS_PATH (RFC 7606 §7.2).
  assert.is(two.attributes?.asPath, undefined);
  assert.is(two.treatment, 'treat-as-withdraw');
  assert.is(four.attributes?.localPref, 100);
  assert.is(ebgp.attributes?.localPref, undefined);
  assert.is(ebgp.treatment, 'attribute-discard');
});

attributes.run();
