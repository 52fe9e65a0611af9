/**
 * Round-result digests (DESIGN principle 3: the voter compares compact digests, not object graphs).
 *
 * A digest is a 53-bit integer carried as a double (exact; `Float64Array` on the wire, a plain `Map` key on
 * both sides): two 32-bit multiply-xorshift lanes over a canonical value stream, 21 + 32 bits kept. 53 bits
 * rather than 32 because attribute sets are also content-addressed by digest (the main thread fetches
 * attributes by digest): with 10^6 distinct sets a 32-bit key would collide almost surely, 53 bits ~10^-4.
 *
 * - `digestAttributes(a)`: canonical structural hash of a PathAttributes object (keys sorted, so two
 *   implementations building equal objects in a different key order agree), cached per object identity —
 *   the engines share attribute objects (decode interning, export caches), so this runs once per set.
 * - `digestRoute`: a Loc-RIB entry = (peer, path id, next hops, post-policy attributes).
 * - `exportTerm`: one (peer, exported attributes) pair; a prefix's exports are the XOR of its terms
 *   (order independent, updated incrementally: XOR out the old term, XOR in the new).
 * - `digestOutcome`: what the voter compares per prefix = (Loc-RIB entry, export XOR).
 * - `ribTerm`: a prefix's contribution to the running whole-RIB digest (XOR over prefixes).
 * 0 always means "nothing" (no best, no export); a real digest is never 0.
 */
import type { PathAttributes } from '../wire/types.js';
import type { PrefixKey } from '../wire/prefix.js';

const TWO32 = 4294967296;
const HI_MASK = 0x1fffff; // 21 bits

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

class Hasher {
  a = 0x9e3779b9;
  b = 0x85ebca6b;

  u32(x: number): void {
    this.a = Math.imul((this.a ^ x) >>> 0, 0x01000193);
    this.a ^= this.a >>> 15;
    this.b = Math.imul((this.b + x) ^ (this.b >>> 13), 0x5bd1e995);
    this.b ^= this.b >>> 16;
  }

  num(x: number): void {
    if (Number.isInteger(x) && x >= 0 && x < TWO32) {
      this.u32(1);
      this.u32(x);
    } else {
      f64[0] = x;
      this.u32(2);
      this.u32(u32[0]);
      this.u32(u32[1]);
    }
  }

  str(s: string): void {
    this.u32(3);
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) this.u32(s.charCodeAt(i));
  }

  bytes(b: Uint8Array): void {
    this.u32(4);
    this.u32(b.length);
    for (let i = 0; i < b.length; i++) this.u32(b[i]);
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'undefined':
        this.u32(5);
        return;
      case 'boolean':
        this.u32(v ? 6 : 7);
        return;
      case 'number':
        this.num(v);
        return;
      case 'string':
        this.str(v);
        return;
      case 'bigint':
        this.str(v.toString());
        return;
      case 'object':
        if (v === null) this.u32(8);
        else if (v instanceof Uint8Array) this.bytes(v);
        else if (Array.isArray(v)) {
          this.u32(9);
          this.u32(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
        } else {
          const o = v as Record<string, unknown>;
          const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
          this.u32(10);
          this.u32(keys.length);
          for (const k of keys) {
            this.str(k);
            this.value(o[k]);
          }
        }
        return;
      default:
        throw new TypeError(`cannot digest a ${typeof v}`);
    }
  }

  /** Finalize to a non-zero 53-bit integer. */
  done(): number {
    let a = this.a >>> 0;
    let b = this.b >>> 0;
    a = Math.imul(a ^ (b >>> 16), 0x85ebca6b) >>> 0;
    b = Math.imul(b ^ (a >>> 13), 0xc2b2ae35) >>> 0;
    a ^= a >>> 16;
    b ^= b >>> 15;
    const d = (a & HI_MASK) * TWO32 + (b >>> 0);
    return d === 0 ? 1 : d;
  }
}

const cache = new WeakMap<object, number>();

/** Canonical structural digest of an attribute set (cached per object). */
export function digestAttributes(a: PathAttributes): number {
  let d = cache.get(a);
  if (d === undefined) {
    const h = new Hasher();
    h.value(a);
    d = h.done();
    cache.set(a, d);
  }
  return d;
}

export function digestRoute(peerId: number, pathId: number, nextHop: string, nextHopLinkLocal: string | undefined, attrsDigest: number): number {
  const h = new Hasher();
  h.num(peerId);
  h.num(pathId);
  h.str(nextHop);
  h.str(nextHopLinkLocal ?? '');
  h.num(attrsDigest);
  return h.done();
}

export function exportTerm(peerId: number, attrsDigest: number): number {
  if (attrsDigest === 0) return 0;
  const h = new Hasher();
  h.u32(11);
  h.num(peerId);
  h.num(attrsDigest);
  return h.done();
}

export function digestOutcome(loc: number, exp: number): number {
  if (loc === 0 && exp === 0) return 0;
  const h = new Hasher();
  h.num(loc);
  h.num(exp);
  return h.done();
}

export function ribTerm(prefix: PrefixKey, outcome: number): number {
  if (outcome === 0) return 0;
  const h = new Hasher();
  // The stream h.value(prefix) would write, without its type dispatch (once or twice per changed prefix).
  if (typeof prefix === 'number') h.num(prefix);
  else h.str(prefix);
  h.num(outcome);
  return h.done();
}

/** XOR of two 53-bit digests (order-independent accumulation; x ^ x = 0 removes a term). */
export function xor53(x: number, y: number): number {
  const xh = Math.floor(x / TWO32);
  const yh = Math.floor(y / TWO32);
  return ((xh ^ yh) >>> 0) * TWO32 + (((x >>> 0) ^ (y >>> 0)) >>> 0);
}
