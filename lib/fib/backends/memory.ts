/** The default backend: the FIB stays in memory (a `Fib`), for tests, the API and MRT dumps. */
import { Fib } from '../cow-fib.js';
import { FibError, type FibChange, type FibEntry } from '../types.js';
import type { FibBackend, ReconcileResult } from './types.js';

/** Build a Fib holding exactly `full`. */
export function fibFromEntries(full: Iterable<FibEntry>): Fib {
  const f = new Fib();
  for (const e of full) f.setEntry(e);
  return f;
}

/** Make `fib` hold exactly `full`, through one hash-tree diff; returns the counts. */
export function reconcileFib(fib: Fib, full: Iterable<FibEntry>): ReconcileResult & { batch: FibChange[] } {
  const want = fibFromEntries(full);
  const batch = fib.applyFrom(want);
  const removed = batch.filter((c) => c.entry === null).length;
  return { installed: batch.length - removed, removed, unchanged: want.size - (batch.length - removed), batch };
}

export class MemoryFibBackend implements FibBackend {
  readonly kind = 'memory' as const;
  private closed = false;
  constructor(readonly fib: Fib = new Fib()) {}

  async apply(batch: readonly FibChange[]): Promise<void> {
    if (this.closed) throw new FibError('memory FIB backend is closed', 'BTRD_ERR_FIB_BACKEND_CLOSED');
    this.fib.apply(batch);
  }

  async reconcile(full: Iterable<FibEntry>): Promise<ReconcileResult> {
    if (this.closed) throw new FibError('memory FIB backend is closed', 'BTRD_ERR_FIB_BACKEND_CLOSED');
    const { installed, removed, unchanged } = reconcileFib(this.fib, full);
    return { installed, removed, unchanged };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
