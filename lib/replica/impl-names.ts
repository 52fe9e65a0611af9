/** Names of the decision implementations a replica can run (N-version programming, DESIGN principle 2). */
/** 'a': RoutingEngine (lib/rib/engine.ts, candidate scan by elimination); 'b': IncrementalEngine (lib/decision/variant-b, ordered candidates). */
export const IMPL_NAMES = ['a', 'b'] as const;
export type ImplName = (typeof IMPL_NAMES)[number];
