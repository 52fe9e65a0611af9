/** Engine misuse (caller bugs), as typed errors with stable codes. */
export class EngineError extends Error {
  constructor(message: string, readonly code: 'BTRD_ERR_UNKNOWN_PEER' | 'BTRD_ERR_DUPLICATE_PEER') {
    super(message);
    this.name = 'EngineError';
  }
}
