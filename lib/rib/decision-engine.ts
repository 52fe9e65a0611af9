/**
 * The decision-engine contract shared by every N-version implementation (DESIGN principle 2,
 * "implementation" knob of issue 4): `RoutingEngine` (lib/rib/engine.ts, variant A: candidate scan by
 * elimination) and `IncrementalEngine` (lib/decision/variant-b, variant B: per-prefix ordered candidate
 * arrays). A replica holds a `DecisionEngine` and never knows which one it got.
 *
 * Contract: given the same calls, every implementation returns the same Loc-RIB (same best peer/path id
 * and attributes per prefix), the same Adj-RIB-Out per peer, the same counts, and after each call a delta
 * with the same set of changes (order inside the delta is free). spec/decision/variant-b holds them to it.
 */
import type { PathAttributes, UpdateMessage } from '../wire/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { Policy } from '../policy/types.js';
import type { AttrRank, NextHopRank, PeerRank } from '../decision/types.js';
import type { EngineDelta, EnginePeer, PeerCounts, PeerOut, Route } from './types.js';

/**
 * A path as the engines expose it (candidates, best, accepted routes): the Route plus what the decision
 * read from it. The public fields of A's RibRoute, as a structural type, so that either engine's paths fit.
 */
export interface DecisionRoute extends Route {
  /** As received (pre-policy). `attributes` is the post-import-policy set. */
  readonly received: PathAttributes;
  readonly nextHopLinkLocal: string | undefined;
  readonly rank: AttrRank;
  readonly peer: PeerRank;
  readonly nh: NextHopRank;
  /** Passed loop detection and import policy. */
  readonly accepted: boolean;
}

export interface EngineCounts {
  /** Candidate paths (accepted) over all established peers. */
  paths: number;
  /** Prefixes with a best path. */
  best: number;
  perPeer: Map<number, PeerCounts>;
}

export interface DecisionEngine {
  /** Session Established: returns the full initial Adj-RIB-Out for it. Throws EngineError on a duplicate id. */
  addPeer(peer: EnginePeer): EngineDelta;
  /** Session down: its paths leave the Loc-RIB. */
  removePeer(peerId: number): EngineDelta;
  /** Soft reconfiguration: re-run import over the pre-policy Adj-RIB-In, export for the peer. PolicyError leaves the engine unchanged. */
  setPolicies(peerId: number, importPolicy: Policy, exportPolicy: Policy): EngineDelta;
  /** One decoded UPDATE (RFC 7606 treatment applied). */
  applyUpdate(peerId: number, u: UpdateMessage): EngineDelta;
  adjRibOut(peerId: number): PeerOut;
  locRib(): Iterable<Route>;
  adjRibIn(peerId: number): Iterable<Route>;
  acceptedRoutes(peerId: number): Iterable<DecisionRoute>;
  candidates(prefix: PrefixKey): DecisionRoute[];
  best(prefix: PrefixKey): DecisionRoute | null;
  peerIds(): number[];
  counts(): EngineCounts;
}
