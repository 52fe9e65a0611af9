/** Loc-RIB: per prefix, the candidate paths (post-import-policy, any order) and the selected best. */
import type { PrefixKey } from '../wire/prefix.js';
import type { RibRoute } from './route.js';

/** Shared empty candidate list (never pushed to: PrefixEntry.add replaces the array). */
const NONE: RibRoute[] = [];

export class PrefixEntry {
  /**
   * Accepted paths from every peer; order is irrelevant (selection is order independent). Sized for 4
   * paths on first use (see add): an array pushed onto from [] reserves 17 slots, ~150 bytes per prefix.
   */
  routes: RibRoute[] = NONE;
  best: RibRoute | null = null;
  /** Batch bookkeeping: the batch that last touched this entry and the best before it. */
  epoch = 0;
  prevBest: RibRoute | null = null;
  /** Something in this batch may change the best path (else only paths the best beats before MED came or went). */
  dirty = false;

  constructor(readonly prefix: PrefixKey) {}

  add(route: RibRoute): void {
    if (this.routes.length === 0) {
      // Room for 4 paths: shortening the literal keeps its 4-slot backing store (V8 trims only when far
      // larger), so K ≤ 4 peers never reallocate; a push onto [] would reserve 17 slots.
      const a = [route, route, route, route];
      a.length = 1;
      this.routes = a;
    } else this.routes.push(route);
  }

  remove(route: RibRoute): void {
    const rs = this.routes;
    const i = rs.indexOf(route);
    if (i < 0) return;
    rs[i] = rs[rs.length - 1];
    rs.pop();
  }
}

/** Same Loc-RIB content (peer, path id, post-policy attributes, next hop)? New objects for a re-announced identical path are not a change. */
export function sameBest(a: RibRoute | null, b: RibRoute | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.peerId === b.peerId && a.pathId === b.pathId && a.attributes === b.attributes && a.nextHop === b.nextHop && a.nextHopLinkLocal === b.nextHopLinkLocal;
}
