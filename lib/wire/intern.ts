/**
 * Attribute interning: identical attribute blobs decode once into a shared, frozen object (DESIGN §6).
 * Bounded by an LRU so a peer cycling through unique attribute sets cannot grow memory without bound.
 */
import { LRUCache } from 'lru-cache';
import type { DecodedAttributes } from './attributes.js';

export const DEFAULT_INTERN_CAPACITY = 100_000;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o) && !ArrayBuffer.isView(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export class AttributeInterner {
  private readonly cache: LRUCache<string, DecodedAttributes>;
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number = DEFAULT_INTERN_CAPACITY) {
    this.cache = new LRUCache({ max: capacity });
  }

  /** The shared decode of the blob named by `key`, decoding it with `decode` on a miss. */
  intern(key: string, decode: () => DecodedAttributes): DecodedAttributes {
    const hit = this.cache.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const fresh = deepFreeze(decode());
    this.cache.set(key, fresh);
    return fresh;
  }

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
