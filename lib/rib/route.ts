/** Paths in the RIB: interned per peer (RibPath) and materialized per prefix for the engine's views (RibRoute). */
import { parseIpv4, parseIpv6 } from '../wire/address.js';
import { asPathLength } from '../wire/attributes/as-path.js';
import type { PathAttributes } from '../wire/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { AttrRank, Candidate, NextHopRank, PeerRank } from '../decision/types.js';
import { neighbourAs } from '../policy/as-path.js';
import type { Route } from './types.js';

/** Rank of a path rejected by loop detection or import policy: it is never a candidate. */
export const REJECTED_RANK: AttrRank = Object.freeze({ localPref: 0, asPathLength: 0, origin: 0, med: 0, medGroup: 0, originatorId: -1, clusterListLength: 0 });
const UNRESOLVED: NextHopRank = Object.freeze({ reachable: false, igpCost: 0 });

/**
 * A path in the RIB without its prefix: (peer, path id, attributes, next hop) and what the decision reads
 * from them. Interned per peer (RoutingEngine.path): the prefixes of one UPDATE — and every later UPDATE
 * with the same attribute set and next hop — share one object, so the RIB keeps no object per route
 * (DESIGN principle 6; the per-route object was most of the GC work at 1M prefixes).
 */
export class RibPath implements Candidate {
  /** Index in the engine's path table while some Adj-RIB-In entry refers to it; -1 once freed. */
  id = -1;
  /** Where the engine interned it (to forget it when freed). */
  internKey: object | null = null;
  hopKey = '';

  constructor(
    readonly peerId: number,
    readonly pathId: number,
    /** Post-import-policy attributes (what the decision and export see). */
    readonly attributes: PathAttributes,
    /** As received (the pre-policy Adj-RIB-In, kept for soft reconfiguration). */
    readonly received: PathAttributes,
    readonly nextHop: string,
    readonly nextHopLinkLocal: string | undefined,
    readonly rank: AttrRank,
    readonly peer: PeerRank,
    readonly nh: NextHopRank,
    /** Passed loop detection and import policy: it is a candidate for its prefixes. */
    readonly accepted: boolean,
  ) {}

  static rejected(peerId: number, pathId: number, received: PathAttributes, nextHop: string, ll: string | undefined, peer: PeerRank): RibPath {
    return new RibPath(peerId, pathId, received, received, nextHop, ll, REJECTED_RANK, peer, UNRESOLVED, false);
  }
}

/** A path of one prefix, as the engine's views return it (built on demand from the prefix and its RibPath). */
export class RibRoute implements Route, Candidate {
  readonly peerId: number;
  readonly pathId: number;
  readonly attributes: PathAttributes;
  readonly received: PathAttributes;
  readonly nextHop: string;
  readonly nextHopLinkLocal: string | undefined;
  readonly rank: AttrRank;
  readonly peer: PeerRank;
  readonly nh: NextHopRank;
  readonly accepted: boolean;

  constructor(
    readonly prefix: PrefixKey,
    path: RibPath,
  ) {
    this.peerId = path.peerId;
    this.pathId = path.pathId;
    this.attributes = path.attributes;
    this.received = path.received;
    this.nextHop = path.nextHop;
    this.nextHopLinkLocal = path.nextHopLinkLocal;
    this.rank = path.rank;
    this.peer = path.peer;
    this.nh = path.nh;
    this.accepted = path.accepted;
  }
}

/** RFC 4271 §9.1.2.2 (g) address order: IPv4 as ::ffff:a.b.c.d so one string order covers both families. */
export function addressKey(address: string): string {
  const b = address.includes(':') ? parseIpv6(address) : Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...ipv4Bytes(address)]);
  return Buffer.from(b).toString('hex');
}

function ipv4Bytes(a: string): number[] {
  const v = parseIpv4(a);
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

export function attrRank(a: PathAttributes, alwaysCompareMed: boolean): AttrRank {
  const path = a.asPathEffective ?? a.asPath;
  return Object.freeze({
    localPref: a.localPref ?? 100, // RFC 4271 §5.1.5 default
    asPathLength: asPathLength(path),
    origin: a.origin ?? 2,
    med: a.med ?? 0, // RFC 4271 §9.1.2.2 (c): a missing MED is the lowest value
    medGroup: alwaysCompareMed ? -1 : neighbourAs(path),
    originatorId: a.originatorId !== undefined ? parseIpv4(a.originatorId) : -1,
    clusterListLength: a.clusterList?.length ?? 0,
  });
}
