/**
 * Differential test, variant A (RoutingEngine) vs variant B (IncrementalEngine), over REAL MRT data
 * (issue 4, `impl`): the RouteViews jinx slice (35 peers × 9,072 IPv4 prefixes) plus the head of the
 * 2015 IPv6 slice, fed into both engines with fast-check-generated peer kinds (eBGP, iBGP, RR client,
 * route-server client; ADD-PATH on some iBGP peers), random import/export policies (LOCAL_PREF sets,
 * MED sets, prepends, community matches and adds, AS-path matches, prefix-list rejects), injected
 * LOCAL_PREF/ORIGINATOR_ID/CLUSTER_LIST (loops included), random next-hop reachability and IGP costs,
 * our AS sometimes a real one from the data (AS-path loops), and random sequences of withdrawals,
 * re-announcements, RFC 7606 treat-as-withdraw, MED flaps, peer down/up and policy changes.
 *
 * After EVERY call: identical delta (same Loc-RIB changes, same per-peer announce/withdraw sets).
 * After EVERY step: identical Loc-RIB, Adj-RIB-Out of every peer, counts, peer ids, and candidates of the
 * changed prefixes. At the end: B's deltas add up to B's Adj-RIB-Outs; then every peer is removed (each
 * removal's delta compared) and both Loc-RIBs end empty.
 *
 * Harness shared by differential.spec.ts (fixed seed, the whole slice) and differential-random.spec.ts
 * (random seeds on random peer subsets). Not a spec file itself.
 */
import { seededRandom } from '../../../lib/replica/knobs.js';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RoutingEngine } from '../../../lib/rib/engine.js';
import { IncrementalEngine } from '../../../lib/decision/variant-b/index.js';
import type { DecisionEngine } from '../../../lib/rib/decision-engine.js';
import type { EngineDelta, EngineOptions, EnginePeer, LocBest, Route } from '../../../lib/rib/types.js';
import type { Policy, PolicyActions, PolicyMatch, PolicyTerm } from '../../../lib/policy/types.js';
import { readMrt, ribToUpdates } from '../../../lib/mrt/index.js';
import { decodeUpdate } from '../../../lib/wire/update.js';
import { formatPrefix, type PrefixKey } from '../../../lib/wire/prefix.js';
import type { PathAttributes, UpdateMessage } from '../../../lib/wire/types.js';
import { dataPath } from '../../helpers/corpus.js';
import { JINX_SLICE } from '../../rib/jinx.js';

export const V6_SLICE = 'mrt/rib/rib6.20151101.0600_firstMB.complete-records.gz';
export { JINX_SLICE };
/** Head of the IPv6 slice only (reading all of it takes ~4 s). */
export const V6_RECORDS = 6_000;
const ROUTER_ID = '10.255.0.1';

export interface Feed {
  readonly index: number;
  readonly address: string;
  readonly asn: number;
  readonly routerId: string;
  readonly v6: boolean;
  readonly updates: UpdateMessage[];
}

export async function loadFeeds(file: string, limit: number, v6: boolean, base: number): Promise<Feed[]> {
  const feeds = new Map<number, Feed>();
  let n = 0;
  for await (const u of ribToUpdates(readMrt(dataPath(file)))) {
    if (n++ >= limit) break;
    let f = feeds.get(u.peerIndex);
    if (f === undefined) feeds.set(u.peerIndex, (f = { index: base + u.peerIndex, address: u.peer!.ip, asn: u.peer!.asn, routerId: u.peer!.bgpId, v6, updates: [] }));
    f.updates.push(decodeUpdate(u.message.subarray(19), { fourOctetAs: true, ebgp: true }));
  }
  return [...feeds.values()].sort((a, b) => a.index - b.index);
}

// ── pools drawn from the data (policies match real prefixes, communities and ASes) ──────────────────

export interface Pools {
  prefixes: string[];
  covering: string[];
  communities: string[];
  asns: number[];
}

export function pools(feeds: Feed[]): Pools {
  const prefixes = new Set<string>();
  const comm = new Map<number, number>();
  const asn = new Map<number, number>();
  for (const f of feeds) {
    for (let i = 0; i < f.updates.length; i += 7) {
      const u = f.updates[i];
      for (const k of [...u.nlri, ...(u.mpReach?.nlri ?? [])]) prefixes.add(formatPrefix(k));
      const a = u.attributes;
      for (const c of a?.communities ?? []) comm.set(c, (comm.get(c) ?? 0) + 1);
      for (const s of a?.asPath ?? []) for (const x of s.asns) asn.set(x, (asn.get(x) ?? 0) + 1);
    }
  }
  const top = <K>(m: Map<K, number>, n: number): K[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k]) => k);
  const pfx = [...prefixes].filter((_, i) => i % 37 === 0).slice(0, 200);
  const covering = [...new Set(pfx.filter((p) => !p.includes(':')).map((p) => `${p.split('.')[0]}.0.0.0/8`))].slice(0, 40);
  return { prefixes: pfx, covering, communities: top(comm, 12).map((c) => `${c >>> 16}:${c & 0xffff}`), asns: top(asn, 16) };
}

// ── scenario ────────────────────────────────────────────────────────────────────────────────────────

type Kind = 'ebgp' | 'ibgp' | 'rr-client' | 'rs-client';

interface PeerPlan {
  kind: Kind;
  addPath: boolean;
  nextHopSelf: boolean;
  otherLocalAs: boolean;
  inject: number;
  importPolicy: Policy;
  exportPolicy: Policy;
}

type Op =
  | { t: 'withdraw' | 'taw' | 'flap'; peer: number; m: number; off: number; med: number }
  | { t: 'replay' | 'down' | 'up'; peer: number }
  | { t: 'policy'; peer: number; importPolicy: Policy; exportPolicy: Policy };

interface Scenario {
  seed: number;
  /** Nothing may be rejected on import (withoutRejections): no injected ORIGINATOR_ID/CLUSTER_LIST loops, and every path must end up a candidate. */
  noRejections?: boolean;
  ourAs: number;
  clusterId: string | undefined;
  alwaysCompareMed: boolean;
  unreachableMod: number;
  igpSalt: number;
  v4Take: number;
  v6Take: number;
  peers: PeerPlan[];
  extra: PeerPlan[];
  feedSteps: number;
  ops: Op[];
}

export function arbitraries(p: Pools, peerCount: number, full: boolean): fc.Arbitrary<Scenario> {
  const arbMatch: fc.Arbitrary<PolicyMatch> = fc.oneof(
    fc.record({ prefixes: fc.array(fc.record({ prefix: fc.constantFrom(...p.prefixes) }), { minLength: 1, maxLength: 4 }) }),
    fc.record({ prefixes: fc.array(fc.record({ prefix: fc.constantFrom(...p.covering), le: fc.constantFrom(16, 24, 32) }), { minLength: 1, maxLength: 3 }) }),
    fc.record({ communities: fc.array(fc.constantFrom(...p.communities), { minLength: 1, maxLength: 2 }) }),
    fc.record({ asPathContains: fc.array(fc.constantFrom(...p.asns), { minLength: 1, maxLength: 2 }) }),
    fc.record({ asPathRegex: fc.constantFrom(...p.asns.slice(0, 6).map((a) => `^${a} `), ...p.asns.slice(0, 6).map((a) => ` ${a}$`)) }),
  );
  const arbSet: fc.Arbitrary<PolicyActions> = fc.record(
    {
      localPref: fc.constantFrom(50, 100, 150, 200),
      med: fc.constantFrom(0, 10, 100),
      prepend: fc.integer({ min: 1, max: 2 }),
      addCommunities: fc.constantFrom(['no-export'], ['65535:666'], ['64512:7'], ['no-advertise']),
      removeCommunities: fc.constantFrom(...p.communities.slice(0, 4).map((c) => [c])),
      nextHopSelf: fc.boolean(),
    },
    { requiredKeys: [] },
  );
  const arbTerm: fc.Arbitrary<PolicyTerm> = fc.record({ match: arbMatch, action: fc.constantFrom('accept', 'accept', 'reject') as fc.Arbitrary<'accept' | 'reject'>, set: arbSet });
  const arbPolicy: fc.Arbitrary<Policy> = fc.record({ terms: fc.array(arbTerm, { maxLength: 3 }), default: fc.constantFrom('accept', 'accept', 'accept', 'reject') as fc.Arbitrary<'accept' | 'reject'> });
  const arbPlan: fc.Arbitrary<PeerPlan> = fc.record({
    kind: fc.constantFrom('ebgp', 'ebgp', 'ibgp', 'rr-client', 'rs-client') as fc.Arbitrary<Kind>,
    addPath: fc.boolean(),
    nextHopSelf: fc.boolean(),
    otherLocalAs: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
    inject: fc.nat(1000),
    importPolicy: arbPolicy,
    exportPolicy: arbPolicy,
  });
  const peer = fc.nat(peerCount + 3);
  const sel = { peer, m: fc.integer({ min: 2, max: 12 }), off: fc.nat(11), med: fc.constantFrom(0, 5, 50, 500) };
  const arbOp: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ t: fc.constantFrom('withdraw', 'taw', 'flap') as fc.Arbitrary<'withdraw' | 'taw' | 'flap'>, ...sel }),
    fc.record({ t: fc.constantFrom('replay', 'down', 'up') as fc.Arbitrary<'replay' | 'down' | 'up'>, peer }),
    fc.record({ t: fc.constant('policy' as const), peer, importPolicy: arbPolicy, exportPolicy: arbPolicy }),
  );
  return fc.record({
    seed: fc.integer(),
    ourAs: fc.constantFrom(64512, 64512, 64512, ...p.asns.slice(0, 4)),
    clusterId: fc.constantFrom(undefined, '1.1.1.1'),
    alwaysCompareMed: fc.boolean(),
    unreachableMod: fc.constantFrom(0, 0, 5, 9),
    igpSalt: fc.nat(100),
    v4Take: full ? fc.constant(999) : fc.integer({ min: 4, max: 10 }),
    v6Take: full ? fc.constant(999) : fc.integer({ min: 2, max: 6 }),
    peers: fc.array(arbPlan, { minLength: peerCount, maxLength: peerCount }),
    extra: fc.array(arbPlan, { minLength: 4, maxLength: 4 }),
    feedSteps: full ? fc.constant(3) : fc.integer({ min: 3, max: 6 }),
    ops: full ? fc.array(arbOp, { minLength: 7, maxLength: 7 }) : fc.array(arbOp, { minLength: 6, maxLength: 10 }),
  });
}

/** The import policy with every term accepting (its `set` actions kept) and an accepting default. */
function accepting(p: Policy): Policy {
  return { terms: p.terms.map((t) => ({ ...t, action: 'accept' as const })), default: 'accept' };
}

/**
 * The scenario with nothing rejected on import: accepting import policies, a private AS that no real path
 * carries (no AS-path loops), no injected ORIGINATOR_ID/CLUSTER_LIST loops. Random policies almost always
 * reject something, and an engine may take other paths when a table holds no rejected path (B's removePeer
 * does): runScenario checks that every path was accepted, so these paths are really exercised.
 */
export function withoutRejections(sc: Scenario): Scenario {
  const plan = (p: PeerPlan): PeerPlan => ({ ...p, importPolicy: accepting(p.importPolicy) });
  return {
    ...sc, ourAs: 64512, noRejections: true, peers: sc.peers.map(plan), extra: sc.extra.map(plan),
    ops: sc.ops.map((o) => (o.t === 'policy' ? { ...o, importPolicy: accepting(o.importPolicy) } : o)),
  };
}

// ── building peers and their update streams ─────────────────────────────────────────────────────────

function hash(s: string, salt: number): number {
  let h = 2166136261 ^ salt;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

interface LivePeer {
  readonly peer: EnginePeer;
  readonly updates: UpdateMessage[];
  readonly prefixes: PrefixKey[];
}

function buildPeer(id: number, f: Feed | null, plan: PeerPlan, sc: Scenario, clusterId: string): LivePeer {
  const ibgp = plan.kind === 'ibgp' || plan.kind === 'rr-client';
  const addPath = ibgp && plan.addPath;
  const address = f?.address ?? (plan.inject % 2 === 0 ? `10.200.0.${id % 250}` : `2001:db8:ff::${id.toString(16)}`);
  const peer: EnginePeer = {
    id, name: `p${id}`, address, asn: ibgp ? sc.ourAs : f?.asn ?? 65100 + id, localAs: plan.otherLocalAs && !ibgp ? 64999 : sc.ourAs,
    routerId: f?.routerId ?? `10.200.1.${id % 250}`, ebgp: !ibgp, routeReflectorClient: plan.kind === 'rr-client', routeServerClient: plan.kind === 'rs-client',
    families: f === null ? { ipv4: plan.inject % 3 !== 0, ipv6: plan.inject % 3 !== 1 } : f.v6 ? { ipv4: plan.inject % 4 === 0, ipv6: true } : { ipv4: true, ipv6: plan.inject % 4 === 0 },
    codec: { fourOctetAs: true, ebgp: !ibgp, addPathIpv4: addPath, addPathIpv6: addPath }, nextHopSelf: plan.nextHopSelf,
    localAddress: plan.inject % 7 === 3 ? { ipv4: '192.0.2.254' } : { ipv4: '192.0.2.254', ipv6: '2001:db8::fe' },
    importPolicy: plan.importPolicy, exportPolicy: plan.exportPolicy,
  };
  if (f === null) return { peer, updates: [], prefixes: [] };
  // Inject attributes real eBGP dumps do not carry (memoised per attribute object: interning preserved).
  const memo = new Map<PathAttributes, PathAttributes>();
  let serial = 0;
  const inject = (a: PathAttributes): PathAttributes => {
    let out = memo.get(a);
    if (out === undefined) {
      const h = hash(`${serial++}`, plan.inject);
      const c: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = { ...a };
      if (h % 5 === 0) c.localPref = [80, 100, 120, 500][(h >>> 3) % 4]; // eBGP: must be ignored (RFC 4271 §5.1.5)
      if (ibgp && !sc.noRejections && h % 13 === 1) c.originatorId = h % 3 === 0 ? ROUTER_ID : `10.9.${(h >>> 8) % 4}.1`;
      if (ibgp && !sc.noRejections && h % 17 === 2) c.clusterList = h % 2 === 0 ? [clusterId] : ['1.2.3.4', '5.6.7.8'];
      out = Object.freeze(c);
      memo.set(a, out);
    }
    return out;
  };
  const updates: UpdateMessage[] = [];
  const prefixes: PrefixKey[] = [];
  const bumped = new Map<PathAttributes, PathAttributes>();
  for (const u0 of f.updates) {
    const a = u0.attributes === null ? null : inject(u0.attributes);
    const keys = [...u0.nlri, ...(u0.mpReach?.nlri ?? [])];
    prefixes.push(...keys);
    const ids = (n: number, id: number): number[] | undefined => (addPath && n > 0 ? new Array<number>(n).fill(id) : undefined);
    const u: UpdateMessage = { ...u0, attributes: a, nlriPathIds: ids(u0.nlri.length, 1), mpReach: u0.mpReach && { ...u0.mpReach, pathIds: ids(u0.mpReach.nlri.length, 1) } };
    updates.push(u);
    if (addPath && a !== null && updates.length % 3 === 0) {
      // RFC 7911: a second path for the same prefixes.
      let b = bumped.get(a);
      if (b === undefined) bumped.set(a, (b = Object.freeze({ ...a, med: (a.med ?? 0) + 7 })));
      updates.push({ ...u0, attributes: b, nlriPathIds: ids(u0.nlri.length, 2), mpReach: u0.mpReach && { ...u0.mpReach, pathIds: ids(u0.mpReach.nlri.length, 2) } });
    }
  }
  return { peer, updates, prefixes };
}

// ── comparison ──────────────────────────────────────────────────────────────────────────────────────

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => k !== 'wire' && o[k] !== undefined).sort().map((k) => `${k}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const serMemo = new WeakMap<object, string>();
/** Stable text of an attribute set (failure messages, flap keys). */
function ser(a: PathAttributes): string {
  let s = serMemo.get(a);
  if (s === undefined) serMemo.set(a, (s = stableJson(a)));
  return s;
}

function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const ox = x as Record<string, unknown>;
  const oy = y as Record<string, unknown>;
  let nx = 0;
  for (const k in ox) {
    if (k === 'wire' || ox[k] === undefined) continue;
    nx++;
    if (!deepEqual(ox[k], oy[k])) return false;
  }
  let ny = 0;
  for (const k in oy) if (k !== 'wire' && oy[k] !== undefined) ny++;
  return nx === ny;
}

/** Attribute sets of A and B are interned per engine: remember each verified (A object, B object) pair. */
const samePair = new WeakMap<object, object>();
function same(a: PathAttributes, b: PathAttributes): boolean {
  if (a === b || samePair.get(a) === b) return true;
  if (!deepEqual(a, b)) return false;
  samePair.set(a, b);
  return true;
}

function sameRoute(a: Route | null | undefined, b: Route | null): boolean {
  if (a === undefined) return false;
  if (a === null || b === null) return a === b;
  return a.peerId === b.peerId && a.pathId === b.pathId && a.nextHop === b.nextHop && a.nextHopLinkLocal === b.nextHopLinkLocal && same(a.attributes, b.attributes);
}

function sig(r: Route | null | undefined): string {
  return r == null ? String(r) : `${r.peerId}#${r.pathId} ${r.nextHop} ${r.nextHopLinkLocal ?? ''} ${ser(r.attributes)}`;
}

function fail(msg: string): never {
  assert.unreachable(msg);
  throw new Error(msg);
}

export const stats = { calls: 0, steps: 0, runs: 0, prefixes: 0 };

function compareDelta(a: EngineDelta, b: EngineDelta, where: string, A: DecisionEngine, B: DecisionEngine): void {
  stats.calls++;
  if (a.locRib.length !== b.locRib.length) {
    const ka = new Set(a.locRib.map((x) => x.prefix));
    const kb = new Set(b.locRib.map((x) => x.prefix));
    const onlyA = [...ka].filter((k) => !kb.has(k)).slice(0, 3).map(formatPrefix);
    const onlyB = [...kb].filter((k) => !ka.has(k)).slice(0, 3).map(formatPrefix);
    fail(`${where}: Loc-RIB delta sizes A ${a.locRib.length} B ${b.locRib.length}; only A ${onlyA}; only B ${onlyB}`);
  }
  const m = new Map<PrefixKey, Route | null>();
  for (const x of a.locRib) m.set(x.prefix, x.best);
  for (const x of b.locRib) {
    if (!sameRoute(m.get(x.prefix), x.best)) fail(`${where}: Loc-RIB delta ${formatPrefix(x.prefix)}: A ${sig(m.get(x.prefix))} | B ${sig(x.best)}`);
  }
  // What a replica reads (forEachLocChange: the engine's own stored paths) must be what locRib says.
  for (const [name, d] of [['A', a], ['B', b]] as const) {
    if (d.forEachLocChange === undefined) continue;
    const seen = new Map<PrefixKey, LocBest | null>();
    d.forEachLocChange((p, best, candidates) => {
      seen.set(p, best);
      // The count the replica's rescan relies on: the engine's candidates right after this call.
      if (candidates !== undefined && candidates >= 0 && candidates !== (name === 'A' ? A : B).candidates(p).length) fail(`${where}: ${name} forEachLocChange ${formatPrefix(p)} says ${candidates} candidates, the engine has ${(name === 'A' ? A : B).candidates(p).length}`);
    });
    if (seen.size !== d.locRib.length) fail(`${where}: ${name} forEachLocChange gave ${seen.size} changes, locRib ${d.locRib.length}`);
    for (const x of d.locRib) {
      const y = seen.get(x.prefix);
      const same = y === null || x.best === null ? y === x.best : y !== undefined && y.peerId === x.best.peerId && y.pathId === x.best.pathId && y.attributes === x.best.attributes && y.nextHop === x.best.nextHop && y.nextHopLinkLocal === x.best.nextHopLinkLocal;
      if (!same) fail(`${where}: ${name} forEachLocChange ${formatPrefix(x.prefix)} differs from locRib`);
    }
  }
  const pa = [...a.out.keys()].sort((x, y) => x - y).join();
  const pb = [...b.out.keys()].sort((x, y) => x - y).join();
  if (pa !== pb) fail(`${where}: delta peers A [${pa}] B [${pb}]`);
  for (const [id, oa] of a.out) {
    const ob = b.out.get(id)!;
    if (oa.withdraw.size !== ob.withdraw.size) fail(`${where}: peer ${id} withdraw sizes A ${oa.withdraw.size} B ${ob.withdraw.size}`);
    for (const k of oa.withdraw) if (!ob.withdraw.has(k)) fail(`${where}: peer ${id} withdraw ${formatPrefix(k)} only in A`);
    if (oa.announce.size !== ob.announce.size) fail(`${where}: peer ${id} announce sizes A ${oa.announce.size} B ${ob.announce.size}`);
    for (const [k, x] of oa.announce) {
      const y = ob.announce.get(k);
      if (y === undefined || !same(x, y)) fail(`${where}: peer ${id} announce ${formatPrefix(k)}: A ${ser(x)} | B ${y && ser(y)}`);
    }
  }
}

function compareState(A: DecisionEngine, B: DecisionEngine, changed: Set<PrefixKey>, where: string): void {
  stats.steps++;
  assert.equal(B.peerIds(), A.peerIds(), `${where}: peer ids`);
  assert.equal(B.counts(), A.counts(), `${where}: counts`);
  const loc = new Map<PrefixKey, Route>();
  for (const r of A.locRib()) loc.set(r.prefix, r);
  let n = 0;
  for (const r of B.locRib()) {
    n++;
    if (!sameRoute(loc.get(r.prefix), r)) fail(`${where}: Loc-RIB ${formatPrefix(r.prefix)}: A ${sig(loc.get(r.prefix))} | B ${sig(r)}`);
  }
  if (n !== loc.size) fail(`${where}: Loc-RIB sizes A ${loc.size} B ${n}`);
  stats.prefixes += n;
  for (const id of A.peerIds()) {
    const oa = A.adjRibOut(id).announce;
    const ob = B.adjRibOut(id).announce;
    if (oa.size !== ob.size) fail(`${where}: Adj-RIB-Out of ${id}: sizes A ${oa.size} B ${ob.size}`);
    for (const [k, x] of oa) {
      const y = ob.get(k);
      if (y === undefined || !same(x, y)) fail(`${where}: Adj-RIB-Out of ${id} ${formatPrefix(k)}: A ${ser(x)} | B ${y && ser(y)}`);
    }
  }
  let i = 0;
  for (const k of changed) {
    if (i++ > 300) break;
    const order = (x: Route, y: Route): number => x.peerId - y.peerId || x.pathId - y.pathId;
    const ca = A.candidates(k).sort(order);
    const cb = B.candidates(k).sort(order);
    if (ca.length !== cb.length || ca.some((r, j) => !sameRoute(r, cb[j]))) fail(`${where}: candidates of ${formatPrefix(k)} differ:\nA ${ca.map(sig).join('\n')}\nB ${cb.map(sig).join('\n')}`);
  }
}

// ── one run ─────────────────────────────────────────────────────────────────────────────────────────

export function runScenario(sc: Scenario, v4: Feed[], v6: Feed[]): void {
  stats.runs++;
  const rnd = seededRandom(sc.seed);
  const shuffle = <T>(xs: readonly T[]): T[] => xs.map((x) => [rnd(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
  const pick = (xs: Feed[], n: number): Feed[] => shuffle(xs).slice(0, n).sort((a, b) => a.index - b.index);
  const feeds = [...pick(v4, sc.v4Take), ...pick(v6, sc.v6Take)];
  const clusterId = sc.clusterId ?? ROUTER_ID;
  const live: LivePeer[] = [
    ...feeds.map((f, i) => buildPeer(f.index + 1, f, sc.peers[i % sc.peers.length], sc, clusterId)),
    ...sc.extra.map((plan, i) => buildPeer(900 + i, null, plan, sc, clusterId)),
  ];
  const opts: EngineOptions = {
    asn: sc.ourAs, routerId: ROUTER_ID, clusterId: sc.clusterId, alwaysCompareMed: sc.alwaysCompareMed, deterministicMed: true,
    resolveNextHop: (nh) => {
      const h = hash(nh, sc.igpSalt);
      return sc.unreachableMod > 0 && h % sc.unreachableMod === 0 ? undefined : { igpCost: (h >>> 4) % 5 };
    },
  };
  const A = new RoutingEngine(opts);
  const B = new IncrementalEngine(opts);
  const up = new Set<number>();
  const mirror = new Map<number, Map<PrefixKey, PathAttributes>>();
  let changed = new Set<PrefixKey>();
  const apply = (where: string, fa: (e: DecisionEngine) => EngineDelta): void => {
    let da: EngineDelta;
    let db: EngineDelta;
    let ea: unknown = null;
    let eb: unknown = null;
    try {
      da = fa(A);
    } catch (e) {
      ea = e;
    }
    try {
      db = fa(B);
    } catch (e) {
      eb = e;
    }
    if (ea !== null || eb !== null) {
      if (ea === null || eb === null) fail(`${where}: only ${ea === null ? 'B' : 'A'} threw: ${String(ea ?? eb)}`);
      assert.is((eb as { code?: string }).code, (ea as { code?: string }).code, `${where}: same error`);
      return;
    }
    compareDelta(da!, db!, where, A, B);
    for (const x of db!.locRib) changed.add(x.prefix);
    for (const [id, o] of db!.out) {
      const m = mirror.get(id)!;
      for (const k of o.withdraw) m.delete(k);
      for (const [k, a] of o.announce) m.set(k, a);
    }
  };
  const step = (where: string, body: () => void): void => {
    changed = new Set();
    body();
    compareState(A, B, changed, where);
  };
  const addPeer = (lp: LivePeer, where: string): void => {
    if (up.has(lp.peer.id)) return;
    up.add(lp.peer.id);
    mirror.set(lp.peer.id, new Map());
    apply(where, (e) => e.addPeer(lp.peer));
  };
  const removePeer = (lp: LivePeer, where: string): void => {
    if (!up.has(lp.peer.id)) return;
    up.delete(lp.peer.id);
    mirror.delete(lp.peer.id);
    apply(where, (e) => e.removePeer(lp.peer.id));
  };

  // 1. Sessions come up in random order.
  step('add peers', () => {
    for (const lp of shuffle(live)) addPeer(lp, `add ${lp.peer.id}`);
  });
  // 2. Tables arrive interleaved across peers, order kept per peer (as the mux does), in sc.feedSteps steps.
  const cursor = live.map(() => 0);
  const total = live.reduce((n, lp) => n + lp.updates.length, 0);
  const perStep = Math.ceil(total / sc.feedSteps);
  for (let s = 0; s < sc.feedSteps; s++) {
    step(`feed ${s}`, () => {
      for (let k = 0; k < perStep; k++) {
        const open = live.map((_, i) => i).filter((i) => cursor[i] < live[i].updates.length);
        if (open.length === 0) break;
        const i = open[Math.floor(rnd() * open.length)];
        const run = 1 + Math.floor(rnd() * 200);
        for (let r = 0; r < run && cursor[i] < live[i].updates.length; r++, k++) {
          const u = live[i].updates[cursor[i]++];
          apply(`feed ${s} peer ${live[i].peer.id} update ${cursor[i] - 1}`, (e) => e.applyUpdate(live[i].peer.id, u));
        }
      }
    });
  }
  if (sc.noRejections) {
    // withoutRejections: every received path must be a candidate in both engines.
    for (const [name, e] of [['A', A], ['B', B]] as const) {
      for (const [id, c] of e.counts().perPeer) if (c.accepted !== c.received) fail(`${name}: peer ${id} has ${c.received - c.accepted} rejected paths in a scenario without rejections`);
    }
  }
  // 3. Churn.
  const flapped = new Map<PathAttributes, Map<number, PathAttributes>>();
  sc.ops.forEach((op, n) => {
    const lp = live[op.peer % live.length];
    const id = lp.peer.id;
    const where = `op ${n} ${op.t} peer ${id}`;
    step(where, () => {
      switch (op.t) {
        case 'down':
          removePeer(lp, where);
          break;
        case 'up':
        case 'replay':
          addPeer(lp, where);
          for (const u of lp.updates) apply(where, (e) => e.applyUpdate(id, u));
          break;
        case 'policy':
          if (up.has(id)) apply(where, (e) => e.setPolicies(id, op.importPolicy, op.exportPolicy));
          break;
        case 'withdraw': {
          if (!up.has(id)) break;
          const ks = lp.prefixes.filter((_, i) => i % op.m === op.off % op.m);
          const ids = lp.peer.codec.addPathIpv4 ? ks.map((_, i) => 1 + (i % 2)) : undefined;
          const v4 = ks.filter((k) => typeof k === 'number');
          const v6 = ks.filter((k) => typeof k !== 'number');
          const u: UpdateMessage = {
            withdrawn: v4, withdrawnPathIds: ids?.slice(0, v4.length), attributes: null, nlri: [],
            mpUnreach: v6.length > 0 ? { afi: 2, safi: 1, withdrawn: v6, pathIds: ids?.slice(0, v6.length) } : undefined, treatment: 'none', issues: [],
          };
          apply(where, (e) => e.applyUpdate(id, u));
          break;
        }
        case 'taw':
        case 'flap': {
          if (!up.has(id)) break;
          lp.updates.forEach((u, i) => {
            if (i % op.m !== op.off % op.m || u.attributes === null) return;
            if (op.t === 'taw') {
              apply(where, (e) => e.applyUpdate(id, { ...u, treatment: 'treat-as-withdraw' })); // RFC 7606 §2
              return;
            }
            const a0 = u.attributes;
            let byMed = flapped.get(a0);
            if (byMed === undefined) flapped.set(a0, (byMed = new Map()));
            let a = byMed.get(op.med);
            if (a === undefined) byMed.set(op.med, (a = Object.freeze({ ...a0, med: op.med, ...(lp.peer.ebgp ? {} : { localPref: 100 + op.med }) })));
            apply(where, (e) => e.applyUpdate(id, { ...u, attributes: a }));
          });
          break;
        }
      }
    });
  });
  // 4. B's deltas add up to B's Adj-RIB-Outs (A has its own such test in spec/rib/order-independence).
  for (const [id, m] of mirror) {
    const want = B.adjRibOut(id).announce;
    assert.is(m.size, want.size, `peer ${id}: B's deltas add up to its Adj-RIB-Out`);
    for (const [k, a] of want) if (m.get(k) !== a) fail(`peer ${id} ${formatPrefix(k)}: B's delta mirror differs`);
  }
  // 5. Every session goes down, in random order (each removal's delta compared): the last removals take
  // prefixes that only one peer still holds (single-candidate positions); both engines must end empty.
  step('teardown', () => {
    for (const lp of shuffle(live.filter((x) => up.has(x.peer.id)))) removePeer(lp, `teardown peer ${lp.peer.id}`);
  });
  for (const [name, e] of [['A', A], ['B', B]] as const) {
    const left = [...e.locRib()].length;
    if (left !== 0) fail(`${name}: ${left} Loc-RIB entries left after every peer was removed`);
  }
}

/** The data: the whole IPv4 jinx slice and the head of the IPv6 slice, with policy pools drawn from both. */
export async function loadData(): Promise<{ v4: Feed[]; v6: Feed[]; pool: Pools }> {
  const v4 = await loadFeeds(JINX_SLICE, Infinity, false, 0);
  const v6 = await loadFeeds(V6_SLICE, V6_RECORDS, true, 100);
  return { v4, v6, pool: pools([...v4, ...v6]) };
}

/** Generate scenarios with fast-check (seeded) and run each; a failure names the seed and run. */
export function runSeeded(data: { v4: Feed[]; v6: Feed[]; pool: Pools }, seed: number, runs: number, full: boolean, noRejections = false): void {
  const scenarios = fc.sample(arbitraries(data.pool, data.v4.length + data.v6.length, full), { seed, numRuns: runs });
  scenarios.forEach((sc, i) => {
    try {
      runScenario(noRejections ? withoutRejections(sc) : sc, data.v4, data.v6);
    } catch (e) {
      console.error(`  differential failure: fc seed ${seed}, run ${i} (full=${full}, noRejections=${noRejections})`);
      throw e;
    }
  });
}
