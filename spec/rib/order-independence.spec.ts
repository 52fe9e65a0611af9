/**
 * DESIGN principle 2 as a property: the Loc-RIB and every Adj-RIB-Out are a function of the current
 * Adj-RIB-Ins. The same updates, applied in random interleavings (order kept per (peer, prefix), as the
 * mux does), give identical results; and the deltas returned along the way add up to adjRibOut().
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RoutingEngine } from '../../lib/rib/engine.js';
import type { EngineDelta, EnginePeer } from '../../lib/rib/types.js';
import type { PathAttributes, UpdateMessage } from '../../lib/wire/types.js';
import { formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { OWN_AS, announce, attrs, engineOptions, peer, withdraw } from './fixtures.js';

const test = suite('rib/order-independence');

const PEERS: EnginePeer[] = [
  peer(1, { asn: 65001 }),
  peer(2, { asn: 65002, address: '192.0.2.2' }),
  peer(3, { asn: 65001, address: '192.0.2.3', routerId: '10.0.0.1' }),
  peer(4, { ebgp: false, routeReflectorClient: true, address: '10.1.0.4' }),
  peer(5, { ebgp: false, address: '10.1.0.5' }),
  peer(6, { asn: 65006, routeServerClient: true, address: '192.0.2.6' }),
  peer(7, { ebgp: false, address: '10.1.0.7', codec: { fourOctetAs: true, ebgp: false, addPathIpv4: true } }),
];
const PREFIXES = ['10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '192.168.0.0/16', '2001:db8::/32', '2001:db8:1::/48'];
const NEXT_HOPS = ['192.0.2.1', '192.0.2.2', '10.1.0.9', '10.1.0.10', '10.1.0.11', '192.0.2.99' /* unreachable */];
const IGP_COST: Record<string, number> = { '192.0.2.1': 1, '192.0.2.2': 2, '10.1.0.9': 3, '10.1.0.10': 1, '10.1.0.11': 2 };

const arbAttrs = fc.record({
  first: fc.constantFrom(65001, 65002, 65003),
  tail: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 1 }),
  med: fc.option(fc.constantFrom(0, 5, 10), { nil: undefined, freq: 5 }),
  localPref: fc.option(fc.constantFrom(100), { nil: undefined }),
  origin: fc.constantFrom(0, 0, 0, 0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
  nextHop: fc.constantFrom(...NEXT_HOPS),
  noExport: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  originatorId: fc.option(fc.constantFrom('10.0.0.1', '10.0.0.9'), { nil: undefined }),
});

type AttrSpec = { first: number; tail: number[]; med?: number; localPref?: number; origin: 0 | 1 | 2; nextHop: string; noExport: boolean; originatorId?: string };

function build(a: AttrSpec, ebgp: boolean): PathAttributes {
  return attrs({
    path: ebgp ? [a.first, ...a.tail] : a.tail,
    origin: a.origin,
    nextHop: a.nextHop,
    ...(a.med !== undefined ? { med: a.med } : {}),
    ...(!ebgp && a.localPref !== undefined ? { localPref: a.localPref } : {}),
    ...(a.noExport ? { communities: [0xffffff01] } : {}),
    ...(!ebgp && a.originatorId !== undefined ? { originatorId: a.originatorId } : {}),
  });
}

/** One (peer, prefix, path id) stream: an optional earlier announcement, then the final state (or a withdrawal). */
const arbState = fc.record({
  before: fc.option(arbAttrs, { nil: undefined }),
  final: fc.option(arbAttrs, { nil: undefined, freq: 4 }),
});
/** Every peer × the first KEY_PREFIXES prefixes (dense: many candidates per prefix), plus a few sparse ones. */
const KEY_PREFIXES = 3;
const arbStreams = fc
  .tuple(fc.array(arbState, { minLength: PEERS.length * KEY_PREFIXES, maxLength: PEERS.length * KEY_PREFIXES }), fc.array(fc.record({ peer: fc.nat(PEERS.length - 1), prefix: fc.nat(PREFIXES.length - 1), state: arbState }), { maxLength: 8 }))
  .map(([dense, sparse]) => [
    ...dense.map((state, i) => ({ peer: i % PEERS.length, prefix: Math.floor(i / PEERS.length), pathId: 1, ...state })),
    ...dense.slice(0, KEY_PREFIXES).map((state, i) => ({ peer: PEERS.length - 1, prefix: i, pathId: 2, ...state })), // second ADD-PATH path
    ...sparse.map((x) => ({ peer: x.peer, prefix: x.prefix, pathId: 1, ...x.state })),
  ]);

type Step = { kind: 'add'; peer: number } | { kind: 'update'; peer: number; u: UpdateMessage };

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).filter((k) => k !== 'wire' && (v as Record<string, unknown>)[k] !== undefined).sort().map((k) => `${k}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function snapshot(e: RoutingEngine): string {
  const loc = [...e.locRib()].map((r) => `${formatPrefix(r.prefix)} ${r.peerId}#${r.pathId} ${r.nextHop} ${stableJson(r.attributes)}`).sort();
  const outs = PEERS.map((p) => [...e.adjRibOut(p.id).announce].map(([k, a]) => `${p.id} ${formatPrefix(k)} ${stableJson(a)}`).sort());
  return [loc, ...outs].flat().join('\n');
}

function run(steps: Step[]): string {
  const e = new RoutingEngine(engineOptions({ resolveNextHop: (nh) => (IGP_COST[nh] === undefined ? undefined : { igpCost: IGP_COST[nh] }) }));
  const mirror = new Map<number, Map<PrefixKey, PathAttributes>>();
  const applyDelta = (d: EngineDelta): void => {
    for (const [id, o] of d.out) {
      const m = mirror.get(id)!;
      for (const k of o.withdraw) m.delete(k);
      for (const [k, a] of o.announce) m.set(k, a);
    }
  };
  for (const s of steps) {
    if (s.kind === 'add') {
      mirror.set(PEERS[s.peer].id, new Map());
      applyDelta(e.addPeer(PEERS[s.peer]));
    } else applyDelta(e.applyUpdate(PEERS[s.peer].id, s.u));
  }
  for (const p of PEERS) {
    const want = e.adjRibOut(p.id).announce;
    const got = mirror.get(p.id)!;
    assert.is(got.size, want.size, `peer ${p.id}: deltas add up to the Adj-RIB-Out`);
    for (const [k, a] of want) assert.is(stableJson(got.get(k)), stableJson(a));
  }
  return snapshot(e);
}

test('property: the same updates in any interleaving give identical Loc-RIB and Adj-RIB-Outs', () => {
  fc.assert(
    fc.property(arbStreams, fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), (streams, seeds) => {
      // Deduplicate (peer, prefix, path id): one stream each.
      const seen = new Set<string>();
      const uniq = streams.filter((s) => {
        const pid = PEERS[s.peer].codec.addPathIpv4 && !PREFIXES[s.prefix].includes(':') ? s.pathId : 0;
        const k = `${s.peer} ${s.prefix} ${pid}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      const perKey: Step[][] = uniq.map((s) => {
        const p = PEERS[s.peer];
        const ids = p.codec.addPathIpv4 && !PREFIXES[s.prefix].includes(':') ? [s.pathId] : undefined;
        const out: Step[] = [];
        if (s.before) out.push({ kind: 'update', peer: s.peer, u: announce([PREFIXES[s.prefix]], build(s.before, p.ebgp), ids) });
        if (s.final) out.push({ kind: 'update', peer: s.peer, u: announce([PREFIXES[s.prefix]], build(s.final, p.ebgp), ids) });
        else out.push({ kind: 'update', peer: s.peer, u: withdraw([PREFIXES[s.prefix]], ids) });
        return out;
      });
      const results = seeds.map((seed) => {
        // Random interleaving: peers come up in random order, a peer's updates only after it is up.
        let x = seed || 1;
        const rnd = (n: number): number => {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          return x % n;
        };
        const queues = perKey.map((q) => q.slice());
        const up = new Set<number>();
        const steps: Step[] = [];
        const pendingPeers = PEERS.map((_, i) => i);
        while (queues.some((q) => q.length > 0) || pendingPeers.length > 0) {
          const ready = queues.filter((q) => q.length > 0 && up.has(q[0].peer));
          if (pendingPeers.length > 0 && (ready.length === 0 || rnd(3) === 0)) {
            const i = pendingPeers.splice(rnd(pendingPeers.length), 1)[0];
            up.add(i);
            steps.push({ kind: 'add', peer: i });
            continue;
          }
          steps.push(ready[rnd(ready.length)].shift()!);
        }
        return run(steps);
      });
      assert.is(results[1], results[0]);
      for (const r of results) assert.is(r, results[0]);
    }),
    { numRuns: 150 },
  );
});

test('a sanity run: the snapshot is not trivially empty', () => {
  const steps: Step[] = PEERS.map((_, i) => ({ kind: 'add', peer: i }) as Step);
  steps.push({ kind: 'update', peer: 0, u: announce(['10.0.0.0/8'], attrs({ path: [65001] })) });
  assert.match(run(steps), /10\.0\.0\.0\/8 1#0/);
  assert.ok(OWN_AS > 0);
});

test.run();
