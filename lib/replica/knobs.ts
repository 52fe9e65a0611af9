/**
 * Diversity knobs (DESIGN principle 2): every knob changes HOW a replica reaches its round result, never
 * WHAT the result is — replicas stay functionally equivalent (same Loc-RIB and exports after each round).
 *
 * | knob           | effect inside the replica (workers/decision.ts)                                           |
 * |----------------|--------------------------------------------------------------------------------------------|
 * | `orderSeed`    | the round's updates are applied in a seeded interleaving of the peers' sequences; each     |
 * |                | peer's own order is kept (so order is kept for every (peer, prefix)) — `interleaveByPeer` |
 * | `delayMs`      | fixed wait before applying a round                                                         |
 * | `jitterMs`     | extra seeded random wait before a round and a yield to the event loop inside it           |
 * | `layout`       | heap shape: retained padding allocations interleaved with the RIB's (`padEveryUpdates` × |
 * |                | `padBytes`), a reversed peer scan when no orderSeed is set (different Map insertion      |
 * |                | orders inside the engine), and V8 `resourceLimits` of the replica's thread               |
 * | `tiebreakSeed` | the reported best of every changed prefix is re-selected over a seeded permutation of its |
 * |                | candidates (RoutingEngine has no scan-order hook); a mismatch with the engine's own best  |
 * |                | is counted as a self-check failure and the rescan result is what the replica reports     |
 * | `prefixes`     | address-block subset: the replica applies and reports only prefixes inside its blocks     |
 * | `impl`         | which decision implementation runs (lib/replica/impls.ts)                                 |
 * | `fault`        | TEST ONLY: deliberate bugs (faults.ts) to prove tolerance                                  |
 */
import { parsePrefix, prefixContains, type PrefixKey } from '../wire/prefix.js';
import { ReplicaConfigError } from './errors.js';
import { IMPL_NAMES, type ImplName } from './impl-names.js';
import { validateFault, type ReplicaFaultKnob } from './faults.js';

export interface ReplicaLayout {
  /** Allocate and retain `padBytes` of padding every this many applied updates (0 = never). */
  readonly padEveryUpdates?: number;
  readonly padBytes?: number;
  /** Without orderSeed: apply the round's peer sequences last peer first (still per-peer order). */
  readonly reverseScan?: boolean;
  /** V8 limits of the replica's worker thread (Piscina `resourceLimits`). */
  readonly resourceLimits?: { readonly maxOldGenerationSizeMb?: number; readonly maxYoungGenerationSizeMb?: number; readonly stackSizeMb?: number };
}

export type { ReplicaFaultKnob } from './faults.js';

export interface ReplicaKnobs {
  readonly impl?: ImplName;
  readonly orderSeed?: number;
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly layout?: ReplicaLayout;
  readonly tiebreakSeed?: number;
  /** Address blocks this replica covers ("0.0.0.0/1", "::/0"); undefined = everything. */
  readonly prefixes?: readonly string[];
  readonly fault?: ReplicaFaultKnob;
}

export function validateKnobs(k: ReplicaKnobs, path: string): void {
  if (k.impl !== undefined && !IMPL_NAMES.includes(k.impl)) throw new ReplicaConfigError(`${path}.impl: unknown implementation ${JSON.stringify(k.impl)} (known: ${IMPL_NAMES.join(', ')})`, `${path}.impl`);
  for (const f of ['delayMs', 'jitterMs'] as const) {
    const v = k[f];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new ReplicaConfigError(`${path}.${f}: must be a number ≥ 0`, `${path}.${f}`);
  }
  if (k.prefixes !== undefined) {
    if (k.prefixes.length === 0) throw new ReplicaConfigError(`${path}.prefixes: empty (omit it to cover everything)`, `${path}.prefixes`);
    k.prefixes.forEach((p, i) => {
      try {
        parsePrefix(p);
      } catch (e) {
        throw new ReplicaConfigError(`${path}.prefixes[${i}]: ${(e as Error).message}`, `${path}.prefixes[${i}]`);
      }
    });
  }
  if (k.fault !== undefined) validateFault(k.fault, `${path}.fault`);
}

// ── prefix coverage ───────────────────────────────────────────────────────────────────────────────────

/** A replica's address blocks; `covers(key)` is true when the prefix lies inside one of them. */
export class PrefixCoverage {
  readonly all: boolean;
  private readonly blocks: PrefixKey[];

  constructor(prefixes: readonly string[] | undefined) {
    this.all = prefixes === undefined;
    this.blocks = (prefixes ?? []).map(parsePrefix);
  }

  covers(key: PrefixKey): boolean {
    if (this.all) return true;
    const b = this.blocks;
    for (let i = 0; i < b.length; i++) if (prefixContains(b[i], key)) return true;
    return false;
  }
}

const ROOTS: readonly { text: string; key: PrefixKey }[] = [
  { text: '0.0.0.0/0', key: parsePrefix('0.0.0.0/0') },
  { text: '::/0', key: parsePrefix('::/0') },
];

/**
 * The least covered prefix and its replica count. A prefix is covered by a replica when it lies inside one
 * of the replica's blocks, so coverage only grows with prefix length: the minimum over every possible
 * prefix is at the family roots (0.0.0.0/0, ::/0 — the default routes are prefixes too).
 */
export function leastCovered(coverages: readonly PrefixCoverage[]): { prefix: string; replicas: number } {
  let worst = { prefix: ROOTS[0].text, replicas: Infinity };
  for (const r of ROOTS) {
    const n = coverages.filter((c) => c.covers(r.key)).length;
    if (n < worst.replicas) worst = { prefix: r.text, replicas: n };
  }
  return worst;
}

// ── seeded randomness ─────────────────────────────────────────────────────────────────────────────────

/** mulberry32: a small seeded PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates in place with a seeded PRNG. */
export function shuffleInPlace<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/**
 * The order-seed permutation: indices 0..n-1 of a round whose entry i came from peer `peerOf(i)`,
 * rearranged as a seeded random interleaving of the peers' sequences. Each peer's entries keep their
 * relative order, hence order is kept for every (peer, prefix) — the only order the result depends on
 * (a later UPDATE from the same peer replaces or withdraws the earlier one, RFC 4271 §3.1). Entries of
 * different peers commute: the decision is a function of the set of Adj-RIB-In paths.
 */
export function interleaveByPeer(n: number, peerOf: (i: number) => number, seed: number): Uint32Array {
  const queues = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const p = peerOf(i);
    let q = queues.get(p);
    if (q === undefined) queues.set(p, (q = []));
    q.push(i);
  }
  const rand = seededRandom(seed);
  // Draw the next peer with probability proportional to its remaining entries: every interleaving possible.
  const lists = [...queues.values()];
  const heads = new Array<number>(lists.length).fill(0);
  const out = new Uint32Array(n);
  let remaining = n;
  for (let o = 0; o < n; o++) {
    let r = Math.floor(rand() * remaining);
    let k = 0;
    while (r >= lists[k].length - heads[k]) {
      r -= lists[k].length - heads[k];
      k++;
    }
    out[o] = lists[k][heads[k]++];
    remaining--;
  }
  return out;
}

/** A naive full permutation of 0..n-1 (what the order-seed must NOT do: it reorders one peer's updates). */
export function naivePermutation(n: number, seed: number): Uint32Array {
  const a = Array.from({ length: n }, (_, i) => i);
  return Uint32Array.from(shuffleInPlace(a, seededRandom(seed)));
}
