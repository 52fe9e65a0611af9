/**
 * Interop 4 (issue 3): best-path selection against BIRD. Three injectors announce the same prefixes, with
 * different LOCAL_PREF / AS_PATH / ORIGIN / MED, to btrd and to BIRD — two separate routers of one private AS,
 * not peered with each other, configured for the same RFC 4271 §9.1 decision — over identical iBGP
 * sessions with identical UPDATE streams. For EVERY prefix the injector BIRD marks best (`*`) must be the
 * injector btrd's Loc-RIB chose, and both must hold the same candidates. Nothing is hard-coded: BIRD is
 * the oracle.
 *
 * Input (real data, varied deterministically):
 * - three RouteViews peers of the 2014-05-23 RIB slice: the two peers of AS 3549 (so two injectors share
 *   the neighbouring AS and their real MEDs are compared, RFC 4271 §9.1.2.2 (c)) and the peer of AS 2914
 *   (another neighbour AS: MED must be ignored against it). AS paths, next hops, communities are real.
 * - per prefix, from an FNV-1a hash of the prefix text (and of prefix + injector for the value):
 *   a third of the prefixes get LOCAL_PREF 90/100/110 per injector, the others 100 (or, for a quarter of
 *   those, no LOCAL_PREF: the RFC 4271 §5.1.5 / BIRD `default bgp_local_pref` 100); a fifth get a varied
 *   ORIGIN; a fifth get a varied MED (absent, 10, 20, 30 — absent is 0 for both, RFC 4271 §9.1.2.2 (c),
 *   BIRD `default bgp_med 0`).
 * - router ids are ordered A < C < B, so where MED removes A (same AS as B) the final BGP Identifier step
 *   prefers C over B, while without MED A would beat both: the order-dependent cycle that deterministic
 *   MED resolves (btrd is always deterministic; BIRD gets `deterministic med yes`).
 *
 * Documented points where the two could differ, and how they are configured alike:
 * - IGP cost (RFC 4271 §9.1.2.2 (e)): btrd's `resolve-all-next-hops` makes every next hop reachable with
 *   cost 0; BIRD resolves every next hop recursively (`gateway recursive`, `igp table igp4`) through the one
 *   default route on lo (spec/helpers/bird.ts), so all IGP metrics are equal and `igp metric` (on, BIRD's
 *   default) never separates routes either.
 * - MED across neighbour ASes: BIRD `med metric no` (its default) = btrd `always-compare-med: false`.
 * - BIRD's `prefer older` (RFC 5004) is off (its default); it applies to eBGP routes only anyway.
 * - Neighbour AS of an empty AS_PATH: BIRD uses its local AS, btrd 0 — both put all such routes in one
 *   group, and the injected paths are never empty (checked below).
 * - BGP Identifier: both use ORIGINATOR_ID when present (RFC 4456 §9); the RouteViews data carries none.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Bird, type BirdPeer, type BirdRoute } from '../helpers/bird.js';
import { waitFor } from '../helpers/processes.js';
import { dataPath } from '../helpers/corpus.js';
import { Injector } from '../../lib/inject/injector.js';
import { readMrt } from '../../lib/mrt/reader.js';
import { ribToUpdates } from '../../lib/mrt/to-updates.js';
import type { MrtPeer } from '../../lib/mrt/types.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { formatAsPath } from '../../lib/wire/attributes.js';
import type { PathAttributes } from '../../lib/wire/types.js';
import { addressKey, type RibRoute } from '../../lib/rib/route.js';
import { selectBestPath, TIE_BREAKS, type Candidate, type DecidedBy } from '../../lib/decision/index.js';
import { neighbourAs } from '../../lib/policy/as-path.js';
import { startBtrd, type RunningBtrd } from './setup.js';

const bestpath = suite('interop/bestpath');

const RIB = 'mrt/rib/rib.20140523.0600_firstMB.complete-records.gz';
const ASN = 4200000060; // private 4-octet AS (RFC 6996): 65000 occurs in the real paths (e.g. 5.45.191.0/24)
const BTRD = { addr: '127.0.0.60', port: 17960, routerId: '10.0.0.60' };
const BIRD = { addr: '127.0.0.61', port: 17961, routerId: '10.0.0.61' };

interface InjectorSpec {
  readonly name: string;
  readonly addr: string;
  readonly routerId: string;
  /** The RouteViews peer replayed: the `nth` (by peer index) peer of AS `sourceAs` in the RIB. */
  readonly sourceAs: number;
  readonly nth: number;
}

// Router ids A < C < B (see the header).
const INJECTORS: readonly InjectorSpec[] = [
  { name: 'inja', addr: '127.0.0.62', routerId: '10.0.0.1', sourceAs: 3549, nth: 0 },
  { name: 'injb', addr: '127.0.0.63', routerId: '10.0.0.3', sourceAs: 3549, nth: 1 },
  { name: 'injc', addr: '127.0.0.64', routerId: '10.0.0.2', sourceAs: 2914, nth: 0 },
];

const INJECTION_ORDER = ['injc', 'inja', 'injb'];

interface Feed {
  readonly spec: InjectorSpec;
  readonly peer: MrtPeer;
  /** The varied attributes per prefix (what both routers are sent). */
  readonly routes: Map<PrefixKey, PathAttributes>;
  readonly messages: Uint8Array[];
}

let feeds: Feed[] = [];
let btrd: RunningBtrd;
let bird: Bird;
const sessions: Injector[] = [];

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The deterministic variation of one route (AS path, next hop, communities stay real). */
function vary(prefix: string, injector: number, a: PathAttributes): PathAttributes {
  const h = fnv1a(prefix);
  const hi = fnv1a(`${prefix}#${injector}`);
  const out: Mutable<PathAttributes> = { ...a };
  delete out.wire; // canonical order and flags for what we build
  delete out.asPathEffective;
  delete out.aggregatorEffective;
  if (h % 3 === 0) out.localPref = [90, 100, 110][hi % 3];
  else if ((hi >>> 2) % 4 === 0) delete out.localPref;
  else out.localPref = 100;
  if ((h >>> 4) % 5 === 0) out.origin = ((hi >>> 6) % 3) as 0 | 1 | 2;
  if ((h >>> 8) % 5 === 0) {
    const m = (hi >>> 10) % 4;
    if (m === 0) delete out.med;
    else out.med = m * 10;
  }
  return out;
}

/** One UPDATE per (attribute set, ≤ 4096-octet chunk of prefixes). */
function encodeFeed(routes: Map<PrefixKey, PathAttributes>): Uint8Array[] {
  const groups = new Map<string, { attrs: PathAttributes; prefixes: PrefixKey[] }>();
  for (const [p, a] of routes) {
    const key = JSON.stringify(a);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { attrs: a, prefixes: [] }));
    g.prefixes.push(p);
  }
  const out: Uint8Array[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.prefixes.length; ) {
      let n = Math.min(500, g.prefixes.length - i);
      let m = encodeUpdate({ attributes: g.attrs, nlri: g.prefixes.slice(i, i + n) }, { fourOctetAs: true });
      while (m.length > 4096) {
        n = Math.ceil(n / 2);
        m = encodeUpdate({ attributes: g.attrs, nlri: g.prefixes.slice(i, i + n) }, { fourOctetAs: true });
      }
      out.push(m);
      i += n;
    }
  }
  return out;
}

async function loadFeeds(): Promise<Feed[]> {
  const perPeer = new Map<number, { peer: MrtPeer; messages: Uint8Array[] }>();
  for await (const u of ribToUpdates(readMrt(dataPath(RIB)))) {
    let e = perPeer.get(u.peerIndex);
    if (!e && u.peer) perPeer.set(u.peerIndex, (e = { peer: u.peer, messages: [] }));
    e?.messages.push(u.message);
  }
  return INJECTORS.map((spec, i) => {
    const same = [...perPeer.values()].filter((e) => e.peer.asn === spec.sourceAs).sort((x, y) => x.peer.index - y.peer.index);
    const src = same[spec.nth];
    if (!src) throw new Error(`no peer #${spec.nth} of AS ${spec.sourceAs} in ${RIB}`);
    const routes = new Map<PrefixKey, PathAttributes>();
    for (const m of src.messages) {
      const u = decodeUpdate(frameMessage(m).body, { fourOctetAs: true }, null);
      if (!u.attributes) continue;
      for (const k of u.nlri) routes.set(k, vary(formatPrefix(k), i, u.attributes)); // IPv4 unicast only
    }
    return { spec, peer: src.peer, routes, messages: encodeFeed(routes) };
  });
}

function birdPeer(s: InjectorSpec): BirdPeer {
  return {
    name: s.name,
    neighbor: s.addr,
    neighborPort: 179, // passive: never used
    asn: ASN,
    passive: true,
    ipv4: { import: 'all', export: 'none' },
    // BIRD's route-selection switches, spelled out (BIRD 2.0 user guide, "BGP" protocol options):
    // deterministic med = btrd's order-independent MED step; med metric no = MED only within one
    // neighbour AS; path metric yes = compare AS_PATH lengths; prefer older no = no RFC 5004 age
    // tie-break; default bgp_med 0 / default bgp_local_pref 100 = RFC 4271's values for absent attributes.
    extra: [
      '  deterministic med yes;',
      '  med metric no;',
      '  path metric yes;',
      '  igp metric yes;',
      '  prefer older no;',
      '  default bgp_med 0;',
      '  default bgp_local_pref 100;',
    ].join('\n'),
  };
}

/** Connect an injector, retrying while the listener is not up yet (bounded). */
async function connect(s: InjectorSpec, remoteAddress: string, remotePort: number): Promise<Injector> {
  const inj = await waitFor(
    `${s.name} → ${remoteAddress}:${remotePort} Established`,
    async () => Injector.connect({ remoteAddress, remotePort, localAddress: s.addr, localAs: ASN, routerId: s.routerId, connectTimeoutMs: 5000 }),
    20000,
    300,
  );
  sessions.push(inj);
  return inj;
}

function birdCount(): number {
  const m = bird.birdc('show route count table master4').match(/(\d+) of (\d+) routes/);
  return m ? Number(m[2]) : -1;
}

bestpath.before(async () => {
  feeds = await loadFeeds();
  btrd = await startBtrd(`
router-id: ${BTRD.routerId}
asn: ${ASN}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
decision: { always-compare-med: false, deterministic-med: true }
resolve-all-next-hops: true
peers:
${INJECTORS.map((s) => `  - { name: ${s.name}, address: ${s.addr}, remote-as: ${ASN}, local-address: ${BTRD.addr}, passive: true }`).join('\n')}
`);
  bird = await Bird.start({ routerId: BIRD.routerId, asn: ASN, localAddress: BIRD.addr, localPort: BIRD.port, peers: INJECTORS.map(birdPeer) });
  // Each injector: one session to each router, the identical byte stream on both.
  const links = await Promise.all(feeds.map((f) => Promise.all([connect(f.spec, BIRD.addr, BIRD.port), connect(f.spec, BTRD.addr, BTRD.port)])));
  // Injected one after the other, C, A, B: the arrival order in which a route-by-route (non-deterministic
  // MED) selection goes wrong — C, then A beats C on the BGP Identifier, then B beats A on MED, though
  // RFC 4271's elimination ends with C. BIRD with `deterministic med no` fails this test; both must not.
  let expected = 0;
  for (const name of INJECTION_ORDER) {
    const i = feeds.findIndex((f) => f.spec.name === name);
    const [toBird, toBtrd] = links[i];
    await Promise.all([toBird.send(feeds[i].messages), toBtrd.send(feeds[i].messages)]);
    await Promise.all([toBird.sendEndOfRib(), toBtrd.sendEndOfRib()]);
    expected += feeds[i].routes.size;
    await waitFor(`${name}'s routes at BIRD and btrd`, () => (birdCount() >= expected && btrd.speaker.summary().paths >= expected ? true : undefined), 20000, 100).catch(
      (e: Error) => console.log(`${e.message} (BIRD ${birdCount()}, btrd ${btrd.speaker.summary().paths} of ${expected}); going on`),
    );
  }
});

bestpath.after(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  await btrd?.stop().catch(() => undefined);
  await bird?.stop();
});

interface Row {
  prefix: string;
  btrdBest: string | null;
  birdBest: string | null;
  btrdCands: string[];
  birdCands: string[];
}

function describeBtrd(r: RibRoute, name: string): string {
  const a = r.attributes;
  return `${name} rid=${r.peer.routerId >>> 24}.${(r.peer.routerId >>> 16) & 255}.${(r.peer.routerId >>> 8) & 255}.${r.peer.routerId & 255} lp=${a.localPref ?? '-'} path="${formatAsPath(a.asPath ?? [])}" (len ${r.rank.asPathLength}, nbr ${r.rank.medGroup}) origin=${a.origin} med=${a.med ?? '-'} nh=${r.nextHop}`;
}

function describeBird(r: BirdRoute): string {
  return `${r.protocol}${r.best ? '*' : ' '} lp=${r.localPref ?? '-'} path="${r.asPath}" origin=${r.origin} med=${r.med ?? '-'} nh=${r.nextHop}`;
}

/** Survivors of the RFC 4271 §9.1.2.2 steps up to and including ORIGIN (for the MED statistics). */
function beforeMed<T extends Candidate>(cands: readonly T[]): T[] {
  let s = cands.filter((c) => c.nh.reachable);
  for (const t of TIE_BREAKS.slice(1, TIE_BREAKS.findIndex((x) => x.step === 'med'))) {
    const top = s.reduce((x, y) => (t.compare(y, x) < 0 ? y : x));
    s = s.filter((c) => t.compare(c, top) === 0);
  }
  return s;
}

bestpath('btrd selects the same best path as BIRD for every prefix, from the same candidates', async () => {
  const total = feeds.reduce((n, f) => n + f.routes.size, 0);
  const prefixes = new Set<PrefixKey>();
  for (const f of feeds) for (const k of f.routes.keys()) prefixes.add(k);
  assert.ok(feeds.every((f) => f.routes.size > 8000), `routes per injector: ${feeds.map((f) => f.routes.size).join(', ')}`);
  for (const f of feeds) {
    for (const [k, a] of f.routes) {
      const nbr = neighbourAs(a.asPath);
      assert.ok(nbr !== 0 && nbr !== ASN, `${f.spec.name} ${formatPrefix(k)}: empty path or local AS as neighbour`);
      assert.not.ok((a.asPath ?? []).some((seg) => seg.asns.includes(ASN)), `${f.spec.name} ${formatPrefix(k)}: path contains ${ASN}`);
    }
  }

  // Both routers hold every injected route (bounded wait; a shortfall is reported per prefix below).
  await waitFor(`BIRD and btrd to hold ${total} routes`, () => (birdCount() === total && btrd.speaker.summary().paths === total ? true : undefined), 30000, 250).catch(
    (e: Error) => console.log(`${e.message} (BIRD ${birdCount()}, btrd ${btrd.speaker.summary().paths}); comparing anyway`),
  );

  const names = new Map(INJECTORS.map((s) => [addressKey(s.addr), s.name]));
  const nameOf = (r: RibRoute): string => names.get(r.peer.addressKey) ?? `peer${r.peerId}?`;

  const birdByPrefix = new Map<string, BirdRoute[]>();
  for (const r of bird.routes()) {
    let l = birdByPrefix.get(r.prefix);
    if (!l) birdByPrefix.set(r.prefix, (l = []));
    l.push(r);
  }

  const steps = new Map<DecidedBy, number>();
  let medSensitive = 0; // same-AS routes with different MEDs tied with a route from another AS before MED
  let medCycle = 0; // ... where the winner is not what skipping MED would give (deterministic MED matters)
  const mismatches: string[] = [];
  let compared = 0;
  for (const key of [...prefixes].sort((x, y) => (x < y ? -1 : 1))) {
    const p = formatPrefix(key);
    const cands = btrd.speaker.rib.candidates(key);
    const best = btrd.speaker.rib.best(key);
    const br = birdByPrefix.get(p) ?? [];
    const birdBests = br.filter((r) => r.best);
    const row: Row = {
      prefix: p,
      btrdBest: best ? nameOf(best) : null,
      birdBest: birdBests.length === 1 ? birdBests[0].protocol : null,
      btrdCands: cands.map(nameOf).sort(),
      birdCands: br.map((r) => r.protocol).sort(),
    };
    compared++;
    const decided = selectBestPath(cands);
    steps.set(decided.decidedBy, (steps.get(decided.decidedBy) ?? 0) + 1);
    const tied = beforeMed(cands);
    const groups = new Map<number, Set<number>>();
    for (const c of tied) {
      let g = groups.get(c.rank.medGroup);
      if (!g) groups.set(c.rank.medGroup, (g = new Set()));
      g.add(c.rank.med);
    }
    if (groups.size > 1 && [...groups.values()].some((g) => g.size > 1)) {
      medSensitive++;
      const noMed = selectBestPath(cands, TIE_BREAKS.filter((t) => t.step !== 'med'));
      if (noMed.best !== decided.best) medCycle++;
    }
    const ok =
      row.btrdBest !== null &&
      row.btrdBest === row.birdBest &&
      // The engine builds its RibRoute views per call: compare the path, not the object.
      decided.best !== null && best !== null && decided.best.peerId === best.peerId && decided.best.pathId === best.pathId && decided.best.attributes === best.attributes &&
      JSON.stringify(row.btrdCands) === JSON.stringify(row.birdCands);
    if (!ok) {
      mismatches.push(
        [
          `${p}: btrd best ${row.btrdBest} (recomputed ${decided.best ? nameOf(decided.best as RibRoute) : null}, decided by ${decided.decidedBy}), BIRD best ${row.birdBest ?? `(${birdBests.length} marked)`}; candidates btrd [${row.btrdCands}] BIRD [${row.birdCands}]`,
          ...cands.map((c) => `    btrd ${describeBtrd(c, nameOf(c))}`),
          ...br.map((r) => `    BIRD ${describeBird(r)}`),
        ].join('\n'),
      );
    }
  }

  const order = ['only-candidate', ...TIE_BREAKS.map((t) => t.step), 'no-candidate'];
  const stats = [...steps].sort((x, y) => order.indexOf(x[0]) - order.indexOf(y[0])).map(([s, n]) => `${s} ${n}`).join(', ');
  console.log(`interop/bestpath: ${compared} prefixes, ${total} routes from ${feeds.map((f) => `${f.spec.name}=AS${f.peer.asn}/${f.peer.ip}`).join(' ')}`);
  console.log(`  decided by: ${stats}`);
  console.log(`  MED-sensitive prefixes (same-AS MEDs differ, another AS tied): ${medSensitive}, of which ${medCycle} where skipping MED changes the winner`);
  if (mismatches.length > 0) console.log(`${mismatches.length} mismatches, first 10:\n${mismatches.slice(0, 10).join('\n')}`);

  assert.is(mismatches.length, 0, `${mismatches.length} of ${compared} prefixes differ (details above)`);
  assert.ok(compared > 8000, `prefixes compared: ${compared}`);
  // The input must actually exercise each rule, or the comparison proves little.
  for (const s of ['local-pref', 'as-path-length', 'origin', 'med', 'bgp-identifier'] as const) assert.ok((steps.get(s) ?? 0) > 0, `no prefix decided by ${s}`);
  assert.ok(medCycle > 0, 'no prefix where deterministic MED changes the winner');
  assert.is(btrd.speaker.summary().paths, total);
  assert.is(birdCount(), total);
});

bestpath.run();
