/**
 * Policy compilation errors. `path` names the offending field ("terms[2].match.prefixes[0].le") so the
 * config loader can report it against the configuration file.
 */
export class PolicyError extends Error {
  readonly code = 'BTRD_ERR_POLICY';
  constructor(message: string, readonly path: string) {
    super(`${path}: ${message}`);
    this.name = 'PolicyError';
  }
}
