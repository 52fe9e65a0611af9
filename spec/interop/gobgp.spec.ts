/**
 * Interop 1 and 3 (issue 3): real routes from a RouteViews RIB are injected into BIRD, BIRD announces them
 * to btrd over eBGP, btrd re-advertises them to GoBGP over eBGP. GoBGP's RIB must equal what the RFC 4271
 * export rules predict from the MRT data (AS paths prepended by BIRD's and btrd's AS, next hop rewritten
 * by btrd, ORIGIN and communities kept), prefix for prefix. Then a withdraw at the source and a BIRD restart.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Bird } from '../helpers/bird.js';
import { Gobgp } from '../helpers/gobgp.js';
import { waitFor } from '../helpers/processes.js';
import { Injector } from '../../lib/inject/injector.js';
import { encodeUpdate } from '../../lib/wire/update.js';
import { parsePrefix } from '../../lib/wire/prefix.js';
import { peerFeed, startBtrd, type PeerFeed, type RunningBtrd } from './setup.js';

// Private 4-octet ASNs (RFC 6996): 2-octet private ones such as 65000 occur in the real AS paths and
// would be (rightly) dropped as loops.
/** Decision replicas: 1 here; gobgp-replicated.spec.ts runs the same chain with 3 voted replicas. */
const REPLICAS = Number(process.env.BTRD_SPEC_REPLICAS ?? 1);
const NET = REPLICAS === 1 ? '127.0.0.' : '127.0.1.';
const interop = suite(REPLICAS === 1 ? 'interop/gobgp' : `interop/gobgp (${REPLICAS} replicas)`);

const BTRD = { addr: `${NET}40`, port: 17940 + REPLICAS * 10, asn: 4200000040 };
const BIRD = { addr: `${NET}41`, port: 17941 + REPLICAS * 10, asn: 4200000041 };
const GOBGP = { addr: `${NET}42`, port: 17942 + REPLICAS * 10, asn: 4200000042, api: 17952 + REPLICAS * 10 };
const INJ = `${NET}43`;
/**
 * Issue 4: the replicated run uses continuous-majority with every diversity knob on — both decision
 * implementations, order and tie-break seeds, delay and jitter, every layout knob, a V8 heap limit, and an
 * address-block subset (replica 1 covers IPv4 only; IPv6 keeps two replicas, IPv4 three).
 */
const REPLICATION = REPLICAS === 1 ? '' : `
replication:
  mode: continuous-majority
  knobs:
    - { impl: a, order-seed: 11, tiebreak-seed: 5, delay-ms: 2, jitter-ms: 3, reverse-scan: true, pad-every-updates: 100, pad-bytes: 512, max-old-generation-mb: 1024 }
    - { impl: b, order-seed: 977, tiebreak-seed: 42, jitter-ms: 5, prefixes: [0.0.0.0/0], pad-every-updates: 37, pad-bytes: 4096 }
    - { impl: b, order-seed: 31337, delay-ms: 1, reverse-scan: false }
`;
const NH = '198.51.100.40'; // GoBGP drops loopback next hops: btrd announces a documentation address

let feed: PeerFeed;
let bird: Bird;
let gobgp: Gobgp;
let btrd: RunningBtrd;
let inj: Injector;

function startBird(): Promise<Bird> {
  return Bird.start({
    routerId: '10.0.0.41',
    asn: BIRD.asn,
    localAddress: BIRD.addr,
    localPort: BIRD.port,
    peers: [
      { name: 'inj', neighbor: INJ, neighborPort: 17943 + REPLICAS * 10, asn: feed.peer.asn, passive: true, ipv4: { import: 'all', export: 'none' } },
      { name: 'btrd', neighbor: BTRD.addr, neighborPort: BTRD.port, asn: BTRD.asn, ipv4: { import: 'none', export: 'all' } },
    ],
  });
}

interop.before(async () => {
  // The RouteViews slice (35 peers × 9,072 prefixes): the peer with the most routes.
  feed = await peerFeed('mrt/rib/rib.20140523.0600_firstMB.complete-records.gz', (peers) => peers[0].index);
  btrd = await startBtrd(`
router-id: 10.0.0.40
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
replicas: ${REPLICAS}${REPLICATION}
peers:
  - { name: bird, address: ${BIRD.addr}, port: ${BIRD.port}, remote-as: ${BIRD.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1 }
  - { name: gobgp, address: ${GOBGP.addr}, port: ${GOBGP.port}, remote-as: ${GOBGP.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1, next-hop-address: { ipv4: ${NH} } }
`);
  bird = await startBird();
  gobgp = await Gobgp.start({ asn: GOBGP.asn, routerId: '10.0.0.42', listenAddress: GOBGP.addr, listenPort: GOBGP.port, apiPort: GOBGP.api, neighbors: [{ address: BTRD.addr, asn: BTRD.asn, port: BTRD.port, passive: true }] });
  inj = await Injector.connect({ remoteAddress: BIRD.addr, remotePort: BIRD.port, localAddress: INJ, localAs: feed.peer.asn, routerId: '10.0.0.43' });
  await inj.send(feed.messages);
  await inj.sendEndOfRib();
});

interop.after(async () => {
  await inj?.close().catch(() => undefined);
  await btrd?.stop().catch(() => undefined);
  await gobgp?.stop();
  await bird?.stop();
});

interop('GoBGP learns every injected route through BIRD and btrd, with the attributes RFC 4271 predicts', async () => {
  const n = feed.routes.size;
  assert.ok(n > 5000, `routes in the feed: ${n}`);
  await waitFor(`GoBGP to hold ${n} routes`, () => (gobgp.count() >= n ? true : undefined), 60000, 300);
  const routes = gobgp.routes();
  assert.is(routes.length, n, 'one path per prefix at GoBGP');
  let checked = 0;
  for (const r of routes) {
    const src = feed.routes.get(r.prefix);
    assert.ok(src, `GoBGP has ${r.prefix}, which was not injected`);
    // RFC 4271 §5.1.2: each eBGP speaker prepends its AS (BIRD 65010, then btrd 65000).
    assert.is(r.asPath, `${BTRD.asn} ${BIRD.asn} ${src.asPath}`, r.prefix);
    // RFC 4271 §5.1.3: btrd sets itself (its configured next-hop address) as next hop towards eBGP.
    assert.is(r.nextHop, NH, r.prefix);
    assert.is(r.origin, src.origin, r.prefix);
    // RFC 1997: communities are transitive and pass both hops unchanged.
    assert.equal(r.communities, src.communities, r.prefix);
    // RFC 4271 §5.1.4: a MED received from a neighbouring AS is not passed on to other ASes.
    assert.is(r.med, undefined, r.prefix);
    checked++;
  }
  assert.is(checked, n);
  const counts = btrd.speaker.summary();
  assert.is(counts.best, n);
  if (REPLICAS > 1) {
    // All knobs on and still no replica disagreed with the voted outcome on any prefix.
    const status = btrd.speaker.replicas?.status() ?? [];
    assert.is(status.length, REPLICAS);
    for (const s of status) {
      assert.ok(s.alive, `replica ${s.index} alive`);
      assert.is(s.disagreements, 0, `replica ${s.index} (${JSON.stringify(s.knobs)}) disagreements`);
    }
  }
});

interop('a withdraw at the source reaches GoBGP', async () => {
  const gone = [...feed.routes.keys()].slice(0, 100);
  await inj.send([encodeUpdate({ withdrawn: gone.map(parsePrefix) }, { fourOctetAs: true })]);
  await waitFor('GoBGP to drop the withdrawn prefixes', () => (gobgp.count() === feed.routes.size - gone.length ? true : undefined), 30000, 300);
  const have = new Set(gobgp.routes().map((r) => r.prefix));
  assert.ok(gone.every((p) => !have.has(p)));
  assert.is(gobgp.routes().length, feed.routes.size - gone.length);
});

interop('a BIRD restart withdraws its routes everywhere, and they come back when it re-learns them', async () => {
  await inj.close();
  await bird.stop();
  await waitFor('btrd and GoBGP to drop every route', () => (gobgp.count() === 0 && btrd.speaker.summary().paths === 0 ? true : undefined), 30000, 300);
  assert.is.not(btrd.speaker.neighbors().find((x) => x.name === 'bird')?.state, 'established');
  bird = await startBird();
  inj = await Injector.connect({ remoteAddress: BIRD.addr, remotePort: BIRD.port, localAddress: INJ, localAs: feed.peer.asn, routerId: '10.0.0.43' });
  await inj.send(feed.messages);
  await inj.sendEndOfRib();
  await waitFor('GoBGP to re-learn every route', () => (gobgp.count() === feed.routes.size ? true : undefined), 60000, 300);
  assert.is(btrd.speaker.neighbors().find((x) => x.name === 'bird')?.state, 'established');
});

interop.run();
