/**
 * The kernel FIB backend end to end, inside a network namespace this file creates (`btrd-fib-e2e-<pid>`,
 * always deleted): the btrd daemon runs in it (`ip netns exec`), a BGP peer in the same namespace
 * (spec/fib/netns-peer.ts, lib/inject's Injector) sends one route-views peer's real table, and the kernel
 * routing table (`ip -j route show table T`) must equal the routes of the MRT dump (the oracle: parsed
 * straight from the dump, not through btrd) and btrd's own FIB (its MRT dump, read by `bgpdump -m`).
 * Next hops are made reachable by addresses on a veth pair in the namespace.
 *
 *   1. replicas 1: start-up reconciliation removes a stale btrd route, keeps another protocol's route;
 *      kernel = feed = bgpdump(btrd's dump); SIGTERM with on-shutdown keep leaves the routes.
 *   2. restart, replicas 3 (voted), startup-hold: the previous run's routes stay during the hold, then
 *      reconciliation removes what btrd no longer has; kernel = feed; SIGTERM with on-shutdown remove
 *      empties btrd's routes and leaves the other protocol's.
 *   3. master fail-over with the kernel backend (ReplicaSet + FibWriter in this process, writing into the
 *      namespace): the master is wrong, its corrections are dropped, and the fail-over rewrite (one
 *      hash-tree diff + one batch) alone brings the kernel table to the correct state.
 * Skipped (with the reason printed) when namespaces cannot be created.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseIpRoutes } from '../../lib/fib/backends/kernel.js';
import { FibWriter } from '../../lib/fib/writer.js';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { ReplicaSet } from '../../lib/replica/replica-set.js';
import type { ReplicaKnobs } from '../../lib/replica/knobs.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { formatPrefix, parsePrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { formatIpv6, parseIpv6 } from '../../lib/wire/address.js';
import { peerFeed, type PeerFeed } from '../interop/setup.js';
import { ENGINE, loadRawJinx, makeRounds } from '../replica/feed.js';

const test = suite('fib/netns');
const NS = `btrd-fib-e2e-${process.pid}`;
const TABLE = 4243;
const PROTO = 202;
const FOREIGN_PROTO = 203;
const BTRD = { addr: '127.0.3.1', port: 23001 };
const PEER = '127.0.3.2';
const PEER6 = '127.0.3.3';
const here = fileURLToPath(new URL('.', import.meta.url));
const BTRD_JS = join(here, '../../daemons/btrd.js');
const PEER_JS = join(here, 'netns-peer.js');

let skip: string | null = null;
let dir = '';
let feed: PeerFeed;
/** An IPv6 peer's table (MP-BGP over the IPv4 session, RFC 4760), run 1 only. */
let feed6: PeerFeed;
/** The oracle: prefix text → next hop, straight from the MRT dumps. */
let want = new Map<string, string>();
let want6 = new Map<string, string>();

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** btrd's routes in the table (prefix text → next hops), as `ip -j route show` prints them. */
function kernelRoutes(table = TABLE, proto = PROTO): Map<string, string> {
  const out = new Map<string, string>();
  for (const fam of ['-4', '-6']) {
    let json = '';
    try {
      json = ip('-n', NS, '-j', fam, 'route', 'show', 'table', String(table), 'proto', String(proto));
    } catch {
      continue; // the table does not exist yet for this family
    }
    for (const [k, v] of parseIpRoutes(json, fam === '-6')) out.set(formatPrefix(k), v.join(','));
  }
  return out;
}

function firstDifference(a: Map<string, string>, b: Map<string, string>): string | null {
  for (const [p, h] of a) if (b.get(p) !== h) return `${p}: ${h} vs ${b.get(p) ?? 'absent'} (sizes ${a.size}, ${b.size})`;
  for (const p of b.keys()) if (!a.has(p)) return `${p} only on the right (sizes ${a.size}, ${b.size})`;
  return null;
}

async function waitFor<T>(what: string, f: () => T | undefined, ms: number, every = 250): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Addresses on the veth in the namespace so that every next hop is on a connected /24 (or /64). */
function makeReachable(next: Iterable<string>): void {
  const hops = [...new Set(next)];
  const nets = new Set<string>();
  const nets6 = new Set<string>();
  for (const h of hops) {
    if (h.includes(':')) {
      // An address in the next hop's /64 (RFC 5952 text of a /64 network ends in "::").
      nets6.add(formatPrefix(parsePrefix(`${h}/64`)).replace(/\/64$/, ''));
      continue;
    }
    const [a, b, c] = h.split('.');
    nets.add(`${a}.${b}.${c}`);
  }
  for (const n of nets) {
    const taken = new Set(hops.filter((h) => h.startsWith(`${n}.`)).map((h) => Number(h.split('.')[3])));
    let host = 254;
    while (taken.has(host)) host--;
    try {
      ip('-n', NS, 'addr', 'add', `${n}.${host}/24`, 'dev', 'v0');
    } catch {
      // already there (an earlier test)
    }
  }
  for (const n of nets6) {
    try {
      ip('-n', NS, 'addr', 'add', `${n}fffe/64`, 'dev', 'v0', 'nodad');
    } catch {
      // already there
    }
  }
}

function bgpdumpRoutes(file: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = execFileSync('bgpdump', ['-m', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f.length < 9 || f[0] !== 'TABLE_DUMP2') continue;
    // Prefix and next hop in lib/wire's text form (bgpdump writes IPv6 in its own spelling).
    out.set(formatPrefix(parsePrefix(f[5])), f[8].includes(':') ? formatIpv6(parseIpv6(f[8])) : f[8]);
  }
  return out;
}

interface Daemon {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

function startBtrd(name: string, replicas: number, fib: string, withV6 = false): Daemon {
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(cfg, `
router-id: 10.255.3.1
asn: 64512
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
log: { level: info }
replicas: ${replicas}
peers:
  - { name: feed, address: ${PEER}, remote-as: ${feed.peer.asn}, passive: true, hold-time: 30 }
${withV6 ? `  - { name: feed6, address: ${PEER6}, remote-as: ${feed6.peer.asn}, passive: true, hold-time: 30, families: [ipv6-unicast] }` : ''}
fib:
${fib}
`);
  const log = createWriteStream(join(dir, `${name}.log`));
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, BTRD_JS, '-c', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited };
}

function startPeer(v6 = false): { child: ChildProcess; sent: Promise<string> } {
  const f = v6 ? feed6 : feed;
  const file = join(dir, v6 ? 'feed6.bin' : 'feed.bin');
  if (!existsSync(file)) {
    const parts: Buffer[] = [];
    for (const m of f.messages) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(m.length);
      parts.push(len, Buffer.from(m));
    }
    writeFileSync(file, Buffer.concat(parts));
  }
  const args = JSON.stringify({ remote: BTRD.addr, port: BTRD.port, local: v6 ? PEER6 : PEER, asn: f.peer.asn, routerId: v6 ? '10.255.3.3' : '10.255.3.2', file, ipv6: v6 });
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, PEER_JS, args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const sent = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('sent') || out.includes('no session')) resolve(out.trim());
    });
    child.on('exit', (code) => reject(new Error(`peer exited with ${code}: ${out}`)));
  });
  return { child, sent };
}

async function stopPeer(p: { child: ChildProcess }): Promise<void> {
  const done = new Promise((r) => p.child.on('exit', r));
  p.child.stdin!.end();
  await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
  if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

async function stopBtrd(d: Daemon): Promise<number | null> {
  d.child.kill('SIGTERM');
  return Promise.race([d.exited, new Promise<number | null>((r) => setTimeout(() => r(-1), 30_000))]);
}

test.before(async () => {
  try {
    ip('netns', 'add', NS);
  } catch (e) {
    skip = `cannot create a network namespace (${(e as Error).message.split('\n')[0]})`;
    console.log(`SKIP fib/netns: ${skip}`);
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'btrd-fib-e2e-'));
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  ip('-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ip('-n', NS, 'link', 'set', 'v0', 'up');
  ip('-n', NS, 'link', 'set', 'v1', 'up');
  ip('-n', NS, 'addr', 'add', '10.99.0.1/24', 'dev', 'v0');
  feed = await peerFeed('mrt/rib/rib.20140523.0600_firstMB.complete-records.gz', (peers) => peers[0].index);
  want = new Map([...feed.routes].map(([p, r]) => [p, r.nextHop]));
  makeReachable(want.values());
  feed6 = await peerFeed('mrt/rib/rib6.20151101.0600_firstMB.complete-records.gz', (peers) => peers[0].index);
  want6 = new Map([...feed6.routes].map(([p, r]) => [p, r.nextHop]));
  makeReachable(want6.values());
});

test.after(() => {
  if (skip !== null) return;
  try {
    ip('netns', 'del', NS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replicas 1 in the namespace, IPv4 and IPv6 peers: start-up reconcile, kernel table = feeds = btrd\'s MRT dump (bgpdump); SIGTERM keeps the routes', async () => {
  if (skip) return;
  // A route btrd no longer has (a previous run's) and another protocol's route in the same table.
  ip('-n', NS, 'route', 'add', '198.51.100.0/24', 'via', '10.99.0.2', 'table', String(TABLE), 'proto', String(PROTO));
  ip('-n', NS, 'route', 'add', '198.18.0.0/15', 'via', '10.99.0.3', 'table', String(TABLE), 'proto', String(FOREIGN_PROTO));
  const mrt = join(dir, 'fib1.mrt');
  const d = startBtrd('run1', 1, `  backend: [kernel, mrt]
  kernel: { table: ${TABLE}, protocol: ${PROTO}, on-shutdown: keep }
  mrt: { path: ${mrt}, interval-ms: 1000 }`, true);
  const peer = startPeer();
  const peer6 = startPeer(true);
  const both = new Map([...want, ...want6]);
  try {
    assert.match(await peer.sent, /^sent \d+/);
    assert.match(await peer6.sent, /^sent \d+/);
    assert.ok(want.size > 5000 && want6.size > 5000, `real tables: ${want.size} IPv4, ${want6.size} IPv6 routes`);
    await waitFor('the kernel table to hold the feeds', () => (kernelRoutes().size === both.size ? true : undefined), 90_000);
    assert.is(firstDifference(kernelRoutes(), both), null, 'kernel table = the feeds');
    assert.not.ok(kernelRoutes().has('198.51.100.0/24'), 'the stale route of btrd\'s protocol was reconciled away');
    assert.is(kernelRoutes(TABLE, FOREIGN_PROTO).get('198.18.0.0/15'), '10.99.0.3', 'another protocol\'s route is untouched');
    // btrd's own FIB, through its MRT dump: wait for a dump taken after convergence.
    const dumped = await waitFor('an MRT dump of the whole FIB', () => {
      if (!existsSync(mrt)) return undefined;
      const m = bgpdumpRoutes(mrt);
      return m.size === both.size ? m : undefined;
    }, 30_000, 500);
    assert.is(firstDifference(dumped, both), null, 'bgpdump -m of btrd\'s FIB dump = the feeds');
  } finally {
    // btrd first: the peer's going away would withdraw its routes (correctly) before on-shutdown matters.
    assert.is(await stopBtrd(d), 0, 'btrd exits 0 on SIGTERM');
    await stopPeer(peer);
    await stopPeer(peer6);
  }
  assert.is(firstDifference(kernelRoutes(), both), null, 'on-shutdown: keep left every route in place');
});

test('restart with 3 voted replicas, IPv4 peer only: the old routes stay during the start-up hold, then reconciliation removes what btrd no longer has (the IPv6 routes); SIGTERM removes them', async () => {
  if (skip) return;
  ip('-n', NS, 'route', 'add', '198.51.100.0/24', 'via', '10.99.0.2', 'table', String(TABLE), 'proto', String(PROTO));
  const d = startBtrd('run2', 3, `  backend: kernel
  kernel: { table: ${TABLE}, protocol: ${PROTO}, on-shutdown: remove, startup-hold-ms: 4000 }`);
  const t0 = Date.now();
  const peer = startPeer();
  try {
    await new Promise((r) => setTimeout(r, 1000));
    if (Date.now() - t0 < 3500) {
      const held = kernelRoutes();
      assert.ok(held.has('198.51.100.0/24') && held.has([...want6.keys()][0]), 'stale routes kept during the hold');
    }
    assert.match(await peer.sent, /^sent \d+/);
    await waitFor('reconciliation after the hold', () => (!kernelRoutes().has('198.51.100.0/24') ? true : undefined), 60_000);
    await waitFor('the kernel table to equal the feed', () => (firstDifference(kernelRoutes(), want) === null ? true : undefined), 90_000);
  } finally {
    assert.is(await stopBtrd(d), 0);
    await stopPeer(peer);
  }
  assert.is(kernelRoutes().size, 0, 'on-shutdown: remove took every btrd route out');
  assert.is(kernelRoutes(TABLE, FOREIGN_PROTO).get('198.18.0.0/15'), '10.99.0.3', 'another protocol\'s route is untouched');
});

test('master fail-over into the kernel: the rewrite alone (corrections dropped) makes the kernel table correct', async () => {
  if (skip) return;
  const table = TABLE + 1;
  const feeds = await loadRawJinx(3);
  const rounds = makeRounds(feeds, 3);
  const e = new RoutingEngine({ ...ENGINE, resolveNextHop: () => ({ igpCost: 0 }) });
  for (const f of feeds) e.addPeer(f.peer);
  for (const round of rounds) for (const u of round) e.applyUpdate(u.peerId, decodeUpdate(u.message.subarray(19), feeds[0].peer.codec));
  const reference = new Map<string, string>([...e.locRib()].map((r) => [formatPrefix(r.prefix), r.nextHop]));
  makeReachable(reference.values());
  const logs: string[] = [];
  const log = { info: (_f: object, m: string) => void logs.push(m), warn: (_f: object, m: string) => void logs.push(m), error: (f: object, m: string) => void logs.push(`${m} ${JSON.stringify(f)}`) };
  const writer = new FibWriter({ backends: ['kernel'], kernel: { table, protocol: PROTO, onShutdown: 'remove', netns: NS } }, log);
  await writer.start();
  const WRONG: ReplicaKnobs = { orderSeed: 3, fault: { wrongBestInRange: '0.0.0.0/2' } };
  const failovers: number[] = [];
  const set = new ReplicaSet({
    engine: ENGINE, replicas: [WRONG, { delayMs: 250 }, { orderSeed: 9, delayMs: 250 }], mode: 'master', roundDeadlineMs: 30_000, maxRoundUpdates: 100_000,
    onCorrection: () => undefined, // lost: only the fail-over rewrite can repair the FIB
    onFailover: (r) => {
      failovers.push(r);
      void writer.failover(r);
    },
  });
  await set.start();
  try {
    writer.attachReplicas(set);
    for (const f of feeds) writer.applyLocRib((await set.addPeer(f.peer)).locRib);
    for (const round of rounds) writer.applyLocRib((await set.applyRound(round)).locRib);
    await set.settle();
    await waitFor('the fail-over rewrite', () => (writer.stats().failoverRewrites > 0 ? true : undefined), 30_000, 100);
    await writer.failover(failovers[failovers.length - 1]); // queued after the first: everything written
    await writer.flushed();
    assert.ok(failovers.length > 0 && failovers.every((r) => r === 1 || r === 2));
    const fib = new Map(writer.fib.toArray().map((x) => [formatPrefix(x.prefix as PrefixKey), x.nextHops.join(',')]));
    assert.is(firstDifference(fib, reference), null, 'FIB = reference after the rewrite');
    assert.is(firstDifference(kernelRoutes(table), reference), null, 'kernel = reference after the rewrite');
    assert.is(writer.stats().kernelErrors, 0, logs.filter((l) => l.includes('kernel')).join('\n'));
  } finally {
    await writer.stop();
    await set.close();
  }
  assert.is(kernelRoutes(table).size, 0);
});

test.run();
