/**
 * Every fault of the fault table × every voting mode against a real GoBGP (issue 5, "Evidence"): btrd with
 * 3 replicas, the fault on one of them (the master in master mode; `only-impl: a`, so the replica restarted
 * with rotated diversity — impl b — no longer has it), two eBGP injectors replaying two real RouteViews
 * peers' tables, one GoBGP downstream shared by all cases (only btrd restarts between cases).
 *
 * The expected table is fixed by RFC 4271 alone: the feeds keep only prefixes that one peer announces or
 * where the two AS_PATH lengths differ (§9.1.2.2 a decides; ties dropped), and routes are sent in two
 * phases — first each prefix's LONGER path (or its only one), and once GoBGP holds every prefix, the shorter
 * ones, so the best changes on every contested prefix (which is where a decision bug shows). For each
 * prefix the only correct exports are therefore, in this order, its phase-1 path and then the final
 * (shortest) one, each behind btrd's AS with btrd's next hop: anything else GoBGP receives (its monitor
 * stream, timestamped as it arrives) — another path, another next hop, a withdrawal, a step back to the
 * phase-1 path — is a wrong route. The FIB is checked the same way at the end (longest match per prefix:
 * the next hop of the winning peer).
 *
 * Asserted per case: outside master mode, GoBGP never receives a wrong route; in master mode (the master
 * answers at once, standbys check it), each wrong route is replaced at GoBGP within the bound — the close
 * of the round that emitted it, at most the round deadline (ROUND_DEADLINE_MS) after it, plus transport
 * slack (BOUND_SLACK_MS); GoBGP's final RIB equals the expected table prefix for prefix; the faulty
 * replica got the fault's verdict, was restarted with the other implementation and is back in the vote;
 * the daemon kept both injector sessions and the GoBGP session up throughout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Gobgp } from '../helpers/gobgp.js';
import { waitFor } from '../helpers/processes.js';
import { Injector } from '../../lib/inject/injector.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { formatAsPath } from '../../lib/wire/attributes.js';
import { asPathLength, attributeTypes } from '../../lib/replica/faults.js';
import type { PathAttributes } from '../../lib/wire/types.js';
import type { MrtPeer } from '../../lib/mrt/types.js';
import { peerFeed, startBtrd, type RunningBtrd } from './setup.js';

const test = suite('interop/faults-gobgp (fault × voting mode, 3 replicas, real GoBGP)');
const BTRD = { addr: '127.0.12.50', port: 22120, asn: 4200001250 };
/**
 * btrd's address alternates between cases: GoBGP holds a neighbour idle for a few seconds after its session
 * ended, and the other neighbour is ready at once.
 */
const BTRD_ADDRS = ['127.0.12.50', '127.0.12.54'];
let caseNo = 0;
const INJ = ['127.0.12.51', '127.0.12.52'];
const GOBGP = { addr: '127.0.12.53', port: 22123, asn: 4200001253, api: 22124 };
const NH = '198.51.100.125';
/** UPDATEs taken from each RouteViews peer's table (small real slices: 28 cases stay within a few minutes). */
const PER_PEER = 250;
const ROUND_DEADLINE_MS = 2000;
const BOUND_SLACK_MS = 1500;
const CODEC = { fourOctetAs: true } as const;

interface Sent { readonly peer: MrtPeer; readonly phase1: Uint8Array[]; readonly phase2: Uint8Array[] }
let sent: Sent[] = [];
/** prefix → the AS_PATH (text) GoBGP must end with after btrd's AS, and the winner's next hop (FIB). */
const expected = new Map<string, string>();
const expectedNh = new Map<string, string>();
/** prefix → the AS_PATH exported after phase 1 (the longer one; the only one when not contested). */
const phase1Path = new Map<string, string>();
let longest = 0;
let rareType = 0;
let hangPrefix = '';
let gobgp: Gobgp;

/** Monitor of GoBGP's global RIB: every announcement or withdrawal with the time it arrived. */
interface RibEvent { readonly at: number; readonly neighbor: string; readonly prefix: string; readonly withdrawal: boolean; readonly asPath: string; readonly nextHop: string }
let monitor: ChildProcess;
const events: RibEvent[] = [];

function startMonitor(): void {
  monitor = spawn('gobgp', ['-u', '127.0.0.1', '-p', String(GOBGP.api), 'monitor', 'global', 'rib', '-j'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  monitor.stdout!.on('data', (d: Buffer) => {
    const at = Date.now();
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line.startsWith('[')) continue;
      for (const p of JSON.parse(line) as { nlri: { prefix: string }; 'neighbor-ip'?: string; withdrawal?: boolean; attrs?: { type: number; nexthop?: string; as_paths?: { segment_type: number; asns: number[] }[] }[] }[]) {
        const attrs = p.attrs ?? [];
        events.push({
          at, neighbor: p['neighbor-ip'] ?? '', prefix: p.nlri.prefix, withdrawal: !!p.withdrawal,
          // As the Gobgp helper and formatAsPath write it: an AS_SET in braces.
          asPath: (attrs.find((a) => a.type === 2)?.as_paths ?? []).map((s) => (s.segment_type === 1 ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' '),
          nextHop: attrs.find((a) => a.type === 3)?.nexthop ?? '',
        });
      }
    }
  });
}

test.before(async () => { try { await before(); } catch (e) { console.error(e); throw e; } });
async function before(): Promise<void> {
  const rel = 'mrt/rib/rib.20140523.0600_firstMB.complete-records.gz';
  const feeds = [await peerFeed(rel, (peers) => peers[0].index), await peerFeed(rel, (peers) => peers[1].index)];
  assert.is.not(feeds[0].peer.asn, feeds[1].peer.asn);
  const decoded = feeds.map((f) => f.messages.slice(0, PER_PEER).map((m) => decodeUpdate(frameMessage(m).body, CODEC, null)));
  // Candidates per prefix: [peer 0's path length, peer 1's] (undefined = not announced by that peer).
  const len = new Map<string, (number | undefined)[]>();
  for (const [i, us] of decoded.entries()) for (const u of us) for (const k of u.nlri) {
    const p = formatPrefix(k);
    const e = len.get(p) ?? [undefined, undefined];
    e[i] = asPathLength(u.attributes);
    len.set(p, e);
  }
  const best = new Map<string, number>(); // prefix → the peer whose path wins
  for (const [p, [a, b]] of len) {
    if (a !== undefined && b !== undefined && a === b) continue; // tie: later steps decide; left out
    best.set(p, b === undefined || (a !== undefined && a < b) ? 0 : 1);
  }
  sent = feeds.map((f, i) => {
    const phase1: Uint8Array[] = [];
    const phase2: Uint8Array[] = [];
    for (const u of decoded[i]) {
      const keep = u.nlri.filter((k) => best.has(formatPrefix(k)));
      const contested = (k: PrefixKey): boolean => len.get(formatPrefix(k))!.every((x) => x !== undefined);
      const win = keep.filter((k) => best.get(formatPrefix(k)) === i);
      const first = keep.filter((k) => !contested(k) || best.get(formatPrefix(k)) !== i);
      const later = keep.filter((k) => contested(k) && best.get(formatPrefix(k)) === i);
      const attributes = u.attributes as PathAttributes;
      const text = formatAsPath(attributes.asPathEffective ?? attributes.asPath);
      if (first.length) phase1.push(encodeUpdate({ attributes, nlri: first }, CODEC));
      if (later.length) phase2.push(encodeUpdate({ attributes, nlri: later }, CODEC));
      for (const k of first) phase1Path.set(formatPrefix(k), text);
      for (const k of win) {
        expected.set(formatPrefix(k), text);
        expectedNh.set(formatPrefix(k), attributes.nextHop!);
      }
      longest = Math.max(longest, asPathLength(attributes));
    }
    return { peer: f.peer, phase1, phase2 };
  });
  const contested = [...best.keys()].filter((p) => len.get(p)!.every((x) => x !== undefined)).length;
  assert.ok(contested > 100, `prefixes where AS_PATH length decides: ${contested}`);
  assert.ok(sent.reduce((n, s) => n + s.phase2.length, 0) > 50, `winning paths sent in phase 2: ${sent.map((s) => `${s.phase1.length}/${s.phase2.length}`).join(', ')}, contested ${contested}, prefixes ${best.size}`);
  const typeCount = new Map<number, number>();
  for (const s of sent) for (const m of [...s.phase1, ...s.phase2]) for (const t of new Set(attributeTypes(m.subarray(19)))) typeCount.set(t, (typeCount.get(t) ?? 0) + 1);
  rareType = [...typeCount].filter(([t]) => t > 3).sort((a, b) => a[1] - b[1])[0][0];
  // A contested prefix (its phase-2 UPDATE hangs the replica if phase 1 did not).
  hangPrefix = [...best.keys()].find((p) => len.get(p)!.every((x) => x !== undefined))!;
  gobgp = await Gobgp.start({ asn: GOBGP.asn, routerId: '10.0.12.53', listenAddress: GOBGP.addr, listenPort: GOBGP.port, apiPort: GOBGP.api, neighbors: BTRD_ADDRS.map((address) => ({ address, asn: BTRD.asn, port: BTRD.port, passive: true })) });
  startMonitor();
}

test.after(async () => {
  if (monitor?.pid && monitor.exitCode === null) monitor.kill('SIGTERM');
  await gobgp?.stop();
});

interface FaultCase {
  readonly name: string;
  readonly cause: 'crash' | 'hang' | 'leak' | 'wrong';
  readonly fault: () => string;
  readonly controller?: string;
}

const FAULTS: FaultCase[] = [
  { name: 'crash on a long AS_PATH', cause: 'crash', fault: () => `crash-as-path-longer-than: ${longest - 1}` },
  { name: 'crash on an attribute type', cause: 'crash', fault: () => `crash-on-attribute-type: ${rareType}` },
  { name: 'wrong best (longest AS_PATH)', cause: 'wrong', fault: () => 'wrong-best-in-range: 0.0.0.0/0, wrong-best-prefers: longest-as-path', controller: 'wrong-threshold: { m: 2, w: 4 }' },
  { name: 'hang on a prefix', cause: 'hang', fault: () => `hang-on-prefix: ${hangPrefix}, hang-ms: 60000` },
  { name: 'memory leak', cause: 'leak', fault: () => 'leak-bytes-per-update: 400000', controller: 'heap-limit-mb: 64' },
  { name: 'next-hop bit flip', cause: 'wrong', fault: () => 'flip-next-hop-bit: { bit: 0 }', controller: 'wrong-threshold: { m: 2, w: 4 }' },
  { name: 'crash after R rounds', cause: 'crash', fault: () => 'crash-after-rounds: 5' },
];
const MODES: [string, number | null][] = [['continuous-majority', null], ['consensus', null], ['k-of-n', 2], ['master', null]];
/** BTRD_FAULTS_ONLY=substring of "fault × mode": run only the matching cases (debugging). */
const only = process.env.BTRD_FAULTS_ONLY;
/** Per case, for the summary line. */
const summary: string[] = [];

/**
 * Wrong exports in a prefix's event sequence: allowed are its phase-1 path, then its final path (never back);
 * returns the wrong events and how long each wrong state lasted until a correct export replaced it.
 */
function judge(seen: readonly RibEvent[]): { wrong: RibEvent[]; lifetimes: number[]; open: string[] } {
  const pos = new Map<string, number>();
  const since = new Map<string, number>();
  const wrong: RibEvent[] = [];
  const lifetimes: number[] = [];
  for (const e of seen) {
    // The previous case's btrd going away: GoBGP withdraws routes this case never announced (its monitor
    // stream may deliver them after the RIB already looked empty).
    if (e.withdrawal && !pos.has(e.prefix)) continue;
    if (!pos.has(e.prefix)) pos.set(e.prefix, 0);
    const allowed = [`${BTRD.asn} ${phase1Path.get(e.prefix) ?? '?'}`, `${BTRD.asn} ${expected.get(e.prefix) ?? '?'}`];
    const at = pos.get(e.prefix) ?? 0;
    let ok = !e.withdrawal && e.nextHop === NH;
    if (ok && e.asPath === allowed[at]) ok = true;
    else if (ok && at === 0 && e.asPath === allowed[1]) pos.set(e.prefix, 1);
    else ok = false;
    if (!ok) {
      wrong.push(e);
      if (!since.has(e.prefix)) since.set(e.prefix, e.at);
    } else if (since.has(e.prefix)) {
      lifetimes.push(e.at - since.get(e.prefix)!);
      since.delete(e.prefix);
    }
  }
  return { wrong, lifetimes, open: [...since.keys()] };
}

for (const fc of FAULTS) {
  for (const [mode, k] of MODES) {
    const name = `${fc.name} × ${mode}`;
    if (only && !name.includes(only)) continue;
    test(`${name}${k ? ` k=${k}` : ''}: nothing wrong at GoBGP${mode === 'master' ? ' beyond the bound' : ''}; the replica restarted and back in the vote`, async () => {
      const faulty = mode === 'master' ? 0 : 1;
      const addr = BTRD_ADDRS[caseNo++ % 2];
      const knobs = ['{ impl: b, order-seed: 2 }', '{ impl: b, order-seed: 5, reverse-scan: true }', '{ impl: b, order-seed: 9 }'];
      knobs[faulty] = `{ impl: a, order-seed: 7, fault: { ${fc.fault()}, only-impl: a } }`;
      let btrd: RunningBtrd | undefined;
      const inj: Injector[] = [];
      const t0 = Date.now();
      const from = events.length;
      try {
        btrd = await startBtrd(`
router-id: 10.0.12.50
asn: ${BTRD.asn}
listen: [{ address: ${addr}, port: ${BTRD.port} }]
api: null
resolve-all-next-hops: true
replicas: 3
replication:
  mode: ${mode}${k ? `\n  k: ${k}` : ''}
  round-deadline-ms: ${ROUND_DEADLINE_MS}
  max-round-updates: 40
  controller: { restart-backoff-ms: 50${fc.controller ? `, ${fc.controller}` : ''} }
  knobs: [${knobs.join(', ')}]
peers:
  - { name: inj0, address: ${INJ[0]}, remote-as: ${sent[0].peer.asn}, passive: true }
  - { name: inj1, address: ${INJ[1]}, remote-as: ${sent[1].peer.asn}, passive: true }
  - { name: gobgp, address: ${GOBGP.addr}, port: ${GOBGP.port}, remote-as: ${GOBGP.asn}, local-address: ${addr}, connect-retry-time: 1, idle-hold-time: 1, next-hop-address: { ipv4: ${NH} } }
`);
        const speaker = btrd.speaker;
        const set = speaker.replicas!;
        await gobgp.waitEstablished(addr, 30_000);
        for (const [i, s] of sent.entries()) inj.push(await Injector.connect({ remoteAddress: addr, remotePort: BTRD.port, localAddress: INJ[i], localAs: s.peer.asn, routerId: `10.0.12.${51 + i}` }));
        // Phase 1: every prefix's longer (or only) path; GoBGP must hold them all before phase 2.
        for (const [i, s] of sent.entries()) await inj[i].send(s.phase1);
        await waitFor(`GoBGP to hold the ${expected.size} prefixes`, () => (gobgp.count() >= expected.size ? true : undefined), 60_000, 200);
        // Phase 2: the shorter paths; every contested prefix's best changes.
        for (const [i, s] of sent.entries()) await inj[i].send(s.phase2);
        for (const x of inj) await x.sendEndOfRib();
        await waitFor('the faulty replica restarted and back in the vote', () => {
          const r = set.controllerStatus().replicas[faulty];
          return r.generation >= 1 && r.state === 'voting' ? true : undefined;
        }, 60_000, 100);
        await speaker.settled();
        // GoBGP's final RIB, prefix for prefix (polled: the last UPDATEs may still be on the wire).
        const rib = await waitFor('GoBGP\'s RIB to equal the expected table', () => {
          const routes = gobgp.routes();
          return routes.length === expected.size && routes.every((r) => r.nextHop === NH && r.asPath === `${BTRD.asn} ${expected.get(r.prefix)}`) ? routes : undefined;
        }, 20_000, 300).catch(() => gobgp.routes());
        assert.is(rib.length, expected.size, 'one path per expected prefix at GoBGP');
        for (const r of rib) {
          assert.ok(expected.has(r.prefix), `GoBGP has ${r.prefix}, which is not in the expected table`);
          assert.is(r.asPath, `${BTRD.asn} ${expected.get(r.prefix)}`, `${r.prefix}: the shortest AS_PATH (RFC 4271 §9.1.2.2 a)`);
          assert.is(r.nextHop, NH, r.prefix);
        }
        // Everything GoBGP received during the case, in arrival order.
        const seen = events.slice(from).filter((e) => e.neighbor === '' || e.neighbor === addr);
        const { wrong: wrongSeen, lifetimes, open } = judge(seen);
        if (mode !== 'master') {
          assert.is(wrongSeen.length, 0, `wrong routes at GoBGP: ${JSON.stringify(wrongSeen.slice(0, 3))}`);
        } else {
          assert.is(open.length, 0, `wrong routes never replaced: ${open.slice(0, 5).join(', ')}`);
          const worst = Math.max(0, ...lifetimes);
          assert.ok(worst <= ROUND_DEADLINE_MS + BOUND_SLACK_MS, `a wrong route lived ${worst} ms at GoBGP (bound ${ROUND_DEADLINE_MS} + ${BOUND_SLACK_MS} ms)`);
        }
        // The voted FIB (in-memory backend): each expected prefix that is its own longest match has the winner's next hop.
        let fibChecked = 0;
        for (const [p, nh] of expectedNh) {
          const l = speaker.fibLookup(p.split('/')[0]);
          if (l.prefix !== p) continue;
          assert.is(l.nextHop, nh, `FIB ${p}`);
          fibChecked++;
        }
        assert.ok(fibChecked > expectedNh.size / 2, `FIB entries checked: ${fibChecked} of ${expectedNh.size}`);
        const st = set.controllerStatus();
        const r = st.replicas[faulty];
        assert.is(r.lastVerdict?.cause, fc.cause, `verdict: ${JSON.stringify(r.lastVerdict)}`);
        assert.is(r.knobs.impl, 'b', 'restarted with rotated diversity');
        assert.ok(st.resyncs.completed >= 1, 'the re-synced digest matched the majority');
        assert.is(st.voting, 3);
        assert.not.ok(st.degraded, st.degradedReason ?? '');
        for (const i of [0, 1, 2]) if (i !== faulty) assert.is(st.replicas[i].generation, 0, `replica ${i} untouched`);
        // The daemon stayed up: every session established once and never went down.
        for (const nb of speaker.neighbors()) assert.is(nb.state, 'established', nb.name);
        assert.not.ok(btrd.logs.some((l) => l.includes('"msg":"session down"')), 'no session went down');
        summary.push(`${name}: ${wrongSeen.length} wrong at GoBGP${lifetimes.length ? `, longest ${Math.max(...lifetimes)} ms` : ''}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } finally {
        for (const x of inj) await x.close().catch(() => undefined);
        await btrd?.stop().catch(() => undefined);
        await waitFor('GoBGP to drop btrd\'s routes', () => (gobgp.count() === 0 ? true : undefined), 30_000, 200).catch(() => undefined);
      }
    });
  }
}

test('summary', () => {
  console.log(summary.join('\n'));
});

test.run();
