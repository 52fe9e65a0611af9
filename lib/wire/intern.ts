/**
 * Attribute interning: identical attribute blobs decode once into a shared, frozen object (DESIGN §6).
 *
 * Keys are the attribute bytes themselves, found by a seeded 32-bit FNV-1a hash and confirmed by a byte
 * comparison, so no key string is built per UPDATE (building and hashing a string per message cost more
 * than the decode it saved). The table is an lru-cache bounded by `capacity`, so a peer cycling through
 * unique attribute sets cannot grow memory without bound; each hash bucket holds at most
 * MAX_CHAIN colliding blobs, so crafted collisions cannot turn lookups into long scans.
 */
import { LRUCache } from 'lru-cache';
import type { DecodedAttributes } from './attributes.js';

export const DEFAULT_INTERN_CAPACITY = 100_000;
const MAX_CHAIN = 4;
const SEED = (Math.random() * 0xffffffff) >>> 0;

interface Slot {
  readonly tag: number;
  /** The blob as a latin1 string: cheaper for the GC to hold than a Uint8Array with its own ArrayBuffer. */
  readonly key: string;
  readonly value: DecodedAttributes;
  next: Slot | null;
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
  return Object.freeze(d);
}

function hashRange(b: Uint8Array, start: number, end: number, tag: number): number {
  let h = (0x811c9dc5 ^ SEED ^ tag) >>> 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

function sameRange(key: string, b: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== b[start + i]) return false;
  return true;
}

const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

export class AttributeInterner {
  private readonly cache: LRUCache<number, Slot>;
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number = DEFAULT_INTERN_CAPACITY) {
    this.cache = new LRUCache({ max: capacity });
  }

  /**
   * The shared decode of the blob b[start, end) under context `tag`, decoding it with `decode` on a miss.
   */
  intern(b: Uint8Array, start: number, end: number, tag: number, decode: () => DecodedAttributes): DecodedAttributes {
    const h = hashRange(b, start, end, tag);
    const head = this.cache.get(h) ?? null;
    let depth = 0;
    for (let s = head; s; s = s.next, depth++) {
      if (s.tag === tag && sameRange(s.key, b, start, end)) {
        this.hits++;
        return s.value;
      }
    }
    this.misses++;
    const value = freeze(decode());
    // Keep the newest MAX_CHAIN blobs of a bucket.
    if (depth >= MAX_CHAIN && head) {
      let s: Slot = head;
      for (let i = 1; i < MAX_CHAIN - 1 && s.next; i++) s = s.next;
      s.next = null;
    }
    this.cache.set(h, { tag, key: latin1Slice.call(b, start, end), value, next: head });
    return value;
  }

  /** Distinct hash buckets held (≤ capacity). */
  get size(): number {
    return this.cache.size;
  }

  get hitRate(): number {
    const n = this.hits + this.misses;
    return n === 0 ? 0 : this.hits / n;
  }

  clear(): void {
    this.cache.clear();
    this.hits = 0;
    this.misses = 0;
  }
}
