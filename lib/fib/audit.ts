/**
 * Steady-state audit (DESIGN principle 3): compare a snapshot of one table with a reference table through
 * the hash trees (cost: the size of the difference, not of the table), list every differing entry, and
 * repair them — write the reference's entry (or delete) into the target FIB and hand the same batch to
 * the backends. Each repair is logged (one line) and counted (one metric increment, labelled by kind).
 *
 * The voter calls `auditFib` at a configurable interval and after the input has been idle for a while;
 * `AuditSchedule` provides both triggers.
 */
import { diffFibs } from './hash-tree.js';
import type { Fib, FibView } from './cow-fib.js';
import type { FibBackend } from './backends/types.js';
import { formatPrefix } from '../wire/prefix.js';
import type { FibChange, FibDiff } from './types.js';

/** How the audited side differs from the reference, per prefix (the same token in logs and metrics). */
export type FibRepairKind = 'missing' | 'extra' | 'changed';

/** pino-compatible: `logger.warn({ ... }, 'message')`. */
export interface AuditLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** prom-client Counter-compatible: `counter.inc({ kind })`. */
export interface RepairCounter {
  inc(labels: { kind: FibRepairKind }): void;
}

export interface AuditOptions {
  /** What is audited: a snapshot (or any state) of the table. */
  readonly snapshot: FibView;
  /** The table it must equal (the voted state, or the replica that won a vote). */
  readonly reference: FibView;
  /** Where repairs are written; without it the audit only reports. */
  readonly target?: Fib;
  /** Backends that receive the repair batch. */
  readonly backends?: readonly FibBackend[];
  readonly log?: AuditLogger;
  readonly counter?: RepairCounter;
  /** Names the audited table in log lines (e.g. "fib", "replica 2"). */
  readonly name?: string;
}

export interface AuditReport {
  readonly differences: readonly (FibDiff & { readonly kind: FibRepairKind })[];
  /** Changes written to the target (and backends). */
  readonly repairs: readonly FibChange[];
  readonly digestComparisons: number;
  readonly ms: number;
}

function kindOf(d: FibDiff): FibRepairKind {
  return d.a === undefined ? 'missing' : d.b === undefined ? 'extra' : 'changed';
}

export async function auditFib(options: AuditOptions): Promise<AuditReport> {
  const t0 = performance.now();
  const stats = { digestComparisons: 0 };
  const diffs = diffFibs(options.snapshot, options.reference, stats);
  const differences = diffs.map((d) => ({ ...d, kind: kindOf(d) }));
  let repairs: FibChange[] = [];
  if (options.target && differences.length > 0) {
    const batch = differences.map((d): FibChange => ({ prefix: d.prefix, entry: d.b ?? null }));
    repairs = options.target.apply(batch);
    for (const b of options.backends ?? []) await b.apply(repairs);
  }
  for (const d of differences) {
    options.counter?.inc({ kind: d.kind });
    options.log?.warn(
      {
        table: options.name ?? 'fib',
        prefix: formatPrefix(d.prefix),
        kind: d.kind,
        had: d.a ? { nextHops: d.a.nextHops, routeId: d.a.routeId } : null,
        want: d.b ? { nextHops: d.b.nextHops, routeId: d.b.routeId } : null,
        repaired: options.target !== undefined,
      },
      'fib audit: entry differs from the reference',
    );
  }
  return { differences, repairs, digestComparisons: stats.digestComparisons, ms: performance.now() - t0 };
}

export interface AuditScheduleOptions {
  /** Run every `intervalMs`. */
  readonly intervalMs: number;
  /** Also run once when no input was noted for this long (DESIGN: "after the input has been idle"). */
  readonly idleMs?: number;
  /** One audit (typically: snapshot the tables, `auditFib`). Never runs twice at once. */
  readonly run: () => Promise<unknown>;
  readonly onError?: (err: unknown) => void;
}

/** Interval + idle triggers for the audit. Timers are unref'd: they never keep the process alive. */
export class AuditSchedule {
  private interval: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  runs = 0;

  constructor(private readonly options: AuditScheduleOptions) {}

  start(): void {
    if (this.interval) return;
    this.interval = setInterval(() => void this.runNow(), this.options.intervalMs);
    this.interval.unref();
    this.noteInput();
  }

  /** Call on every input round: restarts the idle countdown. */
  noteInput(): void {
    if (this.options.idleMs === undefined || !this.interval) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => void this.runNow(), this.options.idleMs);
    this.idle.unref();
  }

  /** Run now (or join the audit already running). */
  runNow(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.options
      .run()
      .then(
        () => undefined,
        (e: unknown) => this.options.onError?.(e),
      )
      .finally(() => {
        this.runs++;
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    if (this.idle) clearTimeout(this.idle);
    this.interval = this.idle = null;
    await this.running;
  }
}
