/**
 * Every main ↔ replica message and SharedArrayBuffer slot of the replicated decision process — nothing else.
 *
 * One round (N replicas, each a single-thread Piscina pool, tasks FIFO per replica):
 *
 * ```
 *  main thread (trusted core)                         replica i (workers/decision.ts, i = 0..N-1)
 *  ───────────────────────────                         ─────────────────────────────────────────────
 *  mux.writeRound(updates)
 *    raw UPDATE bytes copied ONCE into a fresh
 *    SharedArrayBuffer: [header | table | bytes]
 *  pool_i.run({kind:'updates', round, input}) ──SAB──► (shared, not copied) delay/jitter (timing knobs)
 *      … same SAB to every replica …                   order = interleaveByPeer(seed) (order knob)
 *                                                       for each entry: decodeUpdate(view of SAB)   ← parsing
 *                                                         filter to covered prefixes (prefixes knob)    replicated
 *                                                         engine.applyUpdate → delta (impl knob)
 *                                                       per touched prefix: outcome digest (digest.ts),
 *                                                         changed best (peer, path id, attrs digest, nh),
 *                                                         changed exports (peer, attrs digest)
 *    RoundResult ◄──── typed arrays, TRANSFERRED ────── running whole-RIB digest
 *  voter.accept(result_i) as each arrives:
 *    per prefix: value_i = outcome_i (reported) | divergent_i | voted (unchanged)
 *    quorum per mode → decided prefixes
 *  attributes not in the main cache:
 *  pool_w.run({kind:'fetch-attrs', digests}) ───────► recent[digest] (last ROUNDS_KEPT rounds)
 *    ◄──────── the unique attribute sets (structured clone, once per set) ─┘
 *  VotedDelta (EngineDelta shape) → speaker export path (packUpdates)
 *  late replicas: compared when they finish; divergence → disagreement record, master fail-over and
 *  corrections ({kind:'restate'} from a majority replica: full per-prefix state).
 * ```
 *
 * With N = 1 the replica runs in `direct` mode: it returns its merged EngineDelta as is (no digests, no
 * voting, one structured clone of the delta) — the plain-router fast path.
 */
import type { EngineDelta, EngineOptions, EnginePeer, PeerOut, Route } from '../rib/types.js';
import type { PathAttributes } from '../wire/types.js';
import type { ReplicaKnobs } from './knobs.js';
export type { RouteQueryResult };
import type { RouteQuery, RouteQueryResult } from '../api/routes.js';
import type { CorruptLocTask, RibTreeTask } from './rib-tree.js';

// ── input SharedArrayBuffer (mux.ts writes, workers read) ──────────────────────────────────────────────
/** u32 slots of the header (Uint32Array over the SAB). */
export const InputSlot = {
  /** INPUT_MAGIC: guards against a stale layout. */
  Magic: 0,
  /** Number of entries n in the table. */
  Count: 1,
  /** Byte offset where message bytes start. */
  BytesStart: 2,
  /** Total message bytes. */
  BytesLength: 3,
} as const;
export const INPUT_MAGIC = 0x62747231; // 'btr1'
export const INPUT_HEADER_WORDS = 4;
/** Table: n × [peerId, byte offset (from BytesStart), length], u32 each, right after the header. */
export const INPUT_ENTRY_WORDS = 3;
export const EntryField = { PeerId: 0, Offset: 1, Length: 2 } as const;

// ── engine configuration as data (no functions cross threads) ─────────────────────────────────────────
/** Next-hop resolution as data: everything reachable (igpCost 0), or the longest matching listed prefix. */
export type NextHopTable = { readonly all: true } | { readonly routes: readonly { readonly prefix: string; readonly igpCost: number }[] };

export type EngineConfig = Omit<EngineOptions, 'resolveNextHop'> & { readonly resolveNextHop: NextHopTable };
/** EnginePeer is plain data already (policies are lib/policy/types.ts data, codec flags are booleans). */
export type PeerConfig = EnginePeer;

// ── tasks (main → replica) ─────────────────────────────────────────────────────────────────────────────
export interface InitTask {
  readonly kind: 'init';
  readonly replica: number;
  readonly engine: EngineConfig;
  readonly knobs: ReplicaKnobs;
  /** N = 1: return EngineDeltas as is (no digests). */
  readonly direct: boolean;
  /** Keep the Loc-RIB hash tree from the start (a FIB will audit it); false = build it on first request. Default true. */
  readonly ribTree?: boolean;
}
export interface UpdatesTask {
  readonly kind: 'updates';
  readonly round: number;
  readonly input: SharedArrayBuffer;
}
export interface AddPeerTask {
  readonly kind: 'add-peer';
  readonly round: number;
  readonly peer: PeerConfig;
}
export interface RemovePeerTask {
  readonly kind: 'remove-peer';
  readonly round: number;
  readonly peerId: number;
}
export interface FetchAttrsTask {
  readonly kind: 'fetch-attrs';
  readonly digests: Float64Array;
}
export interface RestateTask {
  readonly kind: 'restate';
  readonly prefixes4: Float64Array;
  readonly prefixes6: readonly string[];
}
export interface AdjRibOutTask {
  readonly kind: 'adj-rib-out';
  readonly peerId: number;
}
/** RIB counters of a replica (for the API and the speaker's max-prefix check). */
export interface CountsTask {
  readonly kind: 'counts';
}
export interface CountsResult {
  readonly paths: number;
  readonly best: number;
  /** [peerId, received, accepted, advertised] per peer. */
  readonly perPeer: readonly (readonly [number, number, number, number])[];
}
/** Re-sync (controller): the replica's pre-policy Adj-RIB-In per peer, re-encoded as UPDATE messages. */
export interface DumpAdjRibInTask {
  readonly kind: 'dump-adj-rib-in';
  readonly maxMessageLength: number;
}
export interface DumpAdjRibInResult {
  /** Peers in ascending id; whole UPDATE messages (header included) in the peer's receive codec. */
  readonly peers: { readonly peerId: number; readonly messages: Uint8Array[] }[];
  /** The replica's whole-RIB digest when it dumped. */
  readonly ribDigest: number;
}
/** An operator's route query (lib/api/routes.ts), answered from the replica's reported state. */
export interface RoutesTask {
  readonly kind: 'routes';
  readonly query: RouteQuery;
}
export type RoundTask = UpdatesTask | AddPeerTask | RemovePeerTask;
export type ReplicaTask = InitTask | RoundTask | FetchAttrsTask | RestateTask | AdjRibOutTask | CountsTask | DumpAdjRibInTask | RoutesTask | RibTreeTask | CorruptLocTask;

// ── results (replica → main) ───────────────────────────────────────────────────────────────────────────
/**
 * What the replica's parser found wrong with a round entry. `session-reset` (RFC 7606 §3 / RFC 4271 §6.3):
 * the entry was skipped, and so is every later entry of that peer until it is removed or re-added (the
 * session is going down); the voted error makes the speaker send NOTIFICATION code/subcode/data.
 * `treat-as-withdraw` / `attribute-discard`: applied (RFC 7606 §2), reported for the log.
 * `unknown-peer`: an entry for a peer the replica does not know (a speaker bug), skipped.
 * `import-limit`: the UPDATE's attributes are over the peer's import limits (lib/policy/limits.ts; the
 * verdict in `message`, its announced prefixes in `prefixes`): applied as usual (the engine treats them
 * as withdraws), reported so that the main thread counts the rejections once, from the voted errors.
 */
export interface InputError {
  /** Entry index in the round. */
  readonly index: number;
  readonly peerId: number;
  readonly kind: 'session-reset' | 'treat-as-withdraw' | 'attribute-discard' | 'unknown-peer' | 'import-limit';
  readonly code: number;
  readonly subcode: number;
  readonly data?: Uint8Array;
  readonly message: string;
  /** import-limit: NLRI announced by the UPDATE (all families). */
  readonly prefixes?: number;
}

/**
 * A replica's round result: only prefixes whose outcome (best + every export) differs from the replica's
 * state at round start. Prefix i is `prefixes4[i]` for i < prefixes4.length, else `prefixes6[i - n4]`.
 * Every typed array's buffer is transferred.
 */
export interface RoundResult {
  readonly kind: 'round';
  readonly replica: number;
  readonly round: number;
  /** Time the replica spent on the round, knobs' delays included. */
  readonly ms: number;
  readonly prefixes4: Float64Array;
  readonly prefixes6: string[];
  /** Post-round outcome digest per prefix (digest.ts `digestOutcome`; 0 = no best and no export). */
  readonly outcome: Float64Array;
  /** 1 where the Loc-RIB entry changed; then the best-route fields below are meaningful. */
  readonly locChanged: Uint8Array;
  /** Best route: peer id (-1 = none), path id, attributes digest, next hop / link-local (index into `strings`, -1 none). */
  readonly bestPeer: Int32Array;
  readonly bestPathId: Float64Array;
  readonly bestAttrs: Float64Array;
  readonly bestNextHop: Int32Array;
  readonly bestLinkLocal: Int32Array;
  readonly strings: string[];
  /** Export changes: prefix index, peer id, attributes digest (0 = withdraw). */
  readonly expPrefix: Uint32Array;
  readonly expPeer: Uint32Array;
  readonly expAttrs: Float64Array;
  /** Running whole-RIB digest: XOR over prefixes of ribTerm(prefix, outcome). */
  readonly ribDigest: number;
  /** tiebreakSeed rescans whose answer differed from the engine's (0 in a healthy replica). */
  readonly selfCheckFailures: number;
  readonly inputErrors: InputError[];
  /** V8 used heap of the replica's thread after the round (controller: leak detection). */
  readonly heapUsedBytes: number;
}

/** N = 1: the merged engine delta of the round (Routes as plain objects). */
export interface DirectResult {
  readonly kind: 'direct';
  readonly replica: number;
  readonly round: number;
  readonly ms: number;
  readonly delta: EngineDelta;
  readonly inputErrors: InputError[];
}

/** fetch-attrs: aligned with the requested digests; null = no longer kept. */
export type FetchAttrsResult = (PathAttributes | null)[];

/** restate: the replica's full current state for the requested prefixes (corrections). */
export interface RestateResult {
  readonly best: (Route | null)[];
  /** Per live peer of the replica, aligned with the requested prefixes (v4 first, then v6). */
  readonly exports: { readonly peerId: number; readonly attrs: (PathAttributes | null)[] }[];
}

export type AdjRibOutResult = PeerOut;

/** Rounds of attribute sets a replica keeps for fetch-attrs. */
export const ROUNDS_KEPT = 16;
