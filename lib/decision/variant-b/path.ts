/**
 * Variant B's path objects.
 *
 * Stored: a `PathBasis` holds everything that depends only on (peer, post-policy attribute set, next
 * hop), computed once and shared by all the paths of an UPDATE (typically tens of prefixes), including,
 * flat, the numbers the ordered structure compares (OrderKey). A slot stores the basis ITSELF as the
 * entry of a path with path id 0 (every path without ADD-PATH: no per-path object at all), and an
 * `AddPathEntry` (basis + path id) otherwise — `PathEntry` is either.
 *
 * Exposed: a `Path` (basis, prefix, path id) is the public route shape (DecisionRoute: the same fields as
 * variant A's paths, through getters), built when a route leaves the engine (deltas, best(),
 * candidates(), walks). Its identity carries no meaning; equal fields mean the same route.
 */
import { asPathLength } from '../../wire/attributes/as-path.js';
import { parseIpv4, parseIpv6 } from '../../wire/address.js';
import { AsPathSegmentType, type AsPathSegment, type PathAttributes } from '../../wire/types.js';
import type { PrefixKey } from '../../wire/prefix.js';
import type { AttrRank, NextHopRank, PeerRank } from '../types.js';
import type { DecisionRoute } from '../../rib/decision-engine.js';
import { packTier, type OrderKey, type OrderedPath } from './compare.js';

/**
 * RFC 4271 §9.1.2.2 (c) neighborAS(n): the AS the route entered our AS from — the first AS of the path
 * once confederation segments are skipped (RFC 5065 §5.3: member-AS numbers are internal). A path that
 * is empty or starts with an AS_SET was originated or aggregated locally: "it is the local AS", encoded
 * as 0 (AS 0 is reserved, RFC 7607, so it never collides with a real neighbour).
 */
export function neighborAs(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  for (let i = 0; i < path.length; i++) {
    const s = path[i];
    if (s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet) continue;
    if (s.type !== AsPathSegmentType.AsSequence || s.asns.length === 0) return 0;
    return s.asns[0];
  }
  return 0;
}

/** RFC 4271 §9.1 inputs of one post-policy attribute set. */
export function rankAttributes(a: PathAttributes, alwaysCompareMed: boolean): AttrRank {
  const path = a.asPathEffective ?? a.asPath; // RFC 6793 §4.2.3
  const rank: AttrRank = {
    localPref: a.localPref === undefined ? 100 : a.localPref, // RFC 4271 §5.1.5 default
    asPathLength: asPathLength(path), // §9.1.2.2 (a): AS_SET counts 1, confed segments 0
    origin: a.origin === undefined ? 2 : a.origin, // missing ORIGIN ranks as INCOMPLETE, the worst
    med: a.med === undefined ? 0 : a.med, // §9.1.2.2 (c): missing MED = lowest possible value
    medGroup: alwaysCompareMed ? -1 : neighborAs(path),
    originatorId: a.originatorId === undefined ? -1 : parseIpv4(a.originatorId),
    clusterListLength: a.clusterList === undefined ? 0 : a.clusterList.length,
  };
  return Object.freeze(rank);
}

/** RFC 4271 §9.1.2.2 (g) ordering key: 16 address octets as hex, IPv4 as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
export function peerAddressKey(address: string): string {
  if (address.includes(':')) {
    let s = '';
    for (const b of parseIpv6(address)) s += (b < 16 ? '0' : '') + b.toString(16);
    return s;
  }
  return '00000000000000000000ffff' + parseIpv4(address).toString(16).padStart(8, '0');
}

/** What a path shares with every path of the same peer, post-policy attribute set and next hop. */
export class PathBasis implements OrderKey, OrderedPath {
  /** As an entry (OrderedPath) the basis stands for the path with path id 0. */
  readonly basis: PathBasis;
  readonly pathId = 0;
  readonly tierKey: number;
  readonly medGroup: number;
  readonly med: number;
  readonly external: boolean;
  readonly igpCost: number;
  readonly bgpId: number;
  readonly clusterLen: number;
  readonly addrKey: string;

  constructor(
    readonly peerId: number,
    /** Post-import-policy attributes (what the decision and export see); `received` when rejected. */
    readonly attributes: PathAttributes,
    readonly received: PathAttributes,
    readonly nextHop: string,
    readonly nextHopLinkLocal: string | undefined,
    readonly rank: AttrRank,
    readonly peer: PeerRank,
    readonly nh: NextHopRank,
    readonly accepted: boolean,
  ) {
    this.tierKey = packTier(nh.reachable, rank.localPref, rank.asPathLength, rank.origin);
    this.medGroup = rank.medGroup;
    this.med = rank.med;
    this.external = peer.ebgp;
    this.igpCost = nh.igpCost;
    this.bgpId = rank.originatorId >= 0 ? rank.originatorId : peer.routerId; // RFC 4456 §9
    this.clusterLen = rank.clusterListLength;
    this.addrKey = peer.addressKey;
    this.basis = this;
  }
}

/**
 * The stored entry of a path with a non-zero RFC 7911 path id. Like a basis, it is itself the Loc-RIB best
 * a delta offers (LocBest: the Route fields without the prefix), so no object is built per change.
 */
export class AddPathEntry implements OrderedPath {
  constructor(
    readonly basis: PathBasis,
    readonly pathId: number,
  ) {}

  get peerId(): number {
    return this.basis.peerId;
  }

  get attributes(): PathAttributes {
    return this.basis.attributes;
  }

  get nextHop(): string {
    return this.basis.nextHop;
  }

  get nextHopLinkLocal(): string | undefined {
    return this.basis.nextHopLinkLocal;
  }
}

/** What a prefix stores per path; also a LocBest (peerId, pathId, attributes, next hops). */
export type PathEntry = PathBasis | AddPathEntry;

export class Path implements DecisionRoute, OrderedPath {
  constructor(
    readonly basis: PathBasis,
    readonly prefix: PrefixKey,
    readonly pathId: number,
  ) {}

  get peerId(): number {
    return this.basis.peerId;
  }

  get attributes(): PathAttributes {
    return this.basis.attributes;
  }

  get received(): PathAttributes {
    return this.basis.received;
  }

  get nextHop(): string {
    return this.basis.nextHop;
  }

  get nextHopLinkLocal(): string | undefined {
    return this.basis.nextHopLinkLocal;
  }

  get rank(): AttrRank {
    return this.basis.rank;
  }

  get peer(): PeerRank {
    return this.basis.peer;
  }

  get nh(): NextHopRank {
    return this.basis.nh;
  }

  get accepted(): boolean {
    return this.basis.accepted;
  }
}
