/**
 * The FIB writer (DESIGN principles 3 and 5; issue 6): the daemon's forwarding table, fed the voted Loc-RIB
 * deltas by the speaker, and the steady-state audit of the replicas against it.
 *
 *   speaker.dispatch(delta) ──► applyLocRib ──► queue (per prefix, newest wins)
 *                                                 │ applied in time slices of 4–20 ms (setImmediate)
 *                                                 ▼
 *                                                Fib (copy-on-write, in memory; lookups, snapshots)
 *                                                 │ changes, coalesced per prefix while a batch is out
 *                                                 ▼
 *                                   kernel backend (ip -batch, one batch at a time)
 *                                   MRT dumps (periodic, from a snapshot; last one at stop)
 *
 * Audit (replicas > 1): at `audit.intervalMs` and once the input has been idle for `audit.idleMs`, inside
 * the speaker's replica queue (no round in flight), every live replica's Loc-RIB tree is diffed with a
 * snapshot of the FIB through the hash trees (remote-tree.ts: O(differences · depth) digests, one worker
 * request per tree level). For each differing prefix the replicas' entries are fetched and voted: a strict
 * majority of the covering replicas that differs from the FIB repairs the FIB entry (warn line + counter);
 * a replica that differs from the voted state is reported to the replica set (`reportAuditDivergence`, the
 * controller's hook). Master fail-over: `failover(R)` rewrites every entry that differs from replica R —
 * one hash-tree diff against R's tree plus one batch of writes.
 *
 * No starvation (issue 8, XORP bug 814): nothing here runs for long on the main thread. Loc-RIB changes
 * are queued (coalesced per prefix: the newest wins, nothing is lost) and written into the trie in slices
 * of 4–20 ms (SLICE_MS..MAX_SLICE_MS), one per event-loop turn, so a full-table flood, a departed peer's withdrawal or a
 * fail-over rewrite never holds the loop for the whole batch; the audit hashes the FIB snapshot the same
 * way before diffing. Queued changes are never invisible: every read (lookup, size, snapshot, stats, the
 * `fib` table itself) applies them first, and the audit, fail-over, MRT dumps, `flushed()` and `stop()`
 * wait for the queue to drain, so a change that is merely queued is never reported as a difference.
 */
import { rename } from 'node:fs/promises';
import type { Route } from '../rib/types.js';
import { formatPrefix, parsePrefix, prefixContains, type PrefixKey } from '../wire/prefix.js';
import { Fib, type FibSnapshot } from './cow-fib.js';
import { AuditSchedule } from './audit.js';
import { KernelFibBackend } from './backends/kernel.js';
import { dumpFibToMrt } from './backends/mrt.js';
import { computeDigestUntil } from './trie.js';
import { diffRemote, WHOLE_TABLE, type RangeInfo, type RemoteTree } from './remote-tree.js';
import { entryOfRoute } from './route-entry.js';
import { sameFibEntry, type FibChange, type FibEntry } from './types.js';
import type { FibRepairKind } from './audit.js';

export type FibBackendName = 'memory' | 'kernel' | 'mrt';

export interface FibWriterOptions {
  /** Where the FIB goes besides memory (memory is always there: lookups, API, audit, dumps). */
  readonly backends: readonly FibBackendName[];
  readonly kernel?: {
    readonly table: number;
    readonly protocol: number;
    /** On stop: keep btrd's routes in the kernel (a restart reconciles them) or remove them. */
    readonly onShutdown: 'keep' | 'remove';
    /** Keep stale routes this long after start before reconciling (0: reconcile at once). */
    readonly startupHoldMs?: number;
    /** Write into this network namespace (`ip -n NS`). */
    readonly netns?: string;
  };
  readonly mrt?: { readonly path: string; readonly intervalMs: number };
  readonly audit?: { readonly intervalMs: number; readonly idleMs: number };
}

/** pino-compatible subset. */
export interface FibLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** The replicas as the audit sees them (lib/replica/replica-set.ts implements it). */
export interface AuditableReplicas {
  /** Live replicas and the address blocks each covers (undefined: everything). */
  auditTargets(): readonly { readonly index: number; readonly prefixes?: readonly string[] }[];
  /**
   * How many agreeing replicas a repair needs: the voting mode's quorum over the non-retired seats, so that
   * while most replicas restart the audit cannot let the survivors rewrite the FIB where the voter could not
   * (absent: a strict majority of the answers alone).
   */
  repairQuorum?(): number;
  /** Ask replica `index`'s Loc-RIB tree (queued after every round posted to it). */
  ribTree(index: number, op: 'describe', keys: readonly PrefixKey[]): Promise<readonly (RangeInfo | null)[]>;
  ribTree(index: number, op: 'within', keys: readonly PrefixKey[]): Promise<readonly FibEntry[]>;
  ribTree(index: number, op: 'entries', keys: readonly PrefixKey[]): Promise<readonly (FibEntry | null)[]>;
  /** Wait until every posted round is settled; returns corrections not passed to a callback. */
  settle(): Promise<{ readonly locRib: readonly { prefix: PrefixKey; best: Route | null }[] } | null>;
  /** The audit found this replica's Loc-RIB differing from the voted state at these prefixes (`fib`: the voted entries, evidence). */
  reportAuditDivergence(index: number, prefixes: readonly PrefixKey[], fib?: ReadonlyMap<PrefixKey, FibEntry | null>): void;
}

/** Runs `fn` when no replica operation is in flight (the speaker's replica queue). */
export type Exclusive = <T>(fn: () => Promise<T>) => Promise<T>;

export interface FibAuditResult {
  readonly replicas: number;
  /** Prefixes found differing between the FIB and at least one replica. */
  readonly differing: number;
  /** FIB entries rewritten to the replicas' majority. */
  readonly repaired: number;
  /** Replica index → prefixes where it differs from the voted state. */
  readonly divergent: ReadonlyMap<number, readonly PrefixKey[]>;
  readonly requests: number;
  readonly digestComparisons: number;
  readonly ms: number;
}

export interface FibWriterStats {
  readonly entries: number;
  readonly writes: number;
  readonly audits: number;
  readonly repairs: Readonly<Record<FibRepairKind, number>>;
  readonly replicaDivergences: number;
  readonly failoverRewrites: number;
  readonly kernelRoutesWritten: number;
  readonly kernelErrors: number;
  readonly mrtDumps: number;
  /** Largest number of Loc-RIB changes queued for the trie at once, and time slices run to apply them. */
  readonly queuedMax: number;
  readonly slices: number;
}

/**
 * Time the writer keeps the event loop per turn (trie writes, digests): at least SLICE_MS, and up to
 * half the time the rest of the turn took, capped at MAX_SLICE_MS — so that under a flood (long turns of
 * input processing) the FIB keeps pace with the Loc-RIB instead of lagging a whole table behind, and no
 * slice comes near the 1 s KEEPALIVE period of a 3 s hold time even when a loaded machine stretches it.
 */
export const SLICE_MS = 4;
export const MAX_SLICE_MS = 20;

/** Lines per `ip -batch` process: bounded so one failure report and one pipe stay small. */
const KERNEL_CHUNK = 10_000;

function isEntry(v: Route | FibEntry): v is FibEntry {
  return (v as FibEntry).nextHops !== undefined;
}

/** The ranges a replica covers: the whole table, or its address blocks (replica knob `prefixes`). */
function coverRoots(prefixes: readonly string[] | undefined): readonly PrefixKey[] {
  return prefixes === undefined ? WHOLE_TABLE : prefixes.map(parsePrefix);
}

export class FibWriter {
  private readonly table = new Fib();
  /**
   * Changes not yet in `table` (a newer change to a queued prefix replaces it): the voted best route, whose
   * entry is built when written, or an entry (fail-over rewrites). The routes are the deltas' own objects
   * (the engine and the replica protocol build one per Loc-RIB change and never touch it again).
   */
  private queued = new Map<PrefixKey, Route | FibEntry | null>();
  /**
   * The batch being written: `queued` as it was when the previous batch ran out, as two arrays (a Map
   * iterator restarted at every slice would skip over the entries deleted by the previous slices). A
   * change that arrives meanwhile goes to `queued` and is written after the batch: newer after older.
   */
  private batchKeys: PrefixKey[] = [];
  private batchValues: (Route | FibEntry | null)[] = [];
  private batchAt = 0;
  private drainScheduled = false;
  private drainWaiters: (() => void)[] = [];
  /** Largest queue seen, and slices run (stats: how far the FIB lagged behind the Loc-RIB). */
  private queuedMax = 0;
  private slices = 0;
  /** When the previous slice ended (performance.now()). */
  private sliceEndedAt = 0;
  private readonly kernel: KernelFibBackend | null;
  private pending = new Map<PrefixKey, FibEntry | null>();
  private flushQueued = false;
  private backendChain: Promise<void> = Promise.resolve();
  private stopped = false;
  private reconciled = false;
  private holdTimer: NodeJS.Timeout | null = null;
  private mrtTimer: NodeJS.Timeout | null = null;
  private schedule: AuditSchedule | null = null;
  private replicas: AuditableReplicas | null = null;
  private exclusive: Exclusive = (fn) => fn();
  private counters = {
    writes: 0,
    audits: 0,
    repairs: { missing: 0, extra: 0, changed: 0 } as Record<FibRepairKind, number>,
    replicaDivergences: 0,
    failoverRewrites: 0,
    kernelErrors: 0,
    mrtDumps: 0,
  };
  /** Called after each audit (tests, metrics). */
  onAudit: ((r: FibAuditResult) => void) | null = null;

  constructor(
    private readonly options: FibWriterOptions,
    private readonly log: FibLogger,
  ) {
    const k = options.kernel;
    this.kernel = options.backends.includes('kernel') && k ? new KernelFibBackend({ table: k.table, protocol: k.protocol, ...(k.netns ? { netns: k.netns } : {}) }) : null;
    if (options.backends.includes('kernel') && !k) throw new TypeError('fib: kernel backend without kernel options');
    if (options.backends.includes('mrt') && !options.mrt) throw new TypeError('fib: mrt backend without mrt options');
  }

  /** Start the backends: kernel start-up reconciliation (now or after the hold), periodic MRT dumps. */
  async start(): Promise<void> {
    if (this.kernel) {
      const hold = this.options.kernel?.startupHoldMs ?? 0;
      if (hold > 0) {
        this.log.info({ holdMs: hold, table: this.kernel.table, protocol: this.kernel.protocol }, 'fib: kernel routes of a previous run kept until the start-up hold ends');
        this.holdTimer = setTimeout(() => {
          this.holdTimer = null;
          this.reconcileKernel();
        }, hold);
        this.holdTimer.unref();
      } else {
        this.reconcileKernel();
        await this.backendChain;
      }
    }
    const m = this.options.mrt;
    if (m && this.options.backends.includes('mrt')) {
      this.mrtTimer = setInterval(() => void this.dumpMrt().catch(() => undefined), m.intervalMs);
      this.mrtTimer.unref();
    }
  }

  private reconcileKernel(): void {
    const k = this.kernel;
    if (!k || this.reconciled) return;
    this.reconciled = true;
    this.backendChain = this.backendChain.then(async () => {
      if (this.stopped) return;
      const snap = this.fib.snapshot();
      try {
        const r = await k.reconcile(snap.entries());
        this.log.info({ ...r, table: k.table, protocol: k.protocol }, 'fib: kernel table reconciled');
      } catch (err) {
        this.counters.kernelErrors++;
        this.log.error({ err, table: k.table }, 'fib: kernel reconciliation failed');
      }
    });
  }

  // ── writes ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Apply voted Loc-RIB changes (best === null: withdrawn). They are queued and reach the trie within the
   * next slices (entries and route digests are computed there too); reads see them at once.
   */
  applyLocRib(changes: readonly { readonly prefix: PrefixKey; readonly best: Route | null }[]): void {
    if (this.stopped || changes.length === 0) return;
    const q = this.queued;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      q.set(c.prefix, c.best);
    }
    this.queueDrain();
    this.schedule?.noteInput();
  }

  /** Changes not yet written (a prefix changed again while its batch is being written counts twice). */
  queuedChanges(): number {
    return this.queued.size + this.batchKeys.length - this.batchAt;
  }

  private queueDrain(): void {
    const n = this.queuedChanges();
    if (n > this.queuedMax) this.queuedMax = n;
    if (this.drainScheduled || n === 0) return;
    this.drainScheduled = true;
    setImmediate(() => this.drainSlice());
  }

  /** One slice: write queued changes for SLICE_MS..MAX_SLICE_MS, then yield to the event loop. */
  private drainSlice(): void {
    this.drainScheduled = false;
    this.slices++;
    const now = performance.now();
    const budget = Math.min(MAX_SLICE_MS, Math.max(SLICE_MS, (now - this.sliceEndedAt) / 2));
    this.applyQueued(now + budget);
    this.sliceEndedAt = performance.now();
    if (this.queuedChanges() > 0) this.queueDrain();
    else this.wakeDrainWaiters();
  }

  /**
   * Write queued changes into the trie until the queue is empty or `deadline` (performance.now()) passes.
   * One trie descent per change and no per-change objects (the map's entries aside); the kernel gets the
   * changes that changed something, coalesced.
   */
  private applyQueued(deadline: number): void {
    const fib = this.table;
    const pending = this.kernel ? this.pending : null;
    let writes = 0;
    let n = 0;
    for (;;) {
      if (this.batchAt === this.batchKeys.length && !this.nextBatch()) break;
      const i = this.batchAt++;
      const prefix = this.batchKeys[i];
      const v = this.batchValues[i];
      const entry = v === null ? null : isEntry(v) ? v : entryOfRoute(prefix, v);
      if (entry === null ? fib.delete(prefix) : fib.put(entry)) {
        writes++;
        pending?.set(prefix, entry);
      }
      if ((++n & 63) === 0 && performance.now() > deadline) break;
    }
    this.counters.writes += writes;
    if (pending !== null && writes > 0) this.queueFlush();
  }

  /** Move `queued` into the batch arrays; false when nothing is queued. */
  private nextBatch(): boolean {
    const q = this.queued;
    this.batchKeys = [];
    this.batchValues = [];
    this.batchAt = 0;
    if (q.size === 0) return false;
    const keys = this.batchKeys;
    const values = this.batchValues;
    for (const [prefix, v] of q) {
      keys.push(prefix);
      values.push(v);
    }
    this.queued = new Map();
    return true;
  }

  /** Everything queued, now (reads, stop): exact state, at the cost of one task of the queue's size. */
  private applyAllQueued(): void {
    if (this.queuedChanges() === 0) return;
    this.applyQueued(Infinity);
    this.wakeDrainWaiters();
  }

  private wakeDrainWaiters(): void {
    const w = this.drainWaiters;
    if (w.length === 0) return;
    this.drainWaiters = [];
    for (const resolve of w) resolve();
  }

  /** Resolves once every change queued so far (and since) is in the trie, applied in slices meanwhile. */
  drained(): Promise<void> {
    if (this.queuedChanges() === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** The in-memory table, with every queued change applied (tests, benchmarks). */
  get fib(): Fib {
    this.applyAllQueued();
    return this.table;
  }

  /** Input arrived (a round was queued): restarts the audit's idle countdown. */
  noteInput(): void {
    this.schedule?.noteInput();
  }

  /** Write a batch at once (audit repairs: a few entries, computed against a drained snapshot). */
  private write(batch: readonly FibChange[]): FibChange[] {
    this.applyAllQueued();
    const done = this.table.apply(batch);
    this.counters.writes += done.length;
    if (this.kernel && done.length > 0) {
      for (const c of done) this.pending.set(c.prefix, c.entry);
      this.queueFlush();
    }
    return done;
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.backendChain = this.backendChain.then(() => this.flushKernel());
  }

  /** One kernel batch of everything pending (changes made meanwhile coalesce into the next batch). */
  private async flushKernel(): Promise<void> {
    this.flushQueued = false;
    const k = this.kernel;
    if (!k || this.pending.size === 0) return;
    const all: FibChange[] = [...this.pending].map(([prefix, entry]) => ({ prefix, entry }));
    this.pending = new Map();
    for (let at = 0; at < all.length; at += KERNEL_CHUNK) {
      try {
        await k.apply(all.slice(at, at + KERNEL_CHUNK));
      } catch (err) {
        this.counters.kernelErrors++;
        this.log.error({ err: (err as Error).message, table: k.table }, 'fib: kernel refused route changes');
      }
    }
  }

  /** Resolves when every change so far has reached the trie and the backends. */
  async flushed(): Promise<void> {
    let last: Promise<void>;
    do {
      await this.drained();
      last = this.backendChain;
      await last;
    } while (last !== this.backendChain || this.queuedChanges() > 0);
  }

  // ── reads (API, btrctl, tests) ─────────────────────────────────────────────────────────────────────

  size(): number {
    return this.fib.size;
  }


  /** Longest-prefix match of an address ("192.0.2.1", "2001:db8::1"). */
  lookup(address: string): FibEntry | undefined {
    return this.fib.lookup(address);
  }

  snapshot(): FibSnapshot {
    return this.fib.snapshot();
  }

  stats(): FibWriterStats {
    const c = this.counters;
    return { entries: this.fib.size, queuedMax: this.queuedMax, slices: this.slices, writes: c.writes, audits: c.audits, repairs: { ...c.repairs }, replicaDivergences: c.replicaDivergences, failoverRewrites: c.failoverRewrites, kernelRoutesWritten: this.kernel?.routesWritten ?? 0, kernelErrors: c.kernelErrors, mrtDumps: c.mrtDumps };
  }

  /** The kernel backend (tests: read back the table). */
  get kernelBackend(): KernelFibBackend | null {
    return this.kernel;
  }

  // ── MRT ───────────────────────────────────────────────────────────────────────────────────────────

  /** Dump a snapshot to the configured path (written aside, then renamed: readers never see half a file). */
  async dumpMrt(): Promise<{ path: string; routes: number } | null> {
    const m = this.options.mrt;
    if (!m) return null;
    await this.drained();
    const snap = this.fib.snapshot();
    const tmp = `${m.path}.tmp-${process.pid}`;
    try {
      await dumpFibToMrt(snap, tmp, { gzip: m.path.endsWith('.gz') });
      await rename(tmp, m.path);
      this.counters.mrtDumps++;
      return { path: m.path, routes: snap.size };
    } catch (err) {
      this.log.error({ err, path: m.path }, 'fib: MRT dump failed');
      throw err;
    }
  }

  // ── audit and fail-over ──────────────────────────────────────────────────────────────────────────

  /**
   * Audit these replicas from now on (interval + idle triggers). `exclusive` runs a task when no replica
   * operation is in flight (default: at once — callers that post rounds concurrently must pass one).
   */
  attachReplicas(replicas: AuditableReplicas, exclusive?: Exclusive): void {
    this.replicas = replicas;
    if (exclusive) this.exclusive = exclusive;
    const a = this.options.audit;
    if (!a) return;
    this.schedule = new AuditSchedule({
      intervalMs: a.intervalMs,
      idleMs: a.idleMs,
      run: () => this.auditNow(),
      onError: (err) => this.log.error({ err }, 'fib: audit failed'),
    });
    this.schedule.start();
  }

  private remote(index: number): RemoteTree {
    const r = this.replicas!;
    return {
      describe: (keys) => r.ribTree(index, 'describe', keys),
      within: (keys) => r.ribTree(index, 'within', keys),
      entries: (keys) => r.ribTree(index, 'entries', keys),
    };
  }

  /** Wait for the replicas to settle; apply corrections nobody else received; drain the queue. */
  private async settle(): Promise<void> {
    const d = await this.replicas!.settle();
    if (d) this.applyLocRib(d.locRib);
    await this.drained();
  }

  /**
   * A snapshot of the drained FIB with every digest filled in, hashed in slices of SLICE_MS (after a
   * full-table load the whole trie is dirty: hashing it in one go would hold the loop for ~0.3–2 s).
   * Writes arriving meanwhile copy the nodes they touch; the snapshot's nodes stay as hashed.
   */
  private async hashedSnapshot(): Promise<FibSnapshot> {
    await this.drained();
    const snap = this.fib.snapshot();
    for (const root of [snap.root4, snap.root6]) {
      if (root === null) continue;
      while (!computeDigestUntil(root, performance.now() + SLICE_MS)) await new Promise<void>((r) => setImmediate(r));
    }
    return snap;
  }

  /** One audit of every live replica against the FIB (runs exclusively). */
  auditNow(): Promise<FibAuditResult> {
    return this.exclusive(() => this.audit());
  }

  private async audit(): Promise<FibAuditResult> {
    const t0 = performance.now();
    const set = this.replicas;
    if (!set || this.stopped) return { replicas: 0, differing: 0, repaired: 0, divergent: new Map(), requests: 0, digestComparisons: 0, ms: 0 };
    await this.settle();
    const local = await this.hashedSnapshot();
    const targets = set.auditTargets();
    const roots = new Map(targets.map((t) => [t.index, coverRoots(t.prefixes)]));
    const diffs = await Promise.all(targets.map((t) => diffRemote(local, this.remote(t.index), roots.get(t.index))));
    let requests = 0;
    let digestComparisons = 0;
    const differing = new Set<PrefixKey>();
    for (const d of diffs) {
      requests += d.requests;
      digestComparisons += d.digestComparisons;
      for (const p of d.prefixes) differing.add(p);
    }
    const divergent = new Map<number, PrefixKey[]>();
    let repaired = 0;
    if (differing.size > 0) {
      const prefixes = [...differing];
      const covers = (t: number, p: PrefixKey): boolean => roots.get(t)!.some((r) => typeof r === typeof p && prefixContains(r, p));
      // Each replica's entries at every differing prefix it covers (one request per replica).
      const values = await Promise.all(targets.map(async (t) => {
        const mine = prefixes.filter((p) => covers(t.index, p));
        const got = await set.ribTree(t.index, 'entries', mine);
        requests++;
        return new Map(mine.map((p, i) => [p, got[i]]));
      }));
      const repairs: FibChange[] = [];
      const votedAt = new Map<PrefixKey, FibEntry | null>();
      const quorum = set.repairQuorum?.() ?? 0;
      let withheld = 0;
      for (const p of prefixes) {
        const votes: { index: number; entry: FibEntry | null }[] = [];
        targets.forEach((t, i) => {
          if (values[i].has(p)) votes.push({ index: t.index, entry: values[i].get(p) ?? null });
        });
        let majority: FibEntry | null | undefined;
        for (const v of votes) {
          const agreeing = votes.filter((w) => sameFibEntry(w.entry, v.entry)).length;
          if (agreeing * 2 > votes.length) {
            if (agreeing >= quorum) majority = v.entry;
            else withheld++;
            break;
          }
        }
        const have = local.get(p) ?? null;
        if (majority !== undefined && !sameFibEntry(majority, have)) {
          const kind: FibRepairKind = have === null ? 'missing' : majority === null ? 'extra' : 'changed';
          this.counters.repairs[kind]++;
          repairs.push({ prefix: p, entry: majority });
          this.log.warn({ prefix: formatPrefix(p), kind, had: have && { nextHops: have.nextHops, routeId: have.routeId }, want: majority && { nextHops: majority.nextHops, routeId: majority.routeId }, replicas: votes.length }, 'fib audit: entry differed from the replicas\' majority: repaired');
        }
        const voted = majority !== undefined ? majority : have;
        votedAt.set(p, voted);
        for (const v of votes) {
          if (sameFibEntry(v.entry, voted)) continue;
          let list = divergent.get(v.index);
          if (!list) divergent.set(v.index, (list = []));
          list.push(p);
        }
      }
      if (repairs.length > 0) repaired = this.write(repairs.map((c) => ({ prefix: c.prefix, entry: c.entry }))).length;
      if (withheld > 0) this.log.warn({ prefixes: withheld, quorum, replicas: targets.length }, 'fib audit: differences left unrepaired: fewer agreeing replicas than the voting quorum');
      for (const [index, list] of divergent) {
        this.counters.replicaDivergences += list.length;
        this.log.warn({ replica: index, prefixes: list.length, first: list.slice(0, 5).map(formatPrefix) }, 'fib audit: replica Loc-RIB differs from the voted state');
        set.reportAuditDivergence(index, list, new Map(list.map((p) => [p, votedAt.get(p) ?? null])));
      }
    }
    this.counters.audits++;
    const result: FibAuditResult = { replicas: targets.length, differing: differing.size, repaired, divergent, requests, digestComparisons, ms: performance.now() - t0 };
    this.onAudit?.(result);
    return result;
  }

  /**
   * Master fail-over (DESIGN principle 3): rewrite every FIB entry that differs from replica `index` — one
   * hash-tree diff against its tree plus one batch of writes. Queued behind the round that failed over.
   */
  failover(index: number): Promise<number> {
    return this.exclusive(async () => {
      const set = this.replicas;
      if (!set || this.stopped) return 0;
      await this.settle();
      const t0 = performance.now();
      const local = await this.hashedSnapshot();
      const target = set.auditTargets().find((t) => t.index === index);
      if (!target) return 0;
      const d = await diffRemote(local, this.remote(index), coverRoots(target.prefixes));
      const got = d.prefixes.length > 0 ? await set.ribTree(index, 'entries', d.prefixes) : [];
      // Through the queue (a wrong master can differ everywhere: no single long task); it was drained
      // for the snapshot and no round runs meanwhile (exclusive), so these are the newest changes.
      let done = 0;
      for (let i = 0; i < d.prefixes.length; i++) {
        const entry = got[i] ?? null;
        if (sameFibEntry(local.get(d.prefixes[i]) ?? null, entry)) continue;
        this.queued.set(d.prefixes[i], entry);
        done++;
      }
      this.queueDrain();
      await this.drained();
      this.counters.failoverRewrites += done;
      this.log.info({ replica: index, rewritten: done, digestComparisons: d.digestComparisons, requests: d.requests, ms: Math.round(performance.now() - t0) }, 'fib: master fail-over: entries differing from the new master rewritten');
      return done;
    });
  }

  // ── stop ──────────────────────────────────────────────────────────────────────────────────────────

  /** Stop: no more writes; pending ones reach the kernel; then keep or remove btrd's kernel routes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.holdTimer) {
      clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
    if (this.mrtTimer) clearInterval(this.mrtTimer);
    this.mrtTimer = null;
    await this.schedule?.stop();
    this.schedule = null;
    this.applyAllQueued();
    this.stopped = true;
    await this.flushed();
    const k = this.kernel;
    if (k) {
      if (this.options.kernel?.onShutdown === 'remove') {
        try {
          const r = await k.reconcile([]);
          this.log.info({ removed: r.removed, table: k.table }, 'fib: kernel routes removed (on-shutdown: remove)');
        } catch (err) {
          this.log.error({ err, table: k.table }, 'fib: removing kernel routes at shutdown failed');
        }
      } else this.log.info({ routes: this.fib.size, table: k.table }, 'fib: kernel routes kept (on-shutdown: keep; the next start reconciles them)');
      await k.close();
    }
    if (this.options.mrt && this.options.backends.includes('mrt')) await this.dumpMrt().catch(() => undefined);
  }
}
