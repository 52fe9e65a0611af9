import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AuditSchedule, Fib, MemoryFibBackend, auditFib, diffFibs, sameFib, type FibRepairKind } from '../../lib/fib/index.js';
import { formatPrefix, ipv4Key, parsePrefix } from '../../lib/wire/prefix.js';

const test = suite('fib/audit');
const P = parsePrefix;

/** n distinct /24s spread over the space, with next hops from a few gateways. */
function table(n: number, build: Fib = new Fib()): Fib {
  for (let i = 0; i < n; i++) build.set(ipv4Key(((i * 2654435761) >>> 0) & 0xffffff00, 24), [`10.0.${i % 4}.1`], i % 1000);
  return build;
}

test('diff of two independently built 100k tables costs O(d · log n) digest comparisons, not O(n)', () => {
  const a = table(100_000);
  const b = table(100_000);
  a.digest();
  b.digest(); // warm the hash trees (O(n), once)
  const stats = { digestComparisons: 0 };
  assert.equal(diffFibs(a, b, stats), []);
  assert.is(stats.digestComparisons, 1, 'equal roots: one comparison');
  const all = a.toArray();
  const victim = all[54_321];
  b.set(victim.prefix, ['10.9.9.9'], 1);
  const s1 = { digestComparisons: 0 };
  const d = diffFibs(a, b, s1);
  assert.is(d.length, 1);
  assert.is(d[0].prefix, victim.prefix);
  assert.ok(s1.digestComparisons < 80, `${s1.digestComparisons} comparisons for one difference`);
  for (let i = 0; i < 100; i++) b.delete(all[i * 997].prefix);
  const s2 = { digestComparisons: 0 };
  assert.is(diffFibs(a, b, s2).length, 101);
  assert.ok(s2.digestComparisons < 101 * 80, `${s2.digestComparisons} comparisons for 101 differences`);
});

test('the audit finds a divergence injected into a replica state, logs and counts each repair, and repairs it', async () => {
  const reference = table(2000); // the voted state
  const replica = new Fib();
  replica.resetTo(reference);
  // Inject faults into the replica's own state (not its round output): one changed, one missing, one extra.
  const [x, y] = [[...reference][10], [...reference][20]];
  replica.set(x.prefix, ['10.66.0.1'], x.routeId);
  replica.delete(y.prefix);
  replica.set(P('203.0.113.0/24'), ['10.0.0.1'], 5);
  const lines: Record<string, unknown>[] = [];
  const counts: Record<FibRepairKind, number> = { missing: 0, extra: 0, changed: 0 };
  const backend = new MemoryFibBackend();
  await backend.reconcile(replica);
  const report = await auditFib({
    snapshot: replica.snapshot(),
    reference,
    target: replica,
    backends: [backend],
    name: 'replica 2',
    log: { warn: (fields) => lines.push(fields) },
    counter: { inc: ({ kind }) => counts[kind]++ },
  });
  assert.equal(counts, { missing: 1, extra: 1, changed: 1 });
  assert.is(lines.length, 3);
  assert.ok(lines.some((l) => l.prefix === formatPrefix(x.prefix) && l.kind === 'changed' && l.table === 'replica 2' && l.repaired === true));
  assert.is(report.repairs.length, 3);
  assert.ok(sameFib(replica, reference));
  assert.ok(sameFib(backend.fib, reference), 'backends receive the repair batch');
  // Report-only mode changes nothing.
  const other = table(10);
  other.delete([...other][0].prefix);
  const r2 = await auditFib({ snapshot: other, reference: table(10) });
  assert.is(r2.differences.length, 1);
  assert.is(r2.repairs.length, 0);
  assert.is(other.size, 9);
});

test('AuditSchedule runs at its interval and after the input is idle, never twice at once', async () => {
  let runs = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const s = new AuditSchedule({
    intervalMs: 40,
    idleMs: 15,
    run: async () => {
      runs++;
      maxConcurrent = Math.max(maxConcurrent, ++concurrent);
      await new Promise((r) => setTimeout(r, 5));
      concurrent--;
    },
  });
  s.start();
  await new Promise((r) => setTimeout(r, 25));
  assert.ok(runs >= 1, 'idle trigger ran before the first interval');
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(runs >= 3, `${runs} runs`);
  await Promise.all([s.runNow(), s.runNow()]);
  await s.stop();
  assert.is(maxConcurrent, 1);
});

test.run();
