/** Typed errors of the replicated decision process. They cross threads as data (`code`, `kind`), never as classes. */

/** DESIGN principle 4: why a replica is considered faulty. */
export type ReplicaFaultKind = 'crash' | 'hang' | 'leak' | 'wrong';

export class ReplicaFault extends Error {
  readonly code = 'BTRD_ERR_REPLICA_FAULT';
  constructor(
    message: string,
    readonly kind: ReplicaFaultKind,
    /** Replica index in the ReplicaSet. */
    readonly replica: number,
    /** Round in which it was detected (-1 outside rounds). */
    readonly round: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReplicaFault';
  }
}

/** A ReplicaSet configuration that cannot work (bad knobs, insufficient prefix coverage for the mode). */
export class ReplicaConfigError extends Error {
  readonly code = 'BTRD_ERR_REPLICA_CONFIG';
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'ReplicaConfigError';
  }
}

/** The ReplicaSet cannot produce a result at all (no live replica, closed, not started). */
export class ReplicaSetError extends Error {
  constructor(message: string, readonly code: 'BTRD_ERR_REPLICA_SET_CLOSED' | 'BTRD_ERR_REPLICA_SET_NOT_STARTED' | 'BTRD_ERR_NO_LIVE_REPLICA') {
    super(message);
    this.name = 'ReplicaSetError';
  }
}
