/** btrd FIB: copy-on-write table, hash-tree diff and audit, backends (memory, kernel via iproute2, MRT). */
export * from './types.js';
export { Fib, FibSnapshot, FibView, makeFibEntry } from './cow-fib.js';
export { diffFibs, sameFib, type DiffStats } from './hash-tree.js';
export * from './audit.js';
export * from './backends/types.js';
export { MemoryFibBackend, fibFromEntries, reconcileFib } from './backends/memory.js';
export { KernelFibBackend, parseIpRoutes, type KernelBackendOptions } from './backends/kernel.js';
export { MrtFibBackend, dumpFibToMrt, minimalMrtAttributes, type MrtBackendOptions, type MrtDumpOptions } from './backends/mrt.js';

import { MemoryFibBackend } from './backends/memory.js';
import { KernelFibBackend, type KernelBackendOptions } from './backends/kernel.js';
import { MrtFibBackend, type MrtBackendOptions } from './backends/mrt.js';
import type { FibBackend } from './backends/types.js';

export type FibBackendConfig =
  | { readonly kind: 'memory' }
  | ({ readonly kind: 'kernel' } & KernelBackendOptions)
  | ({ readonly kind: 'mrt' } & MrtBackendOptions);

/** Build a backend from its configuration (memory is the default). */
export function createFibBackend(config: FibBackendConfig = { kind: 'memory' }): FibBackend {
  switch (config.kind) {
    case 'memory':
      return new MemoryFibBackend();
    case 'kernel':
      return new KernelFibBackend(config);
    case 'mrt':
      return new MrtFibBackend(config);
  }
}
export { FibWriter, type FibWriterOptions, type FibWriterStats, type FibAuditResult, type AuditableReplicas } from './writer.js';
export { diffRemote, describeRanges, entriesWithin, entriesAt, WHOLE_TABLE, type RangeInfo, type RemoteTree, type RemoteDiff } from './remote-tree.js';
export { entryOfRoute, locRibEntry, routeDigest } from './route-entry.js';
