/**
 * The long-AS_PATH incident end to end (issue 5; DESIGN principle 4). A route with a very long AS_PATH made
 * routers crash, and crash again after every restart, because the same route came back with the session.
 * Here: BIRD announces a real RouteViews table slice (injected into BIRD over eBGP) plus one static route
 * whose export filter prepends 300 ASes (BIRD adds its own AS: 301 hops on the wire). btrd runs 3 replicas,
 * 2 of which carry the fault "crash on an AS_PATH longer than 255" in shared parsing code (no `only-impl`:
 * a restart with rotated diversity does not cure it — only quarantining the input does). A real GoBGP is
 * downstream, and a second GoBGP ("witness") peers with BIRD directly, so an independent speaker shows what
 * BIRD really sends.
 *
 * Checked in every voting mode: the poison UPDATE is isolated and quarantined (API /quarantine with the raw
 * hex, /metrics, the log line); every other route converges and GoBGP's RIB equals what the RFC 4271 export
 * rules predict from the MRT data, prefix for prefix; GoBGP never sees the poison prefix (its monitor
 * stream, from before btrd starts); the replicas stop crashing (BIRD re-sends its whole table with the
 * poison route: the quarantine entry counts a hit, no replica crashes again); the daemon keeps answering and
 * the BIRD session never leaves Established.
 */
import { get } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Bird } from '../helpers/bird.js';
import { Gobgp } from '../helpers/gobgp.js';
import { startProcess, tempDir, waitFor, type Started } from '../helpers/processes.js';
import { Injector } from '../../lib/inject/injector.js';
import { startApiServer, type ApiServer } from '../../lib/api/server.js';
import { setMetricsSource } from '../../lib/metrics/index.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import type { QuarantineEntryJson } from '../../lib/api/types.js';
import { peerFeed, startBtrd, type PeerFeed, type RunningBtrd } from './setup.js';

const test = suite('interop/poison-bird (the long-AS_PATH incident, BIRD → btrd ×3 → GoBGP)');
const BTRD = { addr: '127.0.12.40', port: 21120, asn: 4200001240, api: 21129 };
const BIRD = { addr: '127.0.12.41', port: 21121, asn: 4200001241 };
const GOBGP = { addr: '127.0.12.42', port: 21122, asn: 4200001242, api: 21123 };
const INJ = '127.0.12.43';
const WITNESS = { addr: '127.0.12.44', port: 21124, asn: 4200001244, api: 21125 };
const NH = '198.51.100.124';
const POISON = '203.0.113.0/24';
const PREPENDS = 300;
/** The fault's threshold: real paths in the slice are far shorter; the poison route is far longer. */
const CRASH_ABOVE = 255;
const SLICE = 2000;
const MODES: [string, number | null][] = [['continuous-majority', null], ['master', null], ['consensus', null], ['k-of-n', 2]];

let feed: PeerFeed;
let bird: Bird;
let gobgp: Gobgp;
let witness: Gobgp;
let monitor: Started;
let inj: Injector;
const monitorDir = tempDir('gobgp-monitor');

/** BIRD's export filter towards btrd and the witness: the poison route gets 300 prepends (RFC 4271 §5.1.2 allows any length). */
function birdExtra(): string {
  const prepends = Array.from({ length: PREPENDS }, (_, i) => `    bgp_path.prepend(${64_600 + (i % 50)});`).join('\n');
  return [
    `protocol static poison4 { ipv4; route ${POISON} blackhole; }`,
    'function poisoned() {',
    `  if net = ${POISON} then {`,
    prepends,
    '  }',
    '}',
    'filter to_btrd { poisoned(); accept; }',
    // GoBGP drops loopback next hops: the witness gets a documentation address.
    `filter to_witness { if net != ${POISON} then reject; poisoned(); bgp_next_hop = 198.51.100.41; accept; }`,
  ].join('\n');
}

test.before(async () => {
  // The peer with the most routes, its first SLICE UPDATEs (a few thousand prefixes: four modes stay quick).
  const whole = await peerFeed('mrt/rib/rib.20140523.0600_firstMB.complete-records.gz', (peers) => peers[0].index);
  const messages = whole.messages.slice(0, SLICE);
  const routes: PeerFeed['routes'] = new Map();
  for (const m of messages) for (const p of decodeUpdate(frameMessage(m).body, { fourOctetAs: true }, null).nlri.map(formatPrefix)) routes.set(p, whole.routes.get(p)!);
  feed = { peer: whole.peer, messages, routes };
  assert.not.ok(feed.routes.has(POISON), 'the poison prefix is not in the real slice');
  bird = await Bird.start({
    routerId: '10.0.12.41', asn: BIRD.asn, localAddress: BIRD.addr, localPort: BIRD.port, extra: birdExtra(),
    peers: [
      { name: 'inj', neighbor: INJ, neighborPort: 21126, asn: feed.peer.asn, passive: true, ipv4: { import: 'all', export: 'none' } },
      { name: 'btrd', neighbor: BTRD.addr, neighborPort: BTRD.port, asn: BTRD.asn, ipv4: { import: 'none', export: 'filter to_btrd' } },
      { name: 'witness', neighbor: WITNESS.addr, neighborPort: WITNESS.port, asn: WITNESS.asn, ipv4: { import: 'none', export: 'filter to_witness' } },
    ],
  });
  gobgp = await Gobgp.start({ asn: GOBGP.asn, routerId: '10.0.12.42', listenAddress: GOBGP.addr, listenPort: GOBGP.port, apiPort: GOBGP.api, neighbors: [{ address: BTRD.addr, asn: BTRD.asn, port: BTRD.port, passive: true }] });
  witness = await Gobgp.start({ asn: WITNESS.asn, routerId: '10.0.12.44', listenAddress: WITNESS.addr, listenPort: WITNESS.port, apiPort: WITNESS.api, neighbors: [{ address: BIRD.addr, asn: BIRD.asn, port: BIRD.port, passive: true }] });
  // Every best-path change in GoBGP's global RIB, from before btrd exists: "never sees the poison prefix".
  monitor = startProcess('gobgp', ['-u', '127.0.0.1', '-p', String(GOBGP.api), 'monitor', 'global', 'rib', '-j'], { logFile: `${monitorDir.dir}/none.log` });
  inj = await Injector.connect({ remoteAddress: BIRD.addr, remotePort: BIRD.port, localAddress: INJ, localAs: feed.peer.asn, routerId: '10.0.12.43' });
  await inj.send(feed.messages);
  await inj.sendEndOfRib();
  await waitFor('BIRD to hold the slice and the poison route', () => (bird.birdc('show route count').match(/(\d+) of \d+ routes/)?.[1] === String(feed.routes.size + 1) ? true : undefined), 60_000, 300);
});

test.after(async () => {
  await inj?.close().catch(() => undefined);
  await monitor?.stop();
  await gobgp?.stop();
  await witness?.stop();
  await bird?.stop();
  monitorDir.remove();
});

test('BIRD really sends the poison route: a direct GoBGP session sees a 301-hop AS_PATH', async () => {
  await witness.waitEstablished(BIRD.addr, 30_000);
  const r = await waitFor('the witness to learn the poison route', () => witness.routes().find((x) => x.prefix === POISON), 20_000, 200);
  const asns = r.asPath.split(' ');
  assert.is(asns.length, PREPENDS + 1);
  assert.is(asns[0], String(BIRD.asn), 'BIRD prepends its own AS last (RFC 4271 §5.1.2)');
});

/** GET on btrd's API, a fresh connection each time (no keep-alive race with the server's idle timeout). */
function httpGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: BTRD.addr, port: BTRD.api, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function getJson<T>(path: string): Promise<T> {
  const res = await httpGet(path);
  assert.is(res.status, 200, path);
  return JSON.parse(res.body) as T;
}

async function metric(name: string): Promise<number> {
  const text = (await httpGet('/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

const t0 = Date.now();
const phase = (what: string): void => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);

/** BTRD_POISON_MODES=master,consensus: run only these modes (debugging). */
const onlyModes = process.env.BTRD_POISON_MODES?.split(',');
for (const [mode, k] of MODES.filter(([m]) => !onlyModes || onlyModes.includes(m))) {
  test(`${mode}: the poison UPDATE is quarantined, everything else converges, GoBGP never sees it, the replicas stop crashing`, async () => {
    const bug = `fault: { crash-as-path-longer-than: ${CRASH_ABOVE} }`;
    let btrd: RunningBtrd | undefined;
    let api: ApiServer | undefined;
    try {
      btrd = await startBtrd(`
router-id: 10.0.12.40
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
replicas: 3
replication:
  mode: ${mode}${k ? `\n  k: ${k}` : ''}
  max-round-updates: 500
  controller: { restart-backoff-ms: 100 }
  knobs:
    - { impl: a, order-seed: 1, ${bug} }
    - { impl: b, order-seed: 2, ${bug} }
    - { impl: b, order-seed: 3, reverse-scan: true }
peers:
  - { name: bird, address: ${BIRD.addr}, port: ${BIRD.port}, remote-as: ${BIRD.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1 }
  - { name: gobgp, address: ${GOBGP.addr}, port: ${GOBGP.port}, remote-as: ${GOBGP.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1, next-hop-address: { ipv4: ${NH} } }
`);
      const speaker = btrd.speaker;
      setMetricsSource(speaker);
      api = await startApiServer({ listen: `${BTRD.addr}:${BTRD.api}`, provider: speaker, info: { routerId: '10.0.12.40', asn: BTRD.asn, version: 'spec' } });
      const set = speaker.replicas!;
      const n = feed.routes.size;
      phase(`${mode}: btrd up`);
      await waitFor(`GoBGP to hold the ${n} real routes`, () => (gobgp.count() >= n ? true : undefined), 90_000, 300);
      await waitFor('the poison UPDATE quarantined and all 3 replicas voting', () => {
        const st = set.controllerStatus();
        return st.quarantinedTotal >= 1 && st.voting === 3 ? true : undefined;
      }, 60_000, 100);
      await speaker.settled();
      phase(`${mode}: converged, quarantined`);
      assert.is(bird.protocolState('btrd'), 'Established');

      // Isolated and quarantined: exactly the poison UPDATE, in the API with its raw bytes, in the metrics and the log.
      const q = (await getJson<{ available: boolean; entries: QuarantineEntryJson[] }>('/quarantine')).entries;
      assert.is(q.length, 1, JSON.stringify(q.map((e) => e.prefixes)));
      assert.equal(q[0].prefixes, [POISON]);
      assert.is(q[0].peer, 'bird');
      assert.match(q[0].reason, new RegExp(`AS_PATH of ${PREPENDS + 1} ASes`));
      const u = decodeUpdate(frameMessage(Buffer.from(q[0].hex, 'hex')).body, { fourOctetAs: true }, null);
      assert.equal(u.nlri.map(formatPrefix), [POISON], 'the hex is the UPDATE BIRD sent, as received');
      const path = u.attributes!.asPath!.flatMap((s) => s.asns);
      assert.is(path.length, PREPENDS + 1);
      assert.is(path[0], BIRD.asn);
      assert.is(await metric('btrd_quarantined_inputs_total'), 1);
      assert.is(await metric('btrd_quarantine_entries'), 1);
      assert.ok(btrd.logs.some((l) => l.includes('poison UPDATE quarantined') && l.includes(q[0].hex)), 'logged with the hex');
      const st = set.controllerStatus();
      assert.ok(st.verdicts.crash >= 2, `crash verdicts: ${st.verdicts.crash}`);
      assert.is(st.replicas[2].generation, 0, 'the healthy replica never failed');
      assert.ok(st.replicas[0].generation >= 1 && st.replicas[1].generation >= 1, 'both faulty replicas crashed and were restarted');
      assert.not.ok(st.degraded, st.degradedReason ?? '');

      // Every other route, prefix for prefix, as RFC 4271 predicts from the MRT data.
      const routes = gobgp.routes();
      assert.is(routes.length, n, 'one path per prefix at GoBGP');
      for (const r of routes) {
        const src = feed.routes.get(r.prefix);
        assert.ok(src, `GoBGP has ${r.prefix}, which was not injected`);
        assert.is(r.asPath, `${BTRD.asn} ${BIRD.asn} ${src.asPath}`, r.prefix); // §5.1.2: each eBGP hop prepends its AS
        assert.is(r.nextHop, NH, r.prefix); // §5.1.3: next hop set by btrd towards eBGP
        assert.is(r.origin, src.origin, r.prefix);
        assert.equal(r.communities, src.communities, r.prefix); // RFC 1997: transitive
        assert.is(r.med, undefined, r.prefix); // §5.1.4: a received MED is not passed to other ASes
      }
      assert.equal(speaker.summary().best, n, 'btrd\'s Loc-RIB: the slice, not the poison prefix');

      // The incident's second half: the same route comes back (BIRD re-sends its whole table) — no crash now.
      const gens = st.replicas.map((r) => r.generation);
      const crashes = st.verdicts.crash;
      phase(`${mode}: checked GoBGP's RIB`);
      bird.birdc('reload out btrd');
      await waitFor('the re-sent poison UPDATE replaced by its withdrawal', () => (set.controllerStatus().quarantine[0]?.hits >= 1 ? true : undefined), 30_000, 100);
      await new Promise((r) => setTimeout(r, 1000));
      await speaker.settled();
      const after = set.controllerStatus();
      assert.equal(after.replicas.map((r) => r.generation), gens, 'no replica crashed again');
      assert.is(after.verdicts.crash, crashes, 'crash count stable after the quarantine');
      assert.is(after.voting, 3);
      assert.is(after.quarantinedTotal, 1);
      phase(`${mode}: re-sent, no crash`);
      assert.is(gobgp.count(), n);

      // Never seen downstream; the daemon answers; the BIRD session never went down.
      assert.not.ok(monitor.output().includes(POISON), 'GoBGP\'s monitor stream never carried the poison prefix');
      assert.not.ok(gobgp.routes().some((r) => r.prefix === POISON));
      assert.is((await getJson<{ asn: number }>('/status')).asn, BTRD.asn);
      assert.is(bird.protocolState('btrd'), 'Established');
      const nb = speaker.neighbors().find((x) => x.name === 'bird')!;
      assert.is(nb.state, 'established');
      // One session for the whole run (an OPEN collision at start-up may close a second connection before
      // Established, RFC 4271 §6.8: not a flap): established once, never down, no NOTIFICATION either way.
      const birdLog = (msg: string): number => btrd!.logs.filter((l) => l.includes('"peer":"bird"') && l.includes(`"msg":"${msg}"`)).length;
      assert.is(birdLog('session established'), 1, 'BIRD\'s session with btrd did not flap');
      assert.is(birdLog('session down'), 0);
      // The only NOTIFICATIONs allowed are the start-up collision's Cease on the connection that lost it
      // (6/7 Connection Collision Resolution, or 6/5 Connection Rejected; RFC 4486) — seen in one run of 4.
      const notes = btrd.logs.filter((l) => l.includes('"peer":"bird"') && l.includes('NOTIFICATION'));
      assert.ok(notes.every((l) => l.includes('(6/7)') || l.includes('(6/5)')), notes.join('\n'));
      assert.ok(!nb.lastError || /\(6\/[57]\)/.test(nb.lastError.reason), JSON.stringify(nb.lastError));
    } finally {
      await api?.close().catch(() => undefined);
      setMetricsSource(null);
      await btrd?.stop().catch(() => undefined);
      // Next mode starts from no routes at GoBGP (btrd's session to it is gone).
      await waitFor('GoBGP to drop btrd\'s routes', () => (gobgp.count() === 0 ? true : undefined), 30_000, 200).catch(() => undefined);
    }
  });
}

test.run();
