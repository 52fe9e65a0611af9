/**
 * The copy-on-write FIB (DESIGN principle 5): prefix → next hop(s) + voted route id, IPv4 and IPv6, keyed by
 * btrd's prefix keys (lib/wire/prefix.ts), with longest-prefix-match lookup, O(1) snapshots and a Merkle
 * digest per table (see trie.ts for the structure, hash-tree.ts for the diff).
 *
 *   const fib = new Fib();
 *   fib.set(parsePrefix('10.0.0.0/8'), ['192.0.2.1'], 42);
 *   const snap = fib.snapshot();          // O(1); later writes copy only the paths they touch
 *   fib.delete(parsePrefix('10.0.0.0/8'));
 *   snap.get(parsePrefix('10.0.0.0/8'));  // still the entry
 *   fib.lookup('10.1.2.3');               // longest-prefix match
 */
import { parseIpv4, parseIpv6 } from '../wire/address.js';
import { prefixLength, type PrefixKey } from '../wire/prefix.js';
import { FibError, sameFibEntry, type FibChange, type FibDiff, type FibEntry, type NextHop } from './types.js';
import { diffFibs } from './hash-tree.js';
import { LAST, collect, computeDigest, countNodes, erase, find, longestMatch, newEpoch, upsert, walk, type Bits, type Node } from './trie.js';

/** Scratch key bits: every operation is synchronous and reads its key before any other call can run. */
const K: Bits = { w0: 0, w1: 0, w2: 0, w3: 0, len: 0 };

/** Decompose a prefix key into K. Returns true for IPv6. */
function keyBits(prefix: PrefixKey): boolean {
  if (typeof prefix === 'number') {
    if (!Number.isInteger(prefix) || prefix < 0 || prefix % 64 > 32 || prefix >= 2 ** 38) {
      throw new FibError(`not an IPv4 prefix key: ${prefix}`, 'BTRD_ERR_FIB_BAD_ENTRY');
    }
    K.w0 = Math.floor(prefix / 64) | 0;
    K.w1 = K.w2 = K.w3 = 0;
    K.len = prefix % 64;
    return false;
  }
  if (prefix.length < 34 || prefix.charCodeAt(32) !== 47 /* '/' */) {
    throw new FibError(`not an IPv6 prefix key: ${JSON.stringify(prefix)}`, 'BTRD_ERR_FIB_BAD_ENTRY');
  }
  K.w0 = parseInt(prefix.slice(0, 8), 16) | 0;
  K.w1 = parseInt(prefix.slice(8, 16), 16) | 0;
  K.w2 = parseInt(prefix.slice(16, 24), 16) | 0;
  K.w3 = parseInt(prefix.slice(24, 32), 16) | 0;
  K.len = prefixLength(prefix);
  if (!(K.len >= 0 && K.len <= 128)) throw new FibError(`not an IPv6 prefix key: ${JSON.stringify(prefix)}`, 'BTRD_ERR_FIB_BAD_ENTRY');
  return true;
}

/** Decompose an address (text, or 4/16 bytes) into K as a full-length prefix. Returns true for IPv6. */
function addressBits(address: string | Uint8Array): boolean {
  let b: Uint8Array;
  try {
    if (typeof address === 'string') {
      if (!address.includes(':')) {
        K.w0 = parseIpv4(address) | 0;
        K.w1 = K.w2 = K.w3 = 0;
        K.len = 32;
        return false;
      }
      b = parseIpv6(address);
    } else b = address;
  } catch (err) {
    throw new FibError(`not an address: ${JSON.stringify(address)}`, 'BTRD_ERR_FIB_BAD_ADDRESS', { cause: err });
  }
  const w = (i: number): number => (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
  if (b.length === 4) {
    K.w0 = w(0);
    K.w1 = K.w2 = K.w3 = 0;
    K.len = 32;
    return false;
  }
  if (b.length !== 16) throw new FibError(`address of ${b.length} bytes`, 'BTRD_ERR_FIB_BAD_ADDRESS');
  K.w0 = w(0);
  K.w1 = w(4);
  K.w2 = w(8);
  K.w3 = w(12);
  K.len = 128;
  return true;
}

/** Digest of a table as text: 16 hex digits per family (IPv4, IPv6). Equal tables have equal digests. */
function hex(n: Node | null): string {
  if (n === null) return '0000000000000000';
  computeDigest(n);
  return (n.d1 >>> 0).toString(16).padStart(8, '0') + (n.d2 >>> 0).toString(16).padStart(8, '0');
}

/** Read-only access to one state of a FIB: the live table (`Fib`) or a `FibSnapshot`. */
export abstract class FibView implements Iterable<FibEntry> {
  /** @internal roots per family; read by hash-tree.ts. */
  abstract readonly root4: Node | null;
  /** @internal */
  abstract readonly root6: Node | null;
  abstract readonly size: number;

  get(prefix: PrefixKey): FibEntry | undefined {
    const v6 = keyBits(prefix);
    return find(v6 ? this.root6 : this.root4, K) ?? undefined;
  }

  has(prefix: PrefixKey): boolean {
    return this.get(prefix) !== undefined;
  }

  /** Longest-prefix match for an address ("192.0.2.1", "2001:db8::1", or 4/16 bytes). */
  lookup(address: string | Uint8Array): FibEntry | undefined {
    const v6 = addressBits(address);
    return longestMatch(v6 ? this.root6 : this.root4, K) ?? undefined;
  }

  /** Longest-prefix match for an IPv4 address as an unsigned 32-bit number (no parsing). */
  lookupIpv4(address: number): FibEntry | undefined {
    K.w0 = address | 0;
    K.w1 = K.w2 = K.w3 = 0;
    K.len = 32;
    return longestMatch(this.root4, K) ?? undefined;
  }

  /** IPv4 entries then IPv6 entries, each in prefix-key order (address, then length). */
  *entries(): Generator<FibEntry> {
    yield* walk(this.root4);
    yield* walk(this.root6);
  }

  [Symbol.iterator](): Iterator<FibEntry> {
    return this.entries();
  }

  /** All entries as an array (faster than iterating the generator for a full table). */
  toArray(): FibEntry[] {
    const out: FibEntry[] = [];
    collect(this.root4, out);
    collect(this.root6, out);
    return out;
  }

  /** Root digests of the hash trees (IPv4 + IPv6) as 32 hex digits: equal for equal tables. */
  digest(): string {
    return hex(this.root4) + hex(this.root6);
  }

  /** Trie nodes (entries + branch nodes); for memory accounting in tests and benchmarks. */
  nodeCount(): number {
    return countNodes(this.root4) + countNodes(this.root6);
  }
}

let snapshotIds = 0;

/** An immutable state of a Fib. Holding it costs nothing until the Fib is written (then: the copied paths). */
export class FibSnapshot extends FibView {
  /** Increasing id, for logs. */
  readonly id = ++snapshotIds;
  readonly takenAt = Date.now();
  constructor(
    readonly root4: Node | null,
    readonly root6: Node | null,
    readonly size: number,
  ) {
    super();
  }
}

function normalizeNextHops(nextHops: readonly NextHop[]): readonly NextHop[] {
  if (nextHops.length === 1) {
    if (typeof nextHops[0] !== 'string' || nextHops[0] === '') throw new FibError(`bad next hop ${JSON.stringify(nextHops[0])}`, 'BTRD_ERR_FIB_BAD_ENTRY');
    return Object.isFrozen(nextHops) ? nextHops : Object.freeze([nextHops[0]]);
  }
  if (nextHops.length === 0) throw new FibError('an entry needs at least one next hop', 'BTRD_ERR_FIB_BAD_ENTRY');
  const sorted = [...new Set(nextHops)].sort();
  for (const h of sorted) if (typeof h !== 'string' || h === '') throw new FibError(`bad next hop ${JSON.stringify(h)}`, 'BTRD_ERR_FIB_BAD_ENTRY');
  return Object.freeze(sorted);
}

/** Build a normalized (frozen, next hops sorted and deduplicated) entry. */
export function makeFibEntry(prefix: PrefixKey, nextHops: readonly NextHop[], routeId = 0): FibEntry {
  return Object.freeze({ prefix, nextHops: normalizeNextHops(nextHops), routeId });
}

/** The live, writable FIB. */
export class Fib extends FibView {
  root4: Node | null = null;
  root6: Node | null = null;
  size = 0;
  /** Nodes with this owner are written in place; `snapshot()` starts a new epoch. */
  private epoch = newEpoch();

  /** Install or replace a route. Returns false when the FIB already held exactly this entry. */
  set(prefix: PrefixKey, nextHops: readonly NextHop[], routeId = 0): boolean {
    return this.setEntry(makeFibEntry(prefix, nextHops, routeId));
  }

  /** Install or replace a normalized entry (from `makeFibEntry`, another FIB or a diff). */
  setEntry(entry: FibEntry): boolean {
    if (!Object.isFrozen(entry) || !Object.isFrozen(entry.nextHops)) entry = makeFibEntry(entry.prefix, entry.nextHops, entry.routeId);
    return this.put(entry);
  }

  /**
   * @internal `setEntry` for an entry known to come from `makeFibEntry` (the writer, the replicas' trees):
   * one descent of the trie, nothing hashed (digests are computed when read), nothing allocated but the
   * nodes a new prefix needs or a held snapshot forces to copy.
   */
  put(entry: FibEntry): boolean {
    if (keyBits(entry.prefix)) {
      this.root6 = upsert(this.root6, K, entry, this.epoch);
    } else {
      this.root4 = upsert(this.root4, K, entry, this.epoch);
    }
    if (!LAST.changed) return false;
    if (LAST.previous === null) this.size++;
    return true;
  }

  /** Remove a route. Returns false when there was none. */
  delete(prefix: PrefixKey): boolean {
    if (keyBits(prefix)) {
      this.root6 = erase(this.root6, K, this.epoch);
    } else {
      this.root4 = erase(this.root4, K, this.epoch);
    }
    if (!LAST.changed) return false;
    this.size--;
    return true;
  }

  /** Apply a batch; returns the changes that did change something (what a backend must be told). */
  apply(changes: Iterable<FibChange>): FibChange[] {
    const done: FibChange[] = [];
    for (const c of changes) {
      if (c.entry !== null && c.entry.prefix !== c.prefix) {
        throw new FibError(`change for ${String(c.prefix)} carries an entry for ${String(c.entry.prefix)}`, 'BTRD_ERR_FIB_BAD_ENTRY');
      }
      if (c.entry === null ? this.delete(c.prefix) : this.setEntry(c.entry)) done.push(c);
    }
    return done;
  }

  /** O(1): the current state, immutable; later writes path-copy what they touch. */
  snapshot(): FibSnapshot {
    const s = new FibSnapshot(this.root4, this.root6, this.size);
    this.epoch = newEpoch();
    return s;
  }

  /** Make this table equal to `view` in O(1) (shares its nodes; nothing is copied until written). */
  resetTo(view: FibView): void {
    // A live Fib writes its own nodes in place: share a snapshot of it, never its live nodes.
    const s = view instanceof Fib ? view.snapshot() : view;
    this.root4 = s.root4;
    this.root6 = s.root6;
    this.size = s.size;
    this.epoch = newEpoch();
  }

  /**
   * Rewrite every entry that differs from `source` ("fail over to replica R", DESIGN principle 3): one
   * hash-tree diff (pass `diffs` when already computed) plus a batch of writes. Returns the batch, for the
   * backends.
   */
  applyFrom(source: FibView, diffs?: readonly FibDiff[]): FibChange[] {
    const d = diffs ?? diffFibs(this, source);
    const batch: FibChange[] = [];
    for (const x of d) {
      const want = source.get(x.prefix);
      batch.push({ prefix: x.prefix, entry: want ?? null });
    }
    return this.apply(batch);
  }

  clear(): void {
    this.root4 = this.root6 = null;
    this.size = 0;
  }
}
