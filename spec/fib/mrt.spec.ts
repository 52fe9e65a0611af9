import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fib, MrtFibBackend, dumpFibToMrt } from '../../lib/fib/index.js';
import { readMrt, type RibRecord } from '../../lib/mrt/index.js';
import { formatPrefix, ipv4Key, parsePrefix } from '../../lib/wire/prefix.js';
import { formatIpv6, parseIpv6 } from '../../lib/wire/address.js';

const test = suite('fib/mrt');
const dir = mkdtempSync(join(tmpdir(), 'btrd-fib-mrt-'));
const P = parsePrefix;

/** bgpdump -m lines → "prefix nexthop" pairs (columns 6 and 9), IPv6 in RFC 5952 form. */
function bgpdumpPairs(file: string): string[] {
  const out = execFileSync('bgpdump', ['-m', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const norm = (a: string): string => (a.includes(':') ? formatIpv6(parseIpv6(a)) : a);
  return out
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('TABLE_DUMP2'))
    .map((l) => {
      const c = l.split('|');
      const [addr, len] = c[5].split('/');
      return `${formatPrefix(P(`${norm(addr)}/${len}`))} ${norm(c[8])}`;
    })
    .sort();
}

function fibPairs(fib: Iterable<{ prefix: string | number; nextHops: readonly string[] }>): string[] {
  const out: string[] = [];
  for (const e of fib) for (const h of e.nextHops) out.push(`${formatPrefix(e.prefix)} ${h}`);
  return out.sort();
}

function sample(): Fib {
  const fib = new Fib();
  fib.set(P('0.0.0.0/0'), ['192.0.2.254'], 1);
  fib.set(P('10.0.0.0/8'), ['192.0.2.1'], 2);
  fib.set(P('198.51.100.0/24'), ['192.0.2.1', '192.0.2.2'], 3); // ECMP: one RIB entry per next hop
  fib.set(P('203.0.113.7/32'), ['192.0.2.3'], 4);
  fib.set(P('2001:db8::/32'), ['2001:db8:ffff::1'], 5);
  fib.set(P('2001:db8:1::/48'), ['2001:db8:ffff::1', '2001:db8:ffff::2'], 6);
  for (let i = 0; i < 3000; i++) fib.set(ipv4Key((0x64000000 + i * 256) >>> 0, 24), [`192.0.2.${1 + (i % 200)}`], 100 + i);
  return fib;
}

test('a TABLE_DUMP_V2 dump of the FIB reads back in bgpdump -m: every prefix and next hop (IPv4, IPv6, ECMP)', async () => {
  const fib = sample();
  for (const gz of [false, true]) {
    const file = join(dir, gz ? 'fib.mrt.gz' : 'fib.mrt');
    const res = await dumpFibToMrt(fib.snapshot(), file, { peer: { bgpId: '192.0.2.100', ip: '192.0.2.100', asn: 65010 } });
    assert.is(res.records, fib.size + 1);
    assert.equal(bgpdumpPairs(file), fibPairs(fib));
  }
  // Our own reader agrees on the prefixes, in key order.
  const back: RibRecord[] = [];
  for await (const r of readMrt(join(dir, 'fib.mrt'))) if (r.kind === 'rib') back.push(r);
  assert.equal(back.map((r) => r.prefix), [...fib].map((e) => e.prefix));
  assert.is(back.find((r) => r.prefix === P('198.51.100.0/24'))!.entries.length, 2);
});

test('MrtFibBackend dumps a snapshot: writes during the dump do not show in the file', async () => {
  const backend = new MrtFibBackend({ path: (n) => join(dir, `periodic-${n}.mrt`) });
  await backend.reconcile(sample());
  const expected = fibPairs(backend.fib);
  const dumping = backend.dump();
  // Updates go on while the file is written.
  for (let i = 0; i < 3000; i++) await backend.apply([{ prefix: ipv4Key((0x64000000 + i * 256) >>> 0, 24), entry: null }]);
  await backend.apply([{ prefix: P('192.0.2.0/24'), entry: { prefix: P('192.0.2.0/24'), nextHops: ['10.0.0.1'], routeId: 9 } }]);
  const r = await dumping;
  assert.equal(bgpdumpPairs(r.path), expected);
  assert.is(backend.fib.size, 7);
  const r2 = await backend.dump();
  assert.equal(bgpdumpPairs(r2.path), fibPairs(backend.fib));
  await backend.close();
});

test('periodic dumps run at the configured interval', async () => {
  const results: string[] = [];
  const backend = new MrtFibBackend({ path: (n) => join(dir, `tick-${n}.mrt`), intervalMs: 30, onDump: (r) => results.push(r instanceof Error ? r.message : r.path) });
  await backend.apply([{ prefix: P('10.0.0.0/8'), entry: { prefix: P('10.0.0.0/8'), nextHops: ['192.0.2.1'], routeId: 1 } }]);
  await new Promise((r) => setTimeout(r, 120));
  await backend.close();
  assert.ok(results.length >= 2, `${results.length} dumps`);
  assert.equal(bgpdumpPairs(results[0]), ['10.0.0.0/8 192.0.2.1']);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
