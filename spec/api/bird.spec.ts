/**
 * The API and btrctl against a running btrd daemon (the real binary, 3 voted replicas) peered with a real
 * BIRD; every answer is checked against BIRD's own view of the same routes.
 *
 *   injector (real RouteViews routes) ──► BIRD 127.0.4.41 ──eBGP──► btrd 127.0.4.40 ──eBGP──► BIRD 127.0.4.42
 *                                                                  (API 127.0.4.40:24440)      ("back": keeps what
 *                                                                                               btrd advertises)
 * Oracles: BIRD's `show protocols all` (routes exported to btrd), `show route for ADDR` (BIRD's own
 * longest match), the second BIRD's `show route all` (what btrd advertised, as BIRD received it).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bird } from '../helpers/bird.js';
import { startProcess, tempDir, waitFor, type Started } from '../helpers/processes.js';
import { Injector } from '../../lib/inject/injector.js';
import { peerFeed, type PeerFeed } from '../interop/setup.js';
import type { NeighborStatus, RouteQueryResult, VoterStatusJson, ReplicaStatusJson } from '../../lib/api/types.js';

const api = suite('api/bird');
const BTRD_BIN = fileURLToPath(new URL('../../daemons/btrd.js', import.meta.url));
const BTRCTL = fileURLToPath(new URL('../../daemons/btrctl.js', import.meta.url));

// Private 4-octet ASNs (RFC 6996): 2-octet private ASNs occur in the real paths and would be loops.
const BTRD = { addr: '127.0.4.40', port: 24400, asn: 4200000440, api: '127.0.4.40:24440' };
const BIRD = { addr: '127.0.4.41', port: 24401, asn: 4200000441 };
const BACK = { addr: '127.0.4.42', port: 24402, asn: 4200000442 };
const INJ = '127.0.4.43';
const TOKEN = 'spec-token-0123456789abcdef';

let feed: PeerFeed;
let bird: Bird;
let birdBack: Bird;
let btrd: Started;
let inj: Injector;
let tmp: { dir: string; remove(): void };

function btrctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BTRCTL, '--api', BTRD.api, ...args], { timeout: 30000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function btrctlJson<T>(...args: string[]): Promise<T> {
  const r = await btrctl('--json', ...args);
  assert.is(r.code, 0, `btrctl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The API directly (btrctl --json prints the same bodies; spawning it for every prefix is slow under load). */
async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(`http://${BTRD.api}${path}`);
  assert.is(res.status, 200, path);
  return (await res.json()) as T;
}

/** BIRD's "Routes: N imported, M exported" for a protocol. */
function birdExported(name: string): number {
  const m = bird.birdc(`show protocols all ${name}`).match(/Routes:\s+(\d+) imported, (?:\d+ filtered, )?(\d+) exported/);
  return m ? Number(m[2]) : -1;
}

api.before(async () => {
  // A partial feed (AS5056, 2,629 routes): big enough for real longest matches, small enough to stay fast.
  feed = await peerFeed('mrt/rib/rib.20140523.0600_firstMB.complete-records.gz', (peers) => peers.find((p) => p.ip === '167.142.3.6')?.index ?? peers[0].index);
  tmp = tempDir('api-bird');
  const conf = join(tmp.dir, 'btrd.yaml');
  writeFileSync(conf, `
router-id: 10.0.4.40
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
replicas: 3
api: { listen: "${BTRD.api}", enable-write: true, write-token: "${TOKEN}" }
log: { level: info, pretty: false }
peers:
  - { name: bird, address: ${BIRD.addr}, port: ${BIRD.port}, remote-as: ${BIRD.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1 }
  - { name: back, address: ${BACK.addr}, port: ${BACK.port}, remote-as: ${BACK.asn}, local-address: ${BTRD.addr}, connect-retry-time: 1, idle-hold-time: 1 }
`);
  btrd = startProcess(process.execPath, [BTRD_BIN, '-c', conf], { logFile: join(tmp.dir, 'btrd.log') });
  await waitFor('btrd API', async () => ((await fetch(`http://${BTRD.api}/status`).catch(() => null))?.ok ? true : undefined), 20000);
  bird = await Bird.start({
    routerId: '10.0.4.41',
    asn: BIRD.asn,
    localAddress: BIRD.addr,
    localPort: BIRD.port,
    peers: [
      { name: 'inj', neighbor: INJ, neighborPort: 24403, asn: feed.peer.asn, passive: true, ipv4: { import: 'all', export: 'none' } },
      { name: 'btrd', neighbor: BTRD.addr, neighborPort: BTRD.port, asn: BTRD.asn, ipv4: { import: 'none', export: 'all' } },
    ],
  });
  birdBack = await Bird.start({
    routerId: '10.0.4.42',
    asn: BACK.asn,
    localAddress: BACK.addr,
    localPort: BACK.port,
    peers: [{ name: 'btrd', neighbor: BTRD.addr, neighborPort: BTRD.port, asn: BTRD.asn, ipv4: { import: 'all', export: 'none' } }],
  });
  inj = await Injector.connect({ remoteAddress: BIRD.addr, remotePort: BIRD.port, localAddress: INJ, localAs: feed.peer.asn, routerId: '10.0.4.43' });
  await inj.send(feed.messages);
  await inj.sendEndOfRib();
});

api.after(async () => {
  await inj?.close().catch(() => undefined);
  await btrd?.stop(5000);
  await bird?.stop();
  await birdBack?.stop();
  tmp?.remove();
});

api('show neighbors: state and prefix counts agree with BIRD', async () => {
  const n = feed.routes.size;
  await waitFor(`BIRD to export ${n} routes to btrd`, () => (birdExported('btrd') === n ? true : undefined), 60000, 500);
  const list = await waitFor('btrd to count them', async () => {
    const l = await apiGet<NeighborStatus[]>('/neighbors');
    const b = l.find((x) => x.name === 'bird');
    return b && b.prefixesAccepted === n ? l : undefined;
  }, 60000, 500);
  const b = list.find((x) => x.name === 'bird')!;
  assert.is(b.state, 'established');
  assert.is(b.prefixesReceived, birdExported('btrd'));
  assert.is(b.address, BIRD.addr);
  assert.ok((b.uptimeSeconds ?? -1) >= 0);
  assert.ok((b.messagesIn?.update ?? 0) > 0 && (b.messagesIn?.open ?? 0) >= 1 && (b.messagesOut?.open ?? 0) >= 1);
  // What btrd advertises to "back" is what the second BIRD imported.
  await waitFor('the second BIRD to import every route from btrd', async () => {
    const back = (await apiGet<NeighborStatus[]>('/neighbors')).find((x) => x.name === 'back')!;
    const imported = birdBack.birdc('show protocols all btrd').match(/Routes:\s+(\d+) imported/)?.[1];
    return back.prefixesAdvertised === n && Number(imported) === n ? true : undefined;
  }, 60000, 500);
  // The human table names both neighbours and their state.
  const human = await btrctl('show', 'neighbors');
  assert.is(human.code, 0);
  assert.match(human.stdout, /^Peer\s+Address\s+AS\s+State/);
  assert.match(human.stdout, new RegExp(`bird\\s+${BIRD.addr.replace(/\./g, '\\.')}\\s+${BIRD.asn}\\s+established`));
});

api('show routes PREFIX: the voted best equals the route BIRD exported (AS path, next hop, origin)', async () => {
  const prefixes = [...feed.routes.keys()].filter((_, i) => i % 100 === 0);
  assert.ok(prefixes.length >= 20);
  for (const [i, p] of prefixes.entries()) {
    const res = i < 3 ? await btrctlJson<RouteQueryResult>('show', 'routes', p) : await apiGet<RouteQueryResult>(`/routes?prefix=${encodeURIComponent(p)}`);
    assert.is(res.entries.length, 1, p);
    const best = res.entries[0].best!;
    const src = feed.routes.get(p)!;
    // RFC 4271 §5.1.2: BIRD prepended its AS; §5.1.3: eBGP next hop = BIRD's address.
    assert.is(best.asPath, `${BIRD.asn} ${src.asPath}`, p);
    assert.is(best.nextHop, BIRD.addr, p);
    assert.is(best.peer, 'bird', p);
    assert.is(best.origin, ['igp', 'egp', 'incomplete'][src.origin], p);
    assert.equal(best.communities, src.communities, p);
    assert.ok(res.replica !== null, 'answered by a replica');
  }
});

api('lookup IP: the longest match equals BIRD\'s own `show route for`', async () => {
  // Addresses inside real prefixes (more-specifics included), and one no route covers.
  const addrs = [...feed.routes.keys()].filter((_, i) => i % 100 === 7).map((p) => p.replace(/\.0\/\d+$/, '.1'));
  addrs.push('240.0.0.1');
  let compared = 0;
  for (const ip of addrs) {
    let birdAnswer: string;
    try {
      birdAnswer = bird.birdc(`show route for ${ip} table master4`);
    } catch (e) {
      birdAnswer = String((e as { stdout?: string }).stdout ?? ''); // "Network not found" exits non-zero
    }
    const birdPrefix = birdAnswer.match(/^(\d+\.\d+\.\d+\.\d+\/\d+)\s/m)?.[1] ?? null;
    const res = compared < 3 ? await btrctlJson<{ rib: RouteQueryResult }>('lookup', ip) : await apiGet<{ rib: RouteQueryResult }>(`/lookup?ip=${ip}`);
    const ours = res.rib.entries[0]?.prefix ?? null;
    assert.is(ours, birdPrefix, `lookup ${ip}`);
    compared++;
  }
  assert.ok(compared > 10);
  const human = await btrctl('lookup', addrs[0]);
  assert.match(human.stdout, /longest match \d+\.\d+\.\d+\.\d+\/\d+/);
});

api('show routes --peer back --advertised: btrd\'s Adj-RIB-Out equals what BIRD received on "back"', async () => {
  const res = await btrctlJson<RouteQueryResult>('show', 'routes', '--peer', 'back', '--advertised', '--limit', '100000');
  const received = birdBack.routes();
  assert.is(res.total, feed.routes.size);
  assert.is(res.entries.length, received.length);
  const ours = new Map(res.entries.map((e) => [e.prefix, e.best!]));
  for (const r of received) {
    const o = ours.get(r.prefix);
    assert.ok(o, `BIRD got ${r.prefix} from btrd; btrd does not list it as advertised`);
    assert.is(o.asPath, r.asPath, r.prefix);
    assert.is(o.nextHop, r.nextHop, r.prefix);
    // RFC 4271 §5.1.2: both eBGP hops prepended their AS to the injected path.
    assert.is(r.asPath, `${BTRD.asn} ${BIRD.asn} ${feed.routes.get(r.prefix)!.asPath}`, r.prefix);
  }
});

api('show replicas / votes / quarantine / fib answer, and /metrics carries the per-peer counts', async () => {
  const rep = await btrctlJson<{ replicas: ReplicaStatusJson[]; voter: VoterStatusJson }>('show', 'replicas');
  assert.is(rep.replicas.length, 3);
  for (const r of rep.replicas) assert.ok(r.rounds > 0 && r.alive, `replica ${r.index}`);
  assert.is(rep.voter.mode, 'continuous-majority');
  const votes = await btrctl('show', 'votes');
  assert.match(votes.stdout, /mode:\s+continuous-majority/);
  assert.is((await btrctl('show', 'quarantine')).code, 0);
  assert.is((await btrctl('show', 'fib')).code, 0);
  const metrics = await (await fetch(`http://${BTRD.api}/metrics`)).text();
  const accepted = metrics.match(/btrd_peer_prefixes\{peer="bird",table="accepted"\} (\d+)/)?.[1];
  assert.is(Number(accepted), birdExported('btrd'));
  assert.match(metrics, /btrd_bgp_messages_received_total\{peer="bird",type="update"\} \d+/);
  assert.match(metrics, /btrd_replica_round_seconds_bucket\{le="[^"]+",replica="0"\}/);
  assert.match(metrics, /btrd_nodejs_eventloop_lag_seconds \d/);
});

api('writes: refused without the token; soft-in sends ROUTE-REFRESH; hard reset re-establishes with BIRD', async () => {
  const noToken = await btrctl('reset', 'neighbor', 'bird', 'hard');
  assert.is(noToken.code, 1);
  assert.match(noToken.stderr, /401|token/);
  const before = (await btrctlJson<NeighborStatus[]>('show', 'neighbors')).find((x) => x.name === 'bird')!;
  assert.is((await btrctl('--token', TOKEN, 'reset', 'neighbor', 'bird', 'soft-in')).code, 0);
  // RFC 2918: BIRD answers the ROUTE-REFRESH by re-sending its routes (more UPDATEs arrive).
  await waitFor('route refresh answered', async () => {
    const n = (await apiGet<NeighborStatus[]>('/neighbors')).find((x) => x.name === 'bird')!;
    return n.messagesOut!['route-refresh'] > before.messagesOut!['route-refresh'] && n.messagesIn!.update > before.messagesIn!.update ? true : undefined;
  }, 30000, 300);
  assert.is((await btrctl('--token', TOKEN, 'reset', 'neighbor', 'bird', 'hard')).code, 0);
  const after = await waitFor('bird re-established after the reset', async () => {
    const n = (await apiGet<NeighborStatus[]>('/neighbors')).find((x) => x.name === 'bird')!;
    return n.state === 'established' && n.lastError ? n : undefined;
  }, 30000, 300);
  assert.match(after.lastError!.reason, /Administrative Reset/);
  await bird.waitEstablished('btrd', 30000);
  assert.is((await btrctl('--token', 'wrong-token-wrong-token', 'reload')).code, 1);
});

api('btrctl says clearly that btrd is not running (exit 3)', async () => {
  await btrd.stop(5000);
  const r = await btrctl('show', 'neighbors');
  assert.is(r.code, 3);
  assert.match(r.stderr, /btrd is not running/);
});

api.run();
