/**
 * Interop 1 and 3 again with btrd's decision process as 3 voted replicas (issue 4): routes from BIRD must
 * reach GoBGP exactly as with one decision process, through the mux, the replicas and the voter.
 */
process.env.BTRD_SPEC_REPLICAS = '3';
await import('./gobgp.spec.js');
