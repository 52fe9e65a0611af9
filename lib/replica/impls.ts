/**
 * Decision implementations selectable per replica (`impl` knob). Each builds an engine with RoutingEngine's
 * public API (lib/rib/decision-engine.ts DecisionEngine). Adding an implementation is one line here plus its
 * name in impl-names.ts.
 */
import { RoutingEngine } from '../rib/engine.js';
import { IncrementalEngine } from '../decision/variant-b/index.js';
import type { EngineDelta, EngineOptions, EnginePeer, PeerCounts, PeerOut, Route } from '../rib/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { UpdateMessage } from '../wire/types.js';
import type { Candidate } from '../decision/types.js';
import type { ImplName } from './impl-names.js';

/** What a replica needs from a decision implementation (a subset of RoutingEngine's public API). */
export interface ReplicaEngine {
  addPeer(peer: EnginePeer): EngineDelta;
  removePeer(peerId: number): EngineDelta;
  applyUpdate(peerId: number, u: UpdateMessage): EngineDelta;
  adjRibOut(peerId: number): PeerOut;
  /** Pre-policy Adj-RIB-In (attributes as received): the controller's re-sync source. */
  adjRibIn(peerId: number): Iterable<Route>;
  best(prefix: PrefixKey): (Route & Candidate) | null;
  candidates(prefix: PrefixKey): (Route & Candidate)[];
  candidateCount(prefix: PrefixKey): number;
  counts(): { paths: number; best: number; perPeer: Map<number, PeerCounts> };
}

export const IMPLS: { readonly [K in ImplName]: (opts: EngineOptions) => ReplicaEngine } = {
  a: (o) => new RoutingEngine(o),
  b: (o) => new IncrementalEngine(o),
};
