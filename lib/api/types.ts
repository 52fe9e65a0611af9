/** The contract between the JSON API and whatever serves its data (the Speaker implements ApiProvider). */

/** RFC 4271 §8.2.2 session states, kebab-case as everywhere in btrd. */
export type PeerState = 'idle' | 'connect' | 'active' | 'open-sent' | 'open-confirm' | 'established';

export interface NeighborStatus {
  name: string;
  address: string;
  remoteAs: number;
  state: PeerState;
  /** Seconds since the session reached Established; null when not established. */
  uptimeSeconds: number | null;
  /** Prefixes currently in this neighbour's Adj-RIB-In. */
  prefixesReceived: number;
  /** Of those, how many passed import policy. */
  prefixesAccepted: number;
}

export interface RibSummary {
  /** Paths in all Adj-RIBs-In (every candidate). */
  paths: number;
  /** Prefixes with a best path in the Loc-RIB. */
  best: number;
}

export interface ApiProvider {
  summary(): RibSummary;
  neighbors(): NeighborStatus[];
}
