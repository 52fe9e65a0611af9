/** Decision-process variant B (ordered candidates, explicit deterministic-MED groups). See engine.ts. */
export { IncrementalEngine } from './engine.js';
export { OrderedCandidates } from './ordered-candidates.js';
export { compareOrdered, compareTail, packTier, tierReachable, type OrderedPath } from './compare.js';
export { Path, neighborAs, peerAddressKey, rankAttributes } from './path.js';
export { ImportFilter, type ImportResult, type LocalIdentity } from './import-filter.js';
