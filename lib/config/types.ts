/**
 * The validated, typed configuration (camelCase) that the rest of btrd codes against. The YAML spelling of
 * every key is kebab-case (`router-id`, `hold-time`); lib/config/schema.ts maps one to the other and
 * README.md § Configuration documents each key.
 */
import type { Policy } from './policy-types.js';

export type { Policy, PolicyTerm, PolicyMatch, PolicyActions, PrefixMatch } from './policy-types.js';

export type AddressFamily = 'ipv4-unicast' | 'ipv6-unicast';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface ListenAddress {
  address: string;
  port: number;
}

/** A route used only to resolve BGP next hops (reachability + IGP cost, RFC 4271 §9.1.2.1). */
export interface NextHopRoute {
  prefix: string;
  nextHop?: string;
  igpCost?: number;
  kind: 'connected' | 'static';
}

export interface MaxPrefixes {
  limit: number;
  /** Log a warning when the count reaches this percentage of `limit`. */
  warningPercent: number;
  /** Seconds after the Cease (RFC 4486 subcode 1) before the session may restart; absent = stay down until reset. */
  restartAfter?: number;
}

/**
 * Resource limits against a peer exhausting the daemon (global `limits:`, overridden per peer). Absent
 * keys: no AS_PATH / attribute-size limit, and the speaker's default input bound.
 */
export interface LimitsConfig {
  /** Routes whose AS_PATH holds more ASNs are not accepted (treated as withdrawn; lib/policy/limits.ts). */
  maxAsPathLength?: number;
  /** Routes whose path attributes take more octets on the wire are not accepted (treated as withdrawn). */
  maxAttributeBytes?: number;
  /** Received, not yet processed input per peer above which its socket stops being read (TCP back-pressure). */
  maxQueuedInputBytes?: number;
}

export interface PeerConfig {
  name: string;
  address: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  remoteAs: number;
  localAs?: number;
  passive: boolean;
  holdTime: number;
  connectRetryTime: number;
  idleHoldTime: number;
  families: AddressFamily[];
  addPathReceive: boolean;
  routeReflectorClient: boolean;
  routeServerClient: boolean;
  nextHopSelf: boolean;
  /** Next hop announced when btrd is next hop on this session (default: the session's local address). */
  nextHopAddress?: { ipv4?: string; ipv6?: string };
  maxPrefixes?: MaxPrefixes;
  /** MinRouteAdvertisementIntervalTimer in seconds (RFC 4271 §9.2.1.1); 0 = advertise at the end of each round. */
  mrai: number;
  import: Policy;
  export: Policy;
  /** The global `limits` merged with this peer's (peer keys win); absent when neither sets any. */
  limits?: LimitsConfig;
}

export interface ApiConfig {
  /** `ADDR:PORT` or `[V6ADDR]:PORT`. */
  listen: string;
  writeToken?: string;
  enableWrite: boolean;
}

export interface BtrdConfig {
  routerId: string;
  asn: number;
  clusterId?: string;
  listen: ListenAddress[];
  decision: { alwaysCompareMed: boolean; deterministicMed: boolean };
  routes: NextHopRoute[];
  /** true: every next hop is reachable with IGP cost 0 (default when `routes` is empty). */
  resolveAllNextHops: boolean;
  peers: PeerConfig[];
  api: ApiConfig | null;
  log: { level: LogLevel; pretty: boolean };
  /** Global `limits` (already merged into every peer's `limits`); absent when not configured. */
  limits?: LimitsConfig;
  replicas: number;
  /** How the replicas vote and differ (always present; knobs has one entry per replica). */
  replication: ReplicationConfig;
  /** The FIB writer (lib/fib/writer.ts): backends, kernel table, MRT dumps, replica audit. */
  fib: FibConfig | null;
}

export type FibBackendName = 'memory' | 'kernel' | 'mrt';

export interface FibConfig {
  /** Memory is always there; kernel and mrt are added when listed. */
  backends: FibBackendName[];
  kernel: { table: number; protocol: number; onShutdown: 'keep' | 'remove'; startupHoldMs: number; netns?: string };
  mrt?: { path: string; intervalMs: number };
  audit: { intervalMs: number; idleMs: number };
}

export type VotingModeName = 'master' | 'k-of-n' | 'continuous-majority' | 'consensus';

/** Diversity knobs of one replica (lib/replica/knobs.ts); every one keeps replicas equivalent. */
export interface ReplicaKnobsConfig {
  impl: 'a' | 'b';
  orderSeed?: number;
  tiebreakSeed?: number;
  delayMs?: number;
  jitterMs?: number;
  prefixes?: string[];
  reverseScan?: boolean;
  padEveryUpdates?: number;
  padBytes?: number;
  maxOldGenerationMb?: number;
  /** TEST ONLY fault injection (lib/replica/faults.ts ReplicaFaultKnob). */
  fault?: ReplicaFaultConfig;
}

/** Same fields as lib/replica/faults.ts ReplicaFaultKnob. */
export interface ReplicaFaultConfig {
  crashAsPathLongerThan?: number;
  crashOnAttributeType?: number;
  wrongBestInRange?: string;
  wrongBestPrefers?: 'longest-as-path' | 'other';
  hangOnPrefix?: string;
  hangMs?: number;
  leakBytesPerUpdate?: number;
  flipNextHopBit?: { range?: string; bit?: number };
  crashAfterRounds?: number;
  onlyImpl?: 'a' | 'b';
}

/** The replica controller (lib/replica/controller.ts ControllerOptions). */
export interface ReplicaControllerConfig {
  restart: boolean;
  restartBackoffMs: number;
  maxRestarts: number;
  heapLimitMb?: number;
  wrongThreshold: { m: number; w: number };
}

export interface ReplicationConfig {
  mode: VotingModeName;
  k?: number;
  roundDeadlineMs: number;
  maxRoundUpdates: number;
  /** Warm spares (the last `spares` entries of knobs are theirs). */
  spares: number;
  knobs: ReplicaKnobsConfig[];
  controller: ReplicaControllerConfig;
}
