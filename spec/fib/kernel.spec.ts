/**
 * Kernel backend against a real Linux routing table, inside a network namespace this file creates
 * (`btrd-fib-test-<pid>`) and always deletes. Next hops are on a veth pair with addresses inside the
 * namespace. When namespaces cannot be created (no root, no CAP_SYS_ADMIN, no iproute2), every test is
 * skipped with the reason printed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { Fib, KernelFibBackend, KernelFibError, diffFibs, parseIpRoutes, type FibEntry } from '../../lib/fib/index.js';
import { formatPrefix, ipv4Key, parsePrefix, type PrefixKey } from '../../lib/wire/prefix.js';

const test = suite('fib/kernel');
const NS = `btrd-fib-test-${process.pid}`;
const TABLE = 4242;
const PROTO = 201;
const P = parsePrefix;
let skip: string | null = null;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

test.before(() => {
  try {
    ip('netns', 'add', NS);
  } catch (e) {
    skip = `cannot create a network namespace (${(e as Error).message.split('\n')[0]})`;
    console.log(`SKIP fib/kernel: ${skip}`);
    return;
  }
  ip('-n', NS, 'link', 'set', 'lo', 'up');
  ip('-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
  ip('-n', NS, 'link', 'set', 'v0', 'up');
  ip('-n', NS, 'link', 'set', 'v1', 'up');
  ip('-n', NS, 'addr', 'add', '10.0.0.1/24', 'dev', 'v0');
  ip('-n', NS, 'addr', 'add', '2001:db8::1/64', 'dev', 'v0', 'nodad');
});

test.after(() => {
  if (skip === null) ip('netns', 'del', NS);
});

/** The table as `ip -n NS -j route show table T` prints it (all protocols), parsed. */
function kernelTable(): Map<PrefixKey, string[]> {
  const out = new Map<PrefixKey, string[]>();
  for (const fam of ['-4', '-6']) {
    for (const [k, v] of parseIpRoutes(ip('-n', NS, '-j', fam, 'route', 'show', 'table', String(TABLE)), fam === '-6')) out.set(k, v);
  }
  return out;
}

function fibTable(fib: Iterable<FibEntry>): Map<PrefixKey, string[]> {
  return new Map([...fib].map((e) => [e.prefix, [...e.nextHops].sort()]));
}

function assertKernelIs(fib: Iterable<FibEntry>, extra: Map<PrefixKey, string[]> = new Map()): void {
  const want = new Map([...fibTable(fib), ...extra]);
  const have = kernelTable();
  const fmt = (m: Map<PrefixKey, string[]>): string[] => [...m].map(([k, v]) => `${formatPrefix(k)} ${v.join(',')}`).sort();
  assert.equal(fmt(have), fmt(want));
}

function sampleFib(n: number): Fib {
  const fib = new Fib();
  fib.set(P('0.0.0.0/0'), ['10.0.0.254'], 1);
  fib.set(P('192.0.2.0/24'), ['10.0.0.2', '10.0.0.3'], 2); // ECMP
  fib.set(P('203.0.113.9/32'), ['10.0.0.4'], 3);
  fib.set(P('2001:db8:100::/48'), ['2001:db8::2'], 4);
  fib.set(P('2001:db8:200::/48'), ['2001:db8::2', '2001:db8::3'], 5); // IPv6 ECMP
  fib.set(P('::/0'), ['2001:db8::fe'], 6);
  for (let i = 0; i < n; i++) fib.set(ipv4Key((0x64000000 + i * 256) >>> 0, 24), [`10.0.0.${2 + (i % 50)}`], 100 + i);
  return fib;
}

const opts = (): { table: number; protocol: number; netns: string } => ({ table: TABLE, protocol: PROTO, netns: NS });

test('apply installs IPv4, IPv6, ECMP, default and host routes; ip -j route show table T equals the FIB', async () => {
  if (skip) return console.log(`SKIP: ${skip}`);
  const fib = sampleFib(2000);
  const backend = new KernelFibBackend(opts());
  await backend.apply([...fib].map((e) => ({ prefix: e.prefix, entry: e })));
  assertKernelIs(fib);
  // The raw JSON too, for one ECMP route and its protocol.
  const raw = JSON.parse(ip('-n', NS, '-j', 'route', 'show', 'table', String(TABLE), '192.0.2.0/24')) as { protocol: string; nexthops: { gateway: string }[] }[];
  assert.is(raw[0].protocol, String(PROTO));
  assert.equal(raw[0].nexthops.map((h) => h.gateway), ['10.0.0.2', '10.0.0.3']);
  // Deletes, including one of a route the kernel does not have (idempotent).
  const batch = fib.apply([
    { prefix: P('203.0.113.9/32'), entry: null },
    { prefix: P('2001:db8:100::/48'), entry: null },
  ]);
  await backend.apply([...batch, { prefix: P('198.18.0.0/15'), entry: null }]);
  assertKernelIs(fib);
  await backend.close();
});

test('failover: one hash-tree diff against replica R, one batch, and the kernel equals R', async () => {
  if (skip) return console.log(`SKIP: ${skip}`);
  const fib = sampleFib(2000);
  const backend = new KernelFibBackend(opts());
  await backend.reconcile(fib);
  assertKernelIs(fib);
  // Replica R disagrees on 60 entries: changed next hops, missing and extra prefixes.
  const r = new Fib();
  r.resetTo(fib);
  const all = fib.toArray();
  for (let i = 0; i < 20; i++) r.set(all[10 + i * 50].prefix, ['10.0.0.99'], 7);
  for (let i = 0; i < 20; i++) r.delete(all[11 + i * 50].prefix);
  for (let i = 0; i < 20; i++) r.set(ipv4Key((0x0a800000 + i * 65536) >>> 0, 16), ['10.0.0.98'], 8);
  const diffs = diffFibs(fib, r);
  assert.is(diffs.length, 60);
  const batch = fib.applyFrom(r, diffs);
  await backend.apply(batch);
  assertKernelIs(r);
  await backend.close();
});

test('restart: a new backend instance reconciles — stale routes of its protocol go, other protocols stay', async () => {
  if (skip) return console.log(`SKIP: ${skip}`);
  const before = sampleFib(500);
  const first = new KernelFibBackend(opts());
  await first.reconcile(before);
  await first.close(); // routes stay in the kernel, as after a crash
  // Someone else's route in the same table, and a route of our protocol btrd no longer has.
  ip('-n', NS, 'route', 'add', '198.51.100.0/24', 'via', '10.0.0.77', 'table', String(TABLE), 'proto', 'static');
  // While btrd was down the voted table changed.
  const after = new Fib();
  after.resetTo(before);
  after.delete(P('192.0.2.0/24'));
  after.set(P('2001:db8:100::/48'), ['2001:db8::3'], 9);
  after.set(P('100.0.5.0/24'), ['10.0.0.60', '10.0.0.61'], 10);
  for (let i = 100; i < 200; i++) after.delete(ipv4Key((0x64000000 + i * 256) >>> 0, 24));
  const { backend, reconciled } = await KernelFibBackend.start(opts(), after);
  assert.equal(reconciled, { installed: 2, removed: 101, unchanged: after.size - 2 });
  assertKernelIs(after, new Map([[P('198.51.100.0/24'), ['10.0.0.77']]]));
  // Reconciling again changes nothing.
  assert.equal(await backend.reconcile(after), { installed: 0, removed: 0, unchanged: after.size });
  // And an empty FIB removes only our routes.
  await backend.reconcile([]);
  assertKernelIs([], new Map([[P('198.51.100.0/24'), ['10.0.0.77']]]));
  await backend.close();
});

test('routes the kernel refuses are reported as a typed KernelFibError; the rest of the batch is installed', async () => {
  if (skip) return console.log(`SKIP: ${skip}`);
  const backend = new KernelFibBackend(opts());
  const good: FibEntry = { prefix: P('172.16.1.0/24'), nextHops: ['10.0.0.5'], routeId: 1 };
  const bad: FibEntry = { prefix: P('172.16.2.0/24'), nextHops: ['172.31.0.1'], routeId: 2 }; // gateway not on a connected subnet
  try {
    await backend.apply([{ prefix: bad.prefix, entry: bad }, { prefix: good.prefix, entry: good }]);
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, KernelFibError);
    const err = e as KernelFibError;
    assert.is(err.code, 'BTRD_ERR_FIB_KERNEL');
    assert.is(err.failures.length, 1);
    assert.match(err.failures[0].command, '172.16.2.0/24');
  }
  assert.equal(kernelTable().get(good.prefix), ['10.0.0.5']);
  await backend.reconcile([]);
  await backend.close();
});

test.run();
