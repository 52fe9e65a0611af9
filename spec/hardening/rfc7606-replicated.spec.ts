/**
 * RFC 7606 end to end again with 3 voted replicas (issue 4): the session does not parse UPDATEs, the
 * replicas do, and their majority verdict on a malformed UPDATE resets the session with the same
 * NOTIFICATION a single decision process sends.
 */
process.env.BTRD_SPEC_REPLICAS = '3';
await import('./rfc7606.spec.js');
