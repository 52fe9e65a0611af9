/** The contract between the JSON API and whatever serves its data (the Speaker implements ApiProvider). */
import type { RouteQuery, RouteQueryResult } from './routes.js';

export type { RouteQuery, RouteQueryResult, RouteJson, RouteEntryJson } from './routes.js';

/** RFC 4271 §8.2.2 session states, kebab-case as everywhere in btrd. */
export type PeerState = 'idle' | 'connect' | 'active' | 'open-sent' | 'open-confirm' | 'established';

/** BGP message types (RFC 4271 §4.1, RFC 2918) as counted per neighbour. */
export type MessageTypeName = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';
export type MessageCountsJson = Record<MessageTypeName, number>;

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
  /** Prefixes in the Adj-RIB-Out towards this neighbour (absent from older providers). */
  prefixesAdvertised?: number;
  /** Why the session last went down (NOTIFICATION text or FSM reason), with when; null if it never did. */
  lastError?: { reason: string; at: string } | null;
  messagesIn?: MessageCountsJson;
  messagesOut?: MessageCountsJson;
  /** Received, not yet processed input of this peer and its bound (back-pressure; lib/session/input-budget.ts). */
  input?: { queuedBytes: number; peakQueuedBytes: number; boundBytes: number; paused: boolean; pauses: number; pausedMs: number };
  /** Announced prefixes not accepted because their route was over a limit (max AS_PATH length, attribute bytes). */
  limitRejected?: number;
}

export interface RibSummary {
  /** Paths in all Adj-RIBs-In (every candidate). */
  paths: number;
  /** Prefixes with a best path in the Loc-RIB. */
  best: number;
}

export interface ReplicaStatusJson {
  index: number;
  knobs: Record<string, unknown>;
  alive: boolean;
  master: boolean;
  rounds: number;
  lastRoundMs: number;
  disagreements: number;
  divergentPrefixes: number;
  selfCheckFailures: number;
  auditMismatches: number;
  /** Why the replica was declared faulty (crash, hang, …); null when healthy. */
  fault: string | null;
  /** Controller state: voting | restarting | syncing | spare | retired. */
  state: string;
  /** voting (one of the `replicas` seats) or spare (warm spare: follows rounds, does not vote). */
  role: string;
  /** 0 = the original instance; +1 per restart. */
  generation: number;
  /** Restarts of this replica by the controller. */
  restarts: number;
  /** The controller's last verdict on it (cause, evidence), null if none. */
  lastVerdict: { cause: string; evidence: string; round: number; at: string } | null;
  /** V8 heap used by the replica's thread, bytes, as reported with its last round (null when not measured yet). */
  heapUsedBytes: number | null;
  /** FIB audit: prefixes where its Loc-RIB differed from the voted state (cumulative). */
  treeAuditDivergences: number;
  /** Whole-RIB digest of its last round result. */
  ribDigest: number;
}

export interface VoterStatusJson {
  /** false: replicas = 1, no voting. */
  replicated: boolean;
  mode: string | null;
  k: number | null;
  master: number | null;
  rounds: number;
  /** Prefixes (summed over rounds) that found no quorum: their previous voted state was kept. */
  quorumMisses: number;
  failovers: number;
  disagreements: number;
  /** Last recorded disagreements (bounded). */
  recent: { round: number; prefix: string; replicas: number[] }[];
  /** The controller: replica restarts and verdicts by cause (crash, hang, leak, wrong), degradation. */
  restartsByCause: Record<string, number>;
  verdictsByCause: Record<string, number>;
  /** Replicas voting now, and the fewest the mode needs. */
  voting: number;
  quorum: number;
  degraded: boolean;
  degradedReason: string | null;
  /** Inputs quarantined since start (the list is GET /quarantine). */
  quarantinedTotal: number;
  /** Warm spares: configured, ready now (following rounds with the majority's digest), promotions into a failed replica's seat. */
  spares: { configured: number; ready: number; promotions: number };
}

export interface QuarantineEntryJson {
  /** When it was quarantined (ISO 8601). */
  since: string;
  /** The neighbour it came from. */
  peer: string | null;
  /** Round whose input held it (-1: found during a re-sync replay). */
  round: number;
  /** The prefixes it announced or withdrew (treated as withdrawn instead). */
  prefixes: string[];
  /** What it did to the replicas that tried it. */
  reason: string;
  /** Times it was seen again and replaced by its withdrawal. */
  hits: number;
  /** The whole UPDATE, hex. */
  hex: string;
}

export interface FibStatusJson {
  available: boolean;
  routes: number;
  lookups: number;
  /** The FIB writer's audit (lib/fib/writer.ts): audits run, entries repaired by kind, replica divergences found. */
  audits?: number;
  repairs?: { missing: number; extra: number; changed: number };
  replicaDivergences?: number;
  /** Entries rewritten by master fail-overs; kernel batches the kernel refused. */
  failoverRewrites?: number;
  kernelErrors?: number;
}

export interface FibLookupJson {
  address: string;
  /** The longest-match FIB entry, null when no route covers the address. */
  prefix: string | null;
  nextHop: string | null;
}

/** Reset a neighbour: hard (session restart), soft-in (ask for its routes again: RFC 2918 ROUTE-REFRESH), soft-out (re-send our Adj-RIB-Out). */
export type ResetMode = 'hard' | 'soft-in' | 'soft-out';

export class ApiRequestError extends Error {
  constructor(message: string, readonly status: number, readonly code: string) {
    super(message);
  }
}

export interface ApiProvider {
  summary(): RibSummary;
  neighbors(): NeighborStatus[];
  /** Internal id of a configured neighbour (route queries by peer). */
  peerId?(name: string): number | undefined;
  /** Routes; replicated: answered by a replica agreeing with the voted state. */
  routes?(q: RouteQuery): Promise<RouteQueryResult>;
  replicaStatus?(): Promise<ReplicaStatusJson[]>;
  voter?(): VoterStatusJson;
  quarantine?(): QuarantineEntryJson[];
  fib?(): FibStatusJson;
  fibLookup?(address: string): FibLookupJson;
  /** Write operations (only reached when enabled and authorised). Unknown names throw ApiRequestError 404. */
  resetNeighbor?(name: string, mode: ResetMode): Promise<void>;
  restartReplica?(index: number): Promise<void>;
}
