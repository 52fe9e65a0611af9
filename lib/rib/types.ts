/** The routing engine's public shapes (lib/rib/engine.ts). */
import type { CodecContext, PathAttributes } from '../wire/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { Policy } from '../policy/types.js';
import type { ImportLimits } from '../policy/limits.js';

export type { PrefixKey };

export interface EnginePeer {
  id: number;
  name: string;
  /** Session address of the peer (RFC 4271 §9.1.2.2 (g) tie-break). */
  address: string;
  asn: number;
  /** The AS we present on this session (normally EngineOptions.asn). */
  localAs: number;
  /** Peer's BGP identifier from its OPEN. */
  routerId: string;
  ebgp: boolean;
  routeReflectorClient: boolean;
  /** RFC 7947: we are this peer's route server (no prepend, next hop and MED kept). */
  routeServerClient: boolean;
  families: { ipv4: boolean; ipv6: boolean };
  codec: CodecContext;
  /** Force next-hop self on export to this peer (eBGP exports always use next-hop self; see lib/export/rules.ts). */
  nextHopSelf: boolean;
  /** Our address on this session (the next-hop-self value). */
  localAddress: { ipv4?: string; ipv6?: string };
  importPolicy: Policy;
  exportPolicy: Policy;
  /** Maximum AS_PATH length / attribute-set size for routes from this peer (lib/policy/limits.ts). */
  importLimits?: ImportLimits;
}

export interface EngineOptions {
  asn: number;
  routerId: string;
  /** RFC 4456 §7: defaults to routerId when reflecting. */
  clusterId?: string;
  alwaysCompareMed: boolean;
  /**
   * Accepted for configuration compatibility; the decision is always the deterministic-MED result
   * (RFC 4271 §9.1.2.2 elimination, independent of arrival order — DESIGN principle 2).
   */
  deterministicMed: boolean;
  /** Next-hop resolution from configured connected/static routes: undefined = unreachable. igpCost 0 where unknown. */
  resolveNextHop(nextHop: string): { igpCost: number } | undefined;
}

export interface Route {
  peerId: number;
  prefix: PrefixKey;
  pathId: number;
  attributes: PathAttributes;
  /** Effective next hop: NEXT_HOP, or the MP_REACH_NLRI global address. */
  nextHop: string;
  nextHopLinkLocal?: string;
}

export interface PeerOut {
  /** Exactly what to send (next hop set; for IPv6 prefixes `nextHop` holds the IPv6 global next hop). */
  announce: Map<PrefixKey, PathAttributes>;
  withdraw: Set<PrefixKey>;
}

export interface EngineDelta {
  locRib: { prefix: PrefixKey; best: Route | null }[];
  out: Map<number, PeerOut>;
  /**
   * The Loc-RIB changes without building `locRib`'s objects (optional: a replica prefers it): `best` is the
   * engine's own immutable path (the Route fields without the prefix), valid after later updates too.
   * `candidates`: how many candidate paths the prefix had when this best was chosen (undefined or -1: the
   * engine does not say); a replica's tie-break rescan skips prefixes with one, without asking the engine.
   */
  forEachLocChange?(f: (prefix: PrefixKey, best: LocBest | null, candidates?: number) => void): void;
  /** How many Loc-RIB changes there are, without building `locRib` (optional: a replica sizes its round tables by it). */
  readonly locRibChanges?: number;
}

/** A Loc-RIB best without its prefix (a Route minus `prefix`; an engine's interned path satisfies it). */
export interface LocBest {
  readonly peerId: number;
  readonly pathId: number;
  readonly attributes: PathAttributes;
  readonly nextHop: string;
  readonly nextHopLinkLocal?: string | undefined;
}

export interface PeerCounts {
  /** Paths in the pre-policy Adj-RIB-In. */
  received: number;
  /** Paths that passed loop detection and import policy (candidates). */
  accepted: number;
  /** Prefixes in the Adj-RIB-Out. */
  advertised: number;
}

/**
 * The Route that export reads: one mutable object per engine, refilled per (prefix, best) — the export
 * pipeline never keeps it (both decision implementations hand it to lib/export).
 */
export interface ExportRoute {
  peerId: number;
  prefix: PrefixKey;
  pathId: number;
  attributes: PathAttributes;
  nextHop: string;
  nextHopLinkLocal: string | undefined;
}
