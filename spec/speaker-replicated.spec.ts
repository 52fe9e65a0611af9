/**
 * The speaker specs again with the decision process as 3 voted replicas (lib/replica, continuous-majority,
 * automatic diversity: implementations a/b/a, distinct order and tie-break seeds, reversed scan).
 */
process.env.BTRD_SPEC_REPLICAS = '3';
await import('./speaker.spec.js');
