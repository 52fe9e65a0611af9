/**
 * ConfigError (BTRD_ERR_CONFIG): every problem found in one configuration, each naming the file, the field
 * path in YAML spelling (`peers[1].hold-time`), where it is (line:column when known) and what was expected.
 * Problems are collected and reported together, not one per run.
 */

/** One problem in a configuration. `path` uses the YAML (kebab-case) key names. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the file, when the value (or its parent) is found in the document. */
  readonly line?: number;
  readonly column?: number;
  /** Set when the value came from a command-line option (e.g. `--asn`) rather than the file. */
  readonly option?: string;
}

export class ConfigError extends Error {
  readonly code = 'BTRD_ERR_CONFIG' as const;
  /** The path of the first problem (STYLE.md §5: `ConfigError { path }`). */
  readonly path: string;

  constructor(
    /** The file name, or `<embedded default>` / `<text>`. */
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(formatConfigProblems(file, problems), options);
    this.name = 'ConfigError';
    this.path = problems[0]?.path ?? '';
  }
}

/** The multi-line message: a header naming the file, then one line per problem. */
export function formatConfigProblems(file: string, problems: readonly ConfigProblem[]): string {
  const n = problems.length;
  const lines = [`invalid configuration in ${file} (${n} problem${n === 1 ? '' : 's'}):`];
  for (const p of problems) {
    const where = p.option
      ? `${file} (command line ${p.option})`
      : p.line !== undefined
        ? `${file}:${p.line}:${p.column ?? 1}`
        : file;
    lines.push(`  ${where}: ${p.path === '' ? '(top level)' : p.path}: ${p.message}`);
  }
  return lines.join('\n');
}

/** Format a path of keys and indices the way the YAML reads: `peers[1].hold-time`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out;
}
