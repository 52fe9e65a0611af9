import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { packUpdates } from '../../lib/export/packer.js';
import { RoutingEngine } from '../../lib/rib/engine.js';
import type { PeerOut } from '../../lib/rib/types.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import type { CodecContext, PathAttributes } from '../../lib/wire/types.js';
import { formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { P, attrs, engineOptions } from '../rib/fixtures.js';
import { loadJinx } from '../rib/jinx.js';

const test = suite('export/packer');

/** The fields a receiver acts on, in a comparable form. */
function norm(a: PathAttributes & { nextHopLinkLocal?: string }): string {
  return JSON.stringify([a.origin, a.asPathEffective ?? a.asPath, a.nextHop, a.nextHopLinkLocal, a.med, a.localPref, a.atomicAggregate, a.aggregatorEffective ?? a.aggregator, a.communities, a.originatorId, a.clusterList, a.extCommunities, a.largeCommunities]);
}

function unpack(msgs: Uint8Array[], ctx: CodecContext, max: number): { announce: Map<PrefixKey, string>; withdraw: Set<PrefixKey> } {
  const announce = new Map<PrefixKey, string>();
  const withdraw = new Set<PrefixKey>();
  for (const m of msgs) {
    assert.ok(m.length <= max, `message of ${m.length} > ${max}`);
    assert.ok(m.subarray(0, 16).every((b) => b === 0xff));
    assert.is((m[16] << 8) | m[17], m.length);
    assert.is(m[18], 2);
    const u = decodeUpdate(m.subarray(19), ctx, null);
    assert.is(u.treatment, 'none', JSON.stringify(u.issues));
    for (const k of u.withdrawn) withdraw.add(k);
    for (const k of u.mpUnreach?.withdrawn ?? []) withdraw.add(k);
    for (const k of u.nlri) announce.set(k, norm(u.attributes!));
    if (u.mpReach) {
      const a = { ...u.attributes!, nextHop: u.mpReach.nextHop.global, nextHopLinkLocal: u.mpReach.nextHop.linkLocal };
      for (const k of u.mpReach.nlri) announce.set(k, norm(a));
    }
  }
  return { announce, withdraw };
}

function roundTrip(out: PeerOut, ctx: CodecContext, max: number): Uint8Array[] {
  const msgs = packUpdates(out, ctx, { maxMessageLength: max, families: { ipv4: true, ipv6: true } });
  const back = unpack(msgs, ctx, max);
  assert.equal([...back.withdraw].map(formatPrefix).sort(), [...out.withdraw].map(formatPrefix).sort());
  assert.is(back.announce.size, out.announce.size);
  for (const [k, a] of out.announce) assert.is(back.announce.get(k), norm(a), formatPrefix(k));
  return msgs;
}

const sample = (): PeerOut => {
  const a = attrs({ path: [64512, 65001, 65002], med: 3, communities: [65001 * 65536 + 7] });
  const b = attrs({ path: [64512, 4200000001], largeCommunities: [[4200000001, 1, 2]], aggregator: { asn: 4200000001, address: '10.0.0.9' } });
  const v6 = Object.freeze({ ...attrs({ path: [64512, 65003] }), nextHop: '2001:db8::fe', nextHopLinkLocal: 'fe80::fe' });
  const announce = new Map<PrefixKey, PathAttributes>();
  for (let i = 0; i < 600; i++) announce.set(P(`10.${i >> 8}.${i & 255}.0/24`), i % 3 === 0 ? b : a);
  for (let i = 0; i < 300; i++) announce.set(P(`2001:db8:${i.toString(16)}::/48`), v6);
  // A content-identical copy of `a` must share its UPDATEs.
  announce.set(P('172.16.0.0/12'), Object.freeze({ ...a }));
  const withdraw = new Set<PrefixKey>();
  for (let i = 0; i < 700; i++) withdraw.add(P(`11.${i >> 8}.${i & 255}.0/24`));
  for (let i = 0; i < 200; i++) withdraw.add(P(`2001:db8:ffff:${i.toString(16)}::/64`));
  return { announce, withdraw };
};

test('round trip: decoded UPDATEs give back the announce and withdraw sets (4-octet AS peer)', () => {
  const msgs = roundTrip(sample(), { fourOctetAs: true }, 4096);
  assert.ok(msgs.length <= 8, `${msgs.length} messages: same attribute sets are packed together`);
});

test('round trip towards a 2-octet AS peer: AS4_PATH/AS4_AGGREGATOR carry the 4-octet ASNs (RFC 6793 §4.2.2)', () => {
  roundTrip(sample(), { fourOctetAs: false }, 4096);
});

test('respects maxMessageLength (small and RFC 8654 extended)', () => {
  const small = roundTrip(sample(), { fourOctetAs: true }, 200);
  assert.ok(small.length > 20);
  const big = roundTrip(sample(), { fourOctetAs: true }, 65535);
  assert.ok(big.length <= 5);
});

test('families not enabled are left out', () => {
  const msgs = packUpdates(sample(), { fourOctetAs: true }, { maxMessageLength: 4096, families: { ipv4: true, ipv6: false } });
  const back = unpack(msgs, { fourOctetAs: true }, 4096);
  assert.ok([...back.announce.keys(), ...back.withdraw].every((k) => typeof k === 'number'));
});

test('round trip of a real Adj-RIB-Out: the jinx slice exported to one peer', async () => {
  const feeds = await loadJinx();
  const e = new RoutingEngine(engineOptions());
  for (const f of feeds) e.addPeer(f.peer);
  for (const f of feeds) for (const u of f.updates) e.applyUpdate(f.peer.id, u);
  const out = e.adjRibOut(feeds[0].peer.id);
  const fromIt = [...e.locRib()].filter((r) => r.peerId === feeds[0].peer.id).length;
  assert.is(out.announce.size + fromIt, 9072, 'every best path but its own goes to the peer');
  const msgs = roundTrip(out, { fourOctetAs: true }, 4096);
  assert.ok(msgs.length < out.announce.size / 2, `${msgs.length} UPDATEs for ${out.announce.size} prefixes`);
});

test('a full table under two equal attribute objects packs without overflowing the stack (no push(...huge))', () => {
  // Replicas hand attribute sets back as distinct but byte-identical objects: their groups merge.
  const a1 = attrs({ path: [65001, 3356] });
  const a2 = attrs({ path: [65001, 3356] });
  const announce = new Map<PrefixKey, PathAttributes>();
  for (let i = 0; i < 400_000; i++) announce.set((((10 << 24) + (i << 8)) >>> 0) * 64 + 24, i % 2 === 0 ? a1 : a2);
  const msgs = packUpdates({ announce, withdraw: new Set() }, { fourOctetAs: true }, { maxMessageLength: 4096, families: { ipv4: true, ipv6: false } });
  const back = unpack(msgs, { fourOctetAs: true }, 4096);
  assert.is(back.announce.size, 400_000);
});

test.run();
