/** Names of the decision implementations a replica can run (N-version programming, DESIGN principle 2). */
export const IMPL_NAMES = ['a'] as const;
export type ImplName = (typeof IMPL_NAMES)[number];
