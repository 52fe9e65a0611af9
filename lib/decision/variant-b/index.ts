/** Decision-process variant B (ordered candidates, explicit deterministic-MED groups). See engine.ts. */
export { IncrementalEngine } from './engine.js';
export { ChangeList } from './delta.js';
export { bestCandidate, candidateCount, candidateList, isMany, searchOrdered, withCandidate, withoutCandidate, type Candidates } from './ordered-candidates.js';
export { Ipv4SlotTable, Ipv6SlotTable, type SlotTable } from './slot-table.js';
export { compareOrdered, compareTail, packTier, tierReachable, type OrderKey, type OrderedPath } from './compare.js';
export { AddPathEntry, Path, PathBasis, neighborAs, peerAddressKey, rankAttributes, type PathEntry } from './path.js';
export { ImportFilter, type ImportResult, type LocalIdentity } from './import-filter.js';
