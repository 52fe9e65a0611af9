/**
 * Interop 2 (issue 3): FRR bgpd as the receiving side, IPv4 and IPv6 unicast over MP-BGP (RFC 4760).
 * Real IPv4 routes (RouteViews RIB slice) and real IPv6 routes (route-views6 slice) are injected into
 * BIRD, which announces both families to btrd over one IPv4 session; btrd re-advertises them to FRR.
 * FRR's RIB must equal what the RFC 4271 export rules predict from the MRT data, prefix for prefix.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Bird } from '../helpers/bird.js';
import { Frr, type FrrRoute } from '../helpers/frr.js';
import { waitFor } from '../helpers/processes.js';
import { Injector } from '../../lib/inject/injector.js';
import { peerFeed, startBtrd, type PeerFeed, type RunningBtrd } from './setup.js';

// Private 4-octet ASNs (RFC 6996): 2-octet private ones such as 65000 occur in the real AS paths and
// would be (rightly) dropped as loops.
const interop = suite('interop/frr');

const BTRD = { addr: '127.0.0.50', port: 17970, asn: 4200000050 };
const BIRD = { addr: '127.0.0.51', port: 17971, asn: 4200000051 };
const FRR = { addr: '127.0.0.52', port: 17972, asn: 4200000052 };
const INJ4 = '127.0.0.53';
const INJ6 = '127.0.0.54';
// FRR, like GoBGP, refuses 127.0.0.0/8 next hops (martians): btrd announces documentation addresses.
const NH4 = '198.51.100.50';
const NH6 = '2001:db8::50';

let v4: PeerFeed;
let v6: PeerFeed;
let bird: Bird;
let frr: Frr;
let btrd: RunningBtrd;
const injectors: Injector[] = [];

interop.before(async () => {
  v4 = await peerFeed('mrt/rib/rib.20140523.0600_firstMB.complete-records.gz', (peers) => peers[1].index);
  v6 = await peerFeed('mrt/rib/rib6.20151101.0600_firstMB.complete-records.gz', (peers) => peers[0].index);
  btrd = await startBtrd(`
router-id: 10.0.0.50
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
peers:
  - { name: bird, address: ${BIRD.addr}, port: ${BIRD.port}, remote-as: ${BIRD.asn}, local-address: ${BTRD.addr}, families: [ipv4-unicast, ipv6-unicast], connect-retry-time: 1, idle-hold-time: 1 }
  - { name: frr, address: ${FRR.addr}, port: ${FRR.port}, remote-as: ${FRR.asn}, local-address: ${BTRD.addr}, families: [ipv4-unicast, ipv6-unicast], connect-retry-time: 1, idle-hold-time: 1, next-hop-address: { ipv4: ${NH4}, ipv6: "${NH6}" } }
`);
  bird = await Bird.start({
    routerId: '10.0.0.51',
    asn: BIRD.asn,
    localAddress: BIRD.addr,
    localPort: BIRD.port,
    peers: [
      { name: 'inj4', neighbor: INJ4, neighborPort: 17973, asn: v4.peer.asn, passive: true, ipv4: { import: 'all', export: 'none' } },
      { name: 'inj6', neighbor: INJ6, neighborPort: 17974, asn: v6.peer.asn, passive: true, ipv4: { import: 'none', export: 'none' }, ipv6: { import: 'all', export: 'none' } },
      // IPv6 routes over an IPv4 session need an IPv6 next hop: BIRD's "next hop address".
      { name: 'btrd', neighbor: BTRD.addr, neighborPort: BTRD.port, asn: BTRD.asn, ipv4: { import: 'none', export: 'all' }, ipv6: { import: 'none', export: 'all', nextHopAddress: '2001:db8::51' } },
    ],
  });
  frr = await Frr.start({ asn: FRR.asn, routerId: '10.0.0.52', listenAddress: FRR.addr, listenPort: FRR.port, neighbors: [{ address: BTRD.addr, asn: BTRD.asn, port: BTRD.port, passive: true, ipv6: true }] });
  const inj4 = await Injector.connect({ remoteAddress: BIRD.addr, remotePort: BIRD.port, localAddress: INJ4, localAs: v4.peer.asn, routerId: '10.0.0.53' });
  injectors.push(inj4);
  const inj6 = await Injector.connect({ remoteAddress: BIRD.addr, remotePort: BIRD.port, localAddress: INJ6, localAs: v6.peer.asn, routerId: '10.0.0.54', ipv6: true });
  injectors.push(inj6);
  await inj4.send(v4.messages);
  await inj4.sendEndOfRib();
  await inj6.send(v6.messages);
  await inj6.sendEndOfRib(2, 1);
});

interop.after(async () => {
  for (const i of injectors) await i.close().catch(() => undefined);
  await btrd?.stop().catch(() => undefined);
  await frr?.stop();
  await bird?.stop();
});

function check(routes: FrrRoute[], feed: PeerFeed, nextHop: string, family: string): void {
  assert.is(routes.length, feed.routes.size, `${family}: one path per prefix at FRR`);
  for (const r of routes) {
    const src = feed.routes.get(r.prefix);
    assert.ok(src, `FRR has ${family} ${r.prefix}, which was not injected`);
    assert.is(r.asPath, `${BTRD.asn} ${BIRD.asn} ${src.asPath}`, r.prefix);
    assert.is(r.nextHop, nextHop, r.prefix);
    assert.is(r.origin, ['IGP', 'EGP', 'incomplete'][src.origin], r.prefix);
    assert.is(r.med, undefined, r.prefix);
    assert.ok(r.best, r.prefix);
  }
}

interop('FRR learns every injected IPv4 route through BIRD and btrd, as RFC 4271 predicts', async () => {
  assert.ok(v4.routes.size > 5000, `IPv4 routes in the feed: ${v4.routes.size}`);
  await waitFor(`FRR to hold ${v4.routes.size} IPv4 routes`, async () => ((await frr.count('ipv4')) >= v4.routes.size ? true : undefined), 90000, 500);
  check(await frr.routes('ipv4'), v4, NH4, 'IPv4');
});

interop('FRR learns every injected IPv6 route over MP-BGP (RFC 4760), next hop rewritten to btrd\'s IPv6 address', async () => {
  assert.ok(v6.routes.size > 5000, `IPv6 routes in the feed: ${v6.routes.size}`);
  await waitFor(`FRR to hold ${v6.routes.size} IPv6 routes`, async () => ((await frr.count('ipv6')) >= v6.routes.size ? true : undefined), 90000, 500);
  check(await frr.routes('ipv6'), v6, NH6, 'IPv6');
  assert.is(btrd.speaker.summary().best, v4.routes.size + v6.routes.size);
});

interop.run();
