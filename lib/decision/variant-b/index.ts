/** Decision-process variant B (ordered candidates, explicit deterministic-MED groups). See engine.ts. */
export { IncrementalEngine } from './engine.js';
export { addCandidate, bestCandidate, candidateCount, candidateList, removeCandidate, searchOrdered, type CandidateHolder } from './ordered-candidates.js';
export { NumericKeyTable } from './slot-table.js';
export { compareOrdered, compareTail, packTier, tierReachable, type OrderKey, type OrderedPath } from './compare.js';
export { Path, PathBasis, neighborAs, peerAddressKey, rankAttributes } from './path.js';
export { ImportFilter, type ImportResult, type LocalIdentity } from './import-filter.js';
