/**
 * The controller end to end over real sessions (issue 5): two eBGP peers (injectors replaying two real
 * RouteViews peers' tables, overlapping prefixes) → btrd with 3 voted replicas, one of them faulty (a
 * corrupted next hop: one bit flipped in its best routes and exports — a memory-corruption bug in
 * implementation a) → a real GoBGP downstream. Checked on GoBGP's own RIB: every next hop is btrd's
 * (a flipped one would be .211), every prefix carries btrd's AS + one of the two source paths, and wherever
 * the sources' AS_PATH lengths differ it is the shorter one (RFC 4271 §9.1.2.2 a, applied to the MRT data
 * itself). The faulty replica is judged 'wrong' (minority), restarted with rotated diversity (impl b),
 * re-synced and back in the vote.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Gobgp } from '../helpers/gobgp.js';
import { waitFor } from '../helpers/processes.js';
import { Injector } from '../../lib/inject/injector.js';
import { peerFeed, startBtrd, type PeerFeed, type RunningBtrd } from './setup.js';

const test = suite('interop/controller-gobgp (3 replicas, one wrong)');
const BTRD = { addr: '127.0.2.10', port: 22010, asn: 4200000210 };
const INJ = [{ addr: '127.0.2.11' }, { addr: '127.0.2.12' }];
const GOBGP = { addr: '127.0.2.20', port: 22020, asn: 4200000220, api: 22021 };
const NH = '198.51.100.210';

let feeds: PeerFeed[] = [];
let btrd: RunningBtrd;
let gobgp: Gobgp;
const inj: Injector[] = [];

/** AS_PATH length per RFC 4271 §9.1.2.2 (a): an AS_SET counts 1 (formatAsPath writes sets in braces). */
function pathLength(p: string): number {
  const sets = p.match(/\{[^}]*\}/g) ?? [];
  const rest = p.replace(/\{[^}]*\}/g, ' ').trim();
  return sets.length + (rest === '' ? 0 : rest.split(/\s+/).length);
}

test.before(async () => {
  const rel = 'mrt/rib/rib.20140523.0600_firstMB.complete-records.gz';
  feeds = [await peerFeed(rel, (peers) => peers[0].index), await peerFeed(rel, (peers) => peers[1].index)];
  assert.is.not(feeds[0].peer.asn, feeds[1].peer.asn);
  btrd = await startBtrd(`
router-id: 10.0.2.10
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
resolve-all-next-hops: true
replicas: 3
replication:
  mode: continuous-majority
  max-round-updates: 400
  controller: { restart-backoff-ms: 100, wrong-threshold: { m: 2, w: 6 } }
  knobs:
    - { impl: b, order-seed: 1 }
    - { impl: a, order-seed: 2, fault: { flip-next-hop-bit: { bit: 0 }, only-impl: a } }
    - { impl: b, order-seed: 3, reverse-scan: true }
peers:
  - { name: inj0, address: ${INJ[0].addr}, remote-as: ${feeds[0].peer.asn}, passive: true }
  - { name: inj1, address: ${INJ[1].addr}, remote-as: ${feeds[1].peer.asn}, passive: true }
  - { name: gobgp, address: ${GOBGP.addr}, port: ${GOBGP.port}, remote-as: ${GOBGP.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1, next-hop-address: { ipv4: ${NH} } }
`);
  gobgp = await Gobgp.start({ asn: GOBGP.asn, routerId: '10.0.2.20', listenAddress: GOBGP.addr, listenPort: GOBGP.port, apiPort: GOBGP.api, neighbors: [{ address: BTRD.addr, asn: BTRD.asn, port: BTRD.port, passive: true }] });
  await gobgp.waitEstablished(BTRD.addr, 30_000);
  for (const [i, f] of feeds.entries()) {
    inj.push(await Injector.connect({ remoteAddress: BTRD.addr, remotePort: BTRD.port, localAddress: INJ[i].addr, localAs: f.peer.asn, routerId: `10.0.2.${11 + i}` }));
  }
  // Both tables at once, in slices: many voted rounds (max-round-updates 400) with both peers' paths.
  const step = 500;
  for (let at = 0; at < Math.max(...feeds.map((f) => f.messages.length)); at += step) {
    for (const [i, f] of feeds.entries()) if (at < f.messages.length) await inj[i].send(f.messages.slice(at, at + step));
  }
  for (const x of inj) await x.sendEndOfRib();
});

test.after(async () => {
  for (const x of inj) await x.close().catch(() => undefined);
  await btrd?.stop().catch(() => undefined);
  await gobgp?.stop();
});

test('nothing wrong reaches GoBGP; the wrong replica is restarted, re-synced and back in the vote', async () => {
  const union = new Set([...feeds[0].routes.keys(), ...feeds[1].routes.keys()]);
  const contested = [...union].filter((p) => feeds[0].routes.has(p) && feeds[1].routes.has(p) && pathLength(feeds[0].routes.get(p)!.asPath) !== pathLength(feeds[1].routes.get(p)!.asPath));
  assert.ok(contested.length > 1000, `prefixes where AS_PATH length decides: ${contested.length}`);
  await waitFor(`GoBGP to hold ${union.size} prefixes`, () => (gobgp.count() >= union.size ? true : undefined), 90_000, 500);
  const set = btrd.speaker.replicas!;
  await waitFor('the faulty replica restarted and back in the vote', () => {
    const st = set.controllerStatus();
    return st.replicas[1].generation >= 1 && st.replicas[1].state === 'voting' ? true : undefined;
  }, 60_000, 200);
  await btrd.speaker.settled();
  const st = set.controllerStatus();
  assert.is(st.replicas[1].lastVerdict?.cause, 'wrong', JSON.stringify(st.replicas[1].lastVerdict));
  assert.match(st.replicas[1].lastVerdict!.evidence, /minority/);
  assert.is(st.replicas[1].knobs.impl, 'b', 'restarted with the other implementation');
  assert.ok(st.resyncs.completed >= 1);
  assert.is(st.voting, 3);
  assert.equal(st.replicas.filter((r) => r.index !== 1).map((r) => r.generation), [0, 0]);
  // GoBGP's own view against the RFC rule on the MRT data.
  const routes = gobgp.routes();
  assert.is(routes.length, union.size, 'one path per prefix at GoBGP');
  let shorter = 0;
  for (const r of routes) {
    const cands = [feeds[0].routes.get(r.prefix), feeds[1].routes.get(r.prefix)].filter((x) => x !== undefined);
    assert.ok(cands.length > 0, `GoBGP has ${r.prefix}, which nobody announced`);
    const got = r.asPath.startsWith(`${BTRD.asn} `) ? r.asPath.slice(`${BTRD.asn} `.length) : r.asPath;
    assert.ok(cands.some((c) => c.asPath === got), `${r.prefix}: ${got} is not one of ${cands.map((c) => c.asPath).join(' | ')}`);
    assert.is(r.nextHop, NH);
    if (cands.length === 2 && pathLength(cands[0].asPath) !== pathLength(cands[1].asPath)) {
      const best = pathLength(cands[0].asPath) < pathLength(cands[1].asPath) ? cands[0] : cands[1];
      assert.is(got, best.asPath, `${r.prefix}: the shorter AS_PATH must win (RFC 4271 §9.1.2.2 a)`);
      shorter++;
    }
  }
  assert.is(shorter, contested.length);
  assert.ok(btrd.logs.some((l) => l.includes('judged faulty: wrong')), 'the verdict is logged with its evidence');
  assert.ok(btrd.logs.some((l) => l.includes('back in the vote')));
});

test('an operator restart (the API\'s POST /replicas/N/restart path) re-syncs the replica; GoBGP keeps every route', async () => {
  const set = btrd.speaker.replicas!;
  const before = gobgp.count();
  await btrd.speaker.restartReplica(0);
  await waitFor('replica 0 back in the vote', () => (set.controllerStatus().replicas[0].generation === 1 && set.controllerStatus().replicas[0].state === 'voting' ? true : undefined), 60_000, 200);
  assert.is(set.controllerStatus().operatorRestarts, 1);
  let refused = '';
  await btrd.speaker.restartReplica(7).catch((e: Error) => (refused = e.message));
  assert.match(refused, /no replica 7/);
  await btrd.speaker.settled();
  assert.is(gobgp.count(), before);
  assert.ok(gobgp.routes().every((r) => r.nextHop === NH));
});

test.run();
