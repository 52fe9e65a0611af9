/**
 * Typed errors of the session layer. They are programming or configuration errors raised to the caller
 * (a misbehaving peer never causes a throw: it gets a NOTIFICATION and the session closes).
 */

/** Base of session-layer errors; `code` is a stable BTRD_ERR_* string. */
export class SessionError extends Error {
  readonly code: string = 'BTRD_ERR_SESSION';
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An operation that needs another FSM state (e.g. sendUpdate outside Established). */
export class SessionStateError extends SessionError {
  override readonly code = 'BTRD_ERR_SESSION_STATE';
}

/** An invalid SessionConfig or manager option (hold time 1–2, bad router id, duplicate peer...). */
export class SessionConfigError extends SessionError {
  override readonly code = 'BTRD_ERR_SESSION_CONFIG';
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}
