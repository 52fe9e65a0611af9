/**
 * Warm spares end to end (issue 5): a real RouteViews peer's table (injector) → btrd with 3 voting replicas
 * + 1 warm spare (replication.spares, from YAML), one voting replica crashing in its 8th round (impl a
 * only) → a real GoBGP downstream. Checked: GoBGP's own RIB holds every prefix with btrd's next hop and
 * the source AS_PATH (nothing wrong exported); the spare took the crashed replica's seat, which came back
 * as the spare; the roles are visible through the API provider (GET /replicas, GET /voter) and /metrics.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Gobgp } from '../helpers/gobgp.js';
import { waitFor } from '../helpers/processes.js';
import { Injector } from '../../lib/inject/injector.js';
import { renderMetrics, setMetricsSource } from '../../lib/metrics/index.js';
import { peerFeed, startBtrd, type PeerFeed, type RunningBtrd } from './setup.js';

const test = suite('interop/spares-gobgp (3 voting + 1 spare, one crash)');
const BTRD = { addr: '127.0.11.10', port: 20110, asn: 4200000110 };
const INJ = { addr: '127.0.11.11' };
const GOBGP = { addr: '127.0.11.20', port: 20111, asn: 4200000111, api: 20112 };
const NH = '198.51.100.110';

let feed: PeerFeed;
let btrd: RunningBtrd;
let gobgp: Gobgp;
let inj: Injector | null = null;

test.before(async () => {
  feed = await peerFeed('mrt/rib/rib.20140523.0600_firstMB.complete-records.gz', (peers) => peers[0].index);
  btrd = await startBtrd(`
router-id: 10.0.11.10
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
resolve-all-next-hops: true
replicas: 3
replication:
  mode: continuous-majority
  max-round-updates: 400
  spares: 1
  controller: { restart-backoff-ms: 100 }
  knobs:
    - { impl: b, order-seed: 1 }
    - { impl: a, order-seed: 2, fault: { crash-after-rounds: 8, only-impl: a } }
    - { impl: b, order-seed: 3, reverse-scan: true }
    - { impl: b, order-seed: 4, tiebreak-seed: 4 }
peers:
  - { name: inj, address: ${INJ.addr}, remote-as: ${feed.peer.asn}, passive: true }
  - { name: gobgp, address: ${GOBGP.addr}, port: ${GOBGP.port}, remote-as: ${GOBGP.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1, next-hop-address: { ipv4: ${NH} } }
`);
  gobgp = await Gobgp.start({ asn: GOBGP.asn, routerId: '10.0.11.20', listenAddress: GOBGP.addr, listenPort: GOBGP.port, apiPort: GOBGP.api, neighbors: [{ address: BTRD.addr, asn: BTRD.asn, port: BTRD.port, passive: true }] });
  await gobgp.waitEstablished(BTRD.addr, 30_000);
  inj = await Injector.connect({ remoteAddress: BTRD.addr, remotePort: BTRD.port, localAddress: INJ.addr, localAs: feed.peer.asn, routerId: '10.0.11.11' });
  for (let at = 0; at < feed.messages.length; at += 500) await inj.send(feed.messages.slice(at, at + 500));
  await inj.sendEndOfRib();
});

test.after(async () => {
  await inj?.close().catch(() => undefined);
  setMetricsSource(null);
  await btrd?.stop().catch(() => undefined);
  await gobgp?.stop();
});

test('nothing wrong reaches GoBGP; the spare holds the crashed replica\'s seat, which comes back as the spare; roles in the API and metrics', async () => {
  await waitFor(`GoBGP to hold ${feed.routes.size} prefixes`, () => (gobgp.count() >= feed.routes.size ? true : undefined), 90_000, 500);
  const set = btrd.speaker.replicas!;
  await waitFor('replica 1 back as the spare', () => (set.status()[1].state === 'spare' ? true : undefined), 60_000, 200);
  await btrd.speaker.settled();
  const st = set.controllerStatus();
  assert.is(st.replicas[1].lastVerdict?.cause, 'crash', JSON.stringify(st.replicas[1].lastVerdict));
  assert.is(st.voting, 3);
  assert.equal(st.spares, { configured: 1, ready: 1, promotions: 1 });
  assert.not.ok(st.degraded, String(st.degradedReason));
  // GoBGP's own view: one path per prefix, btrd's next hop, the source's AS_PATH behind btrd's AS.
  const routes = gobgp.routes();
  assert.is(routes.length, feed.routes.size);
  for (const r of routes) {
    const src = feed.routes.get(r.prefix);
    assert.ok(src !== undefined, `GoBGP has ${r.prefix}, which nobody announced`);
    assert.is(r.asPath, `${BTRD.asn} ${src!.asPath}`.trim(), r.prefix);
    assert.is(r.nextHop, NH, r.prefix);
  }
  // The API provider's views (GET /replicas, GET /voter) and the Prometheus text.
  const replicas = await btrd.speaker.replicaStatus();
  assert.equal(replicas.map((r) => [r.index, r.role, r.state]), [[0, 'voting', 'voting'], [1, 'spare', 'spare'], [2, 'voting', 'voting'], [3, 'voting', 'voting']]);
  assert.equal(btrd.speaker.voter().spares, { configured: 1, ready: 1, promotions: 1 });
  setMetricsSource(btrd.speaker);
  const m = (await renderMetrics()).body;
  assert.match(m, /btrd_replica_spare\{replica="1"\} 1/);
  assert.match(m, /btrd_replica_spare\{replica="3"\} 0/);
  assert.match(m, /btrd_replica_spare_promotions_total 1/);
  assert.match(m, /btrd_replica_spares_ready 1/);
  assert.match(m, /btrd_replicas_degraded 0/);
  assert.ok(btrd.logs.some((l) => l.includes('warm spare 3 promoted into the vote in place of replica 1')), 'the promotion is logged');
  assert.ok(btrd.logs.some((l) => l.includes('now a warm spare')));
});

test.run();
