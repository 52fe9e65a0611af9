/**
 * The FIB entry of a Loc-RIB route — the one definition used on both sides of the steady-state audit: the
 * main thread's FIB writer (writer.ts) and each replica's Loc-RIB tree (lib/replica/rib-tree.ts). The entry
 * is the route's next hop plus, as `routeId`, the replica protocol's route digest (lib/replica/digest.ts
 * `digestRoute`: peer, path id, next hops, attribute digest), so two trees agree on a prefix exactly when
 * the voter would count the two Loc-RIB entries as equal.
 */
import type { Route } from '../rib/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import { digestAttributes, digestRoute } from '../replica/digest.js';
import { makeFibEntry } from './cow-fib.js';
import type { FibEntry } from './types.js';

/**
 * The last route digest computed for an attribute set (the engines share attribute objects among the
 * routes of one UPDATE, so consecutive routes often repeat peer, path id, next hop and attributes).
 */
interface DigestMemo {
  peerId: number;
  pathId: number;
  nextHop: string;
  nextHopLinkLocal: string | undefined;
  digest: number;
}
const MEMO = new WeakMap<object, DigestMemo>();

/** The digest the voter compares for a Loc-RIB entry (`digestRoute`, memoized per attribute set). */
export function routeDigest(r: Route): number {
  const m = MEMO.get(r.attributes);
  if (m !== undefined && m.peerId === r.peerId && m.pathId === r.pathId && m.nextHop === r.nextHop && m.nextHopLinkLocal === r.nextHopLinkLocal) return m.digest;
  const digest = digestRoute(r.peerId, r.pathId, r.nextHop, r.nextHopLinkLocal, digestAttributes(r.attributes));
  if (m === undefined) MEMO.set(r.attributes, { peerId: r.peerId, pathId: r.pathId, nextHop: r.nextHop, nextHopLinkLocal: r.nextHopLinkLocal, digest });
  else {
    m.peerId = r.peerId;
    m.pathId = r.pathId;
    m.nextHop = r.nextHop;
    m.nextHopLinkLocal = r.nextHopLinkLocal;
    m.digest = digest;
  }
  return digest;
}

/** Next-hop lists are interned (one frozen array per next hop, shared by every entry using it). */
const HOPS = new Map<string, readonly string[]>();
const MAX_INTERNED = 65_536;

function hopsOf(prefix: PrefixKey, nextHop: string): readonly string[] {
  // A route without a usable next hop (never seen from the engines; defensive) forwards to "unspecified".
  const h = nextHop === '' ? (typeof prefix === 'string' ? '::' : '0.0.0.0') : nextHop;
  let a = HOPS.get(h);
  if (a === undefined) {
    a = Object.freeze([h]);
    if (HOPS.size < MAX_INTERNED) HOPS.set(h, a);
  }
  return a;
}

/** The FIB entry for a best route whose digest is already known. */
export function locRibEntry(prefix: PrefixKey, nextHop: string, digest: number): FibEntry {
  return makeFibEntry(prefix, hopsOf(prefix, nextHop), digest);
}

/** The FIB entry for a best route. */
export function entryOfRoute(prefix: PrefixKey, r: Route): FibEntry {
  return locRibEntry(prefix, r.nextHop, routeDigest(r));
}
