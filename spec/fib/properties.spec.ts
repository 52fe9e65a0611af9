/**
 * Property tests (issue 6 "Evidence"): random sequences of writes and snapshots against a Map model.
 * Prefixes come from a deliberately small space (a few leading bits, short lengths, some host routes) so
 * that nesting, shared paths and branch-node collapse happen all the time.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Fib, diffFibs, makeFibEntry, type FibEntry, type FibSnapshot } from '../../lib/fib/index.js';
import { describeRanges } from '../../lib/fib/remote-tree.js';
import { ipv4Key, ipv6Key, prefixContains, type PrefixKey } from '../../lib/wire/prefix.js';

const test = suite('fib/properties');
const RUNS = Number(process.env.FC_RUNS ?? 300);

const arbV4Prefix: fc.Arbitrary<PrefixKey> = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 255 }), fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(32), fc.integer({ min: 20, max: 24 })))
  .map(([hi, lo, len]) => ipv4Key(((hi << 26) | (lo << 4)) >>> 0, len));
const arbV6Prefix: fc.Arbitrary<PrefixKey> = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 255 }), fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(128), fc.integer({ min: 40, max: 72 })))
  .map(([hi, b, len]) => {
    const bytes = new Uint8Array(16);
    bytes[0] = 0x20 | hi;
    bytes[1] = b;
    bytes[7] = b;
    bytes[15] = b;
    return ipv6Key(bytes, 0, len);
  });
const arbPrefix = fc.oneof({ weight: 3, arbitrary: arbV4Prefix }, { weight: 1, arbitrary: arbV6Prefix });
const arbHops = fc.array(fc.constantFrom('192.0.2.1', '192.0.2.2', '2001:db8::1'), { minLength: 1, maxLength: 3 });

type Op = { kind: 'set'; prefix: PrefixKey; hops: string[]; route: number } | { kind: 'del'; prefix: PrefixKey } | { kind: 'snap' };
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), prefix: arbPrefix, hops: arbHops, route: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('del' as const), prefix: arbPrefix }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'snap' as const }) },
);

function model(m: Map<PrefixKey, FibEntry>): string[] {
  return [...m.values()].map((e) => JSON.stringify([e.prefix, e.nextHops, e.routeId])).sort();
}
function contents(entries: Iterable<FibEntry>): string[] {
  return [...entries].map((e) => JSON.stringify([e.prefix, e.nextHops, e.routeId])).sort();
}

function run(ops: Op[], fib: Fib, m: Map<PrefixKey, FibEntry>, snaps: { snap: FibSnapshot; want: string[]; size: number }[]): void {
  for (const op of ops) {
    if (op.kind === 'set') {
      fib.set(op.prefix, op.hops, op.route);
      m.set(op.prefix, makeFibEntry(op.prefix, op.hops, op.route));
    } else if (op.kind === 'del') {
      assert.is(fib.delete(op.prefix), m.delete(op.prefix));
    } else snaps.push({ snap: fib.snapshot(), want: model(m), size: m.size });
  }
}

test('every snapshot keeps reading exactly the state at its creation', () => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 120 }), (ops) => {
      const fib = new Fib();
      const m = new Map<PrefixKey, FibEntry>();
      const snaps: { snap: FibSnapshot; want: string[]; size: number }[] = [];
      run(ops, fib, m, snaps);
      assert.equal(contents(fib), model(m));
      assert.is(fib.size, m.size);
      for (const s of snaps) {
        assert.equal(contents(s.snap), s.want);
        assert.is(s.snap.size, s.size);
      }
    }),
    { numRuns: RUNS },
  );
});

test('longest-prefix match equals a brute-force scan of the model', () => {
  const arbAddr4 = fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 15 })).map(([hi, lo, x]) => ((hi << 26) | (lo << 4) | x) >>> 0);
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 80 }), fc.array(arbAddr4, { minLength: 1, maxLength: 20 }), fc.array(arbV6Prefix, { maxLength: 5 }), (ops, addrs, v6probes) => {
      const fib = new Fib();
      const m = new Map<PrefixKey, FibEntry>();
      run(ops, fib, m, []);
      const brute = (probe: PrefixKey): FibEntry | undefined => {
        let best: FibEntry | undefined;
        let bestLen = -1;
        for (const e of m.values()) {
          if (prefixContains(e.prefix, probe)) {
            const l = typeof e.prefix === 'number' ? e.prefix % 64 : Number(e.prefix.slice(33));
            if (l > bestLen) [best, bestLen] = [e, l];
          }
        }
        return best;
      };
      for (const a of addrs) assert.equal(fib.lookupIpv4(a), brute(ipv4Key(a, 32)));
      for (const p of v6probes) {
        // Probe with the full address of a random IPv6 prefix (host bits zero).
        const full = (p as string).slice(0, 32) + '/128';
        const bytes = Uint8Array.from(Buffer.from(full.slice(0, 32), 'hex'));
        assert.equal(fib.lookup(bytes), brute(full));
      }
    }),
    { numRuns: RUNS },
  );
});

test('hash-tree diff equals a full comparison (shared history and independently built tables)', () => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 80 }), fc.array(arbOp, { maxLength: 40 }), fc.boolean(), (common, extra, shuffle) => {
      const a = new Fib();
      const ma = new Map<PrefixKey, FibEntry>();
      run(common, a, ma, []);
      const snap = a.snapshot();
      const snapModel = new Map(ma);
      run(extra, a, ma, []);
      // b: built from scratch, in another order, with the same content as a.
      const b = new Fib();
      const items = [...ma.values()];
      if (shuffle) items.reverse();
      for (const e of items) b.setEntry(e);
      const full = (x: Map<PrefixKey, FibEntry>, y: Map<PrefixKey, FibEntry>): string[] => {
        const out: string[] = [];
        for (const k of new Set([...x.keys(), ...y.keys()])) {
          const ea = x.get(k);
          const eb = y.get(k);
          if (JSON.stringify(ea) !== JSON.stringify(eb)) out.push(JSON.stringify([k, ea ?? null, eb ?? null]));
        }
        return out.sort();
      };
      const fmt = (d: ReturnType<typeof diffFibs>): string[] => d.map((x) => JSON.stringify([x.prefix, x.a ?? null, x.b ?? null])).sort();
      assert.equal(fmt(diffFibs(snap, a)), full(snapModel, ma));
      assert.equal(fmt(diffFibs(a, snap)), full(ma, snapModel));
      assert.equal(fmt(diffFibs(snap, b)), full(snapModel, ma));
      assert.equal(diffFibs(a, b), []);
      assert.is(a.digest(), b.digest());
      // applyFrom makes them equal.
      const c = new Fib();
      c.resetTo(snap);
      c.applyFrom(b);
      assert.equal(contents(c), model(ma));
    }),
    { numRuns: RUNS },
  );
});

test('digests read between writes and snapshots are never stale (lazy hashing, in-place and copied nodes)', () => {
  // Digests are computed when read and writes only mark their path dirty (trie.ts): interleave writes,
  // snapshots and reads of every kind of digest, and compare each read with a table built from scratch
  // from the model in reverse order (another write history, as a replica's tree has).
  type Step = Op | { kind: 'read'; which: number; range: PrefixKey };
  const arbStep: fc.Arbitrary<Step> = fc.oneof(
    { weight: 4, arbitrary: arbOp },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), which: fc.nat(), range: fc.oneof(arbPrefix, fc.constant<PrefixKey>(0)) }) },
  );
  const fresh = (m: Map<PrefixKey, FibEntry>): Fib => {
    const f = new Fib();
    for (const e of [...m.values()].reverse()) f.setEntry(e);
    return f;
  };
  const full = (x: Map<PrefixKey, FibEntry>, y: Map<PrefixKey, FibEntry>): PrefixKey[] =>
    [...new Set([...x.keys(), ...y.keys()])].filter((k) => JSON.stringify(x.get(k)) !== JSON.stringify(y.get(k))).sort();
  fc.assert(
    fc.property(fc.array(arbStep, { maxLength: 150 }), (steps) => {
      const fib = new Fib();
      const m = new Map<PrefixKey, FibEntry>();
      const snaps: { snap: FibSnapshot; model: Map<PrefixKey, FibEntry>; digest: string }[] = [];
      for (const st of steps) {
        if (st.kind === 'set') {
          // Rewriting the same entry must change nothing (no dirty path, same digest).
          const same = m.has(st.prefix) && JSON.stringify(m.get(st.prefix)) === JSON.stringify(makeFibEntry(st.prefix, st.hops, st.route));
          assert.is(fib.set(st.prefix, st.hops, st.route), !same);
          m.set(st.prefix, makeFibEntry(st.prefix, st.hops, st.route));
        } else if (st.kind === 'del') {
          assert.is(fib.delete(st.prefix), m.delete(st.prefix));
        } else if (st.kind === 'snap') {
          const snap = fib.snapshot();
          // Half of the snapshots are taken with a cold (dirty) tree, half with digests just read.
          snaps.push({ snap, model: new Map(m), digest: snaps.length % 2 === 0 ? snap.digest() : fresh(m).digest() });
        } else {
          const ref = fresh(m);
          assert.is(fib.digest(), ref.digest());
          assert.equal(describeRanges(fib, [st.range]), describeRanges(ref, [st.range]));
          if (snaps.length > 0) {
            const s = snaps[st.which % snaps.length];
            assert.is(s.snap.digest(), s.digest);
            assert.equal(describeRanges(s.snap, [st.range]), describeRanges(fresh(s.model), [st.range]));
            assert.equal(diffFibs(s.snap, fib).map((d) => d.prefix).sort(), full(s.model, m));
          }
        }
      }
      assert.is(fib.digest(), fresh(m).digest());
      for (const s of snaps) assert.is(s.snap.digest(), s.digest);
    }),
    { numRuns: RUNS },
  );
});

test.run();
