/** Policy shapes: owned by lib/policy/types.ts; the config produces exactly these. */
export type { Policy, PolicyTerm, PolicyMatch, PolicyActions, PrefixMatch } from '../policy/types.js';
