/** The interface every FIB backend implements (DESIGN principle 5: memory, kernel, MRT). */
import type { FibChange, FibEntry } from '../types.js';

export type FibBackendKind = 'memory' | 'kernel' | 'mrt';

/** What `reconcile` did to make the backend equal to the full table it was given. */
export interface ReconcileResult {
  /** Entries written because they were missing or different. */
  readonly installed: number;
  /** Entries removed because the full table no longer has them. */
  readonly removed: number;
  readonly unchanged: number;
}

export interface FibBackend {
  readonly kind: FibBackendKind;
  /** Write a batch of changes (in order; a later change to the same prefix wins). */
  apply(batch: readonly FibChange[]): Promise<void>;
  /** Make the backend hold exactly `full` (start-up, resync after failover or a restart). */
  reconcile(full: Iterable<FibEntry>): Promise<ReconcileResult>;
  close(): Promise<void>;
}
