/**
 * Attribute interning: identical attribute blobs decode once into a shared, frozen object (DESIGN §6).
 *
 * Keys are the attribute bytes themselves, found by a seeded 32-bit FNV-1a hash and confirmed by a byte
 * comparison, so no key string is built per UPDATE (building and hashing a string per message cost more
 * than the decode it saved). The table holds at most `capacity` hash buckets in two generations of Maps
 * (a bucket found in the older one moves to the newer; when the newer is full the older is dropped), so
 * a peer cycling through unique attribute sets cannot grow memory without bound; each hash bucket holds
 * at most MAX_CHAIN colliding blobs, so crafted collisions cannot turn lookups into long scans.
 *
 * Why not an LRU list: with a full table of unique sets (every set misses) the LRU bookkeeping was about
 * a third of the interner's cost; two Maps keyed by small integers cost one or two lookups.
 */
import type { DecodedAttributes } from './attributes.js';

export const DEFAULT_INTERN_CAPACITY = 100_000;
const MAX_CHAIN = 4;
const SEED = (Math.random() * 0xffffffff) >>> 0;

/** One interned blob: it is also the DecodedAttributes handed out (no separate wrapper object per set). */
class Slot implements DecodedAttributes {
  readonly attributes: DecodedAttributes['attributes'];
  readonly treatment: DecodedAttributes['treatment'];
  readonly issues: DecodedAttributes['issues'];

  constructor(
    readonly tag: number,
    /** The blob as a latin1 string: cheaper for the GC to hold than a Uint8Array with its own ArrayBuffer. */
    readonly key: string,
    d: DecodedAttributes,
    public next: Slot | null,
  ) {
    this.attributes = d.attributes;
    this.treatment = d.treatment;
    this.issues = d.issues;
  }
}

/** Freeze the decoded set and the objects/arrays it holds (two levels: enough to stop accidental writes). */
function freeze(d: DecodedAttributes): DecodedAttributes {
  const a = d.attributes as unknown as Record<string, unknown>;
  for (const k in a) {
    const v = a[k];
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) Object.freeze(v);
  }
  Object.freeze(a);
  Object.freeze(d.issues);
  return d;
}

/** A signed 32-bit hash: a small integer key for the Maps (an unsigned one above 2^31 would be a boxed number). */
function hashRange(b: Uint8Array, start: number, end: number, tag: number): number {
  let h = (0x811c9dc5 ^ SEED ^ tag) | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

function sameRange(key: string, b: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== b[start + i]) return false;
  return true;
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

export class AttributeInterner {
  /** Newer and older generation of hash buckets (hash → newest slot of the bucket). */
  private young = new Map<number, Slot>();
  private old = new Map<number, Slot>();
  private readonly half: number;
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number = DEFAULT_INTERN_CAPACITY) {
    this.half = Math.max(1, capacity >> 1);
  }

  /**
   * The shared decode of the blob b[start, end) under context `tag`, decoding it with `decode` on a miss.
   */
  intern(b: Uint8Array, start: number, end: number, tag: number, decode: () => DecodedAttributes): DecodedAttributes {
    const h = hashRange(b, start, end, tag);
    const head = this.bucket(h);
    let depth = 0;
    for (let s = head; s; s = s.next, depth++) {
      if (s.tag === tag && sameRange(s.key, b, start, end)) {
        this.hits++;
        return s;
      }
    }
    this.misses++;
    const d = freeze(decode());
    // Keep the newest MAX_CHAIN blobs of a bucket.
    if (depth >= MAX_CHAIN && head) {
      let s: Slot = head;
      for (let i = 1; i < MAX_CHAIN - 1 && s.next; i++) s = s.next;
      s.next = null;
    }
    const slot = new Slot(tag, latin1Slice.call(b, start, end), d, head);
    this.put(h, slot);
    return slot;
  }

  /** The bucket's newest slot, moved to the newer generation if it was in the older one. */
  private bucket(h: number): Slot | null {
    const y = this.young.get(h);
    if (y !== undefined) return y;
    const o = this.old.get(h);
    if (o === undefined) return null;
    this.old.delete(h);
    this.put(h, o);
    return o;
  }

  private put(h: number, s: Slot): void {
    if (this.young.size >= this.half && !this.young.has(h)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(h, s);
  }

  /** Distinct hash buckets held (≤ capacity). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  get hitRate(): number {
    const n = this.hits + this.misses;
    return n === 0 ? 0 : this.hits / n;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
    this.hits = 0;
    this.misses = 0;
  }
}
