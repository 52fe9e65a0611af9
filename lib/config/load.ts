/**
 * Load a configuration: YAML text → (command-line overrides) → RawConfigSchema → checkConfig → BtrdConfig.
 * Any problem becomes one ConfigError listing every problem with file, line:column and field path.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { compilePolicy } from '../policy/compile.js';
import { PolicyError } from '../policy/errors.js';
import { DEFAULT_CONFIG_YAML } from './default.js';
import { ConfigError, formatPath, type ConfigProblem } from './errors.js';
import { RawConfigSchema, checkConfig, knownKeysAt, toBtrdConfig } from './schema.js';
import { suggestKey } from './suggest.js';
import type { BtrdConfig } from './types.js';
import { parseHostPort } from './validators.js';

/** The name used in messages for the embedded default configuration. */
export const EMBEDDED_CONFIG_NAME = '<embedded default config>';

/** Values from the command line that replace the file's (btrd --log-level/--router-id/--asn/--listen). */
export interface ConfigOverrides {
  logLevel?: string;
  routerId?: string;
  asn?: string;
  /** `ADDR:PORT` items; when given they replace the file's whole `listen` list. */
  listen?: string[];
  /** --replicas N */
  replicas?: string;
  /** --voting MODE (replication.mode) */
  voting?: string;
  /** --k N (replication.k, for k-of-n) */
  k?: string;
  /** --spares N (replication.spares) */
  spares?: string;
}

type Path = (string | number)[];

/** Merge `patch` into the mapping at `raw[key]` (a missing or non-mapping value starts empty). */
function patchSection(raw: Record<string, unknown>, key: string, patch: Record<string, unknown>): void {
  const cur = raw[key];
  raw[key] = { ...(cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? cur : {}), ...patch };
}

/** Top-level key → the option that overrode it. */
function applyOverrides(raw: Record<string, unknown>, o: ConfigOverrides, problems: ConfigProblem[]): Map<string, string> {
  const from = new Map<string, string>();
  if (o.routerId !== undefined) {
    raw['router-id'] = o.routerId;
    from.set('router-id', '--router-id');
  }
  if (o.asn !== undefined) {
    raw.asn = /^\d+$/.test(o.asn) ? Number(o.asn) : o.asn;
    from.set('asn', '--asn');
  }
  if (o.logLevel !== undefined) {
    patchSection(raw, 'log', { level: o.logLevel });
    from.set('log', '--log-level');
  }
  if (o.replicas !== undefined) {
    raw.replicas = /^\d+$/.test(o.replicas) ? Number(o.replicas) : o.replicas;
    from.set('replicas', '--replicas');
  }
  if (o.voting !== undefined) {
    patchSection(raw, 'replication', { mode: o.voting });
    from.set('replication', '--voting');
  }
  if (o.k !== undefined) {
    patchSection(raw, 'replication', { k: /^\d+$/.test(o.k) ? Number(o.k) : o.k });
    from.set('replication', o.voting !== undefined ? '--voting/--k' : '--k');
  }
  if (o.spares !== undefined) {
    patchSection(raw, 'replication', { spares: /^\d+$/.test(o.spares) ? Number(o.spares) : o.spares });
    from.set('replication', from.has('replication') ? `${from.get('replication')}/--spares` : '--spares');
  }
  if (o.listen !== undefined && o.listen.length > 0) {
    const list: { address: string; port: number }[] = [];
    o.listen.forEach((text, i) => {
      const hp = parseHostPort(text);
      if (hp) list.push(hp);
      else problems.push({ path: `listen[${i}]`, option: '--listen', message: `expected ADDRESS:PORT (e.g. 127.0.0.1:1179 or [::1]:1179), got ${JSON.stringify(text)}` });
    });
    raw.listen = list;
    from.set('listen', '--listen');
  }
  return from;
}

function locate(doc: Document, lc: LineCounter, path: Path, key?: string): { line?: number; column?: number } {
  // Walk up until a node exists: a missing key is reported at its parent mapping.
  for (let n = path.length; n >= 0; n--) {
    const p = path.slice(0, n);
    const node = p.length === 0 ? doc.contents : doc.getIn(p, true);
    if (node === null || node === undefined || typeof node !== 'object') continue;
    let range = (node as { range?: [number, number, number] }).range;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      const kr = (pair?.key as { range?: [number, number, number] } | null)?.range;
      if (kr) range = kr;
    }
    if (!range) continue;
    const pos = lc.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  }
  return {};
}

function toProblems(issues: readonly z.core.$ZodIssue[], doc: Document, lc: LineCounter, overridden: Map<string, string>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const at = (path: Path, message: string, key?: string): ConfigProblem => {
    const full = key === undefined ? path : [...path, key];
    const top = full[0];
    const option = typeof top === 'string' ? overridden.get(top) : undefined;
    if (option && !(top === 'log' && full[1] !== 'level')) return { path: formatPath(full), message, option };
    return { path: formatPath(full), message, ...locate(doc, lc, path, key) };
  };
  for (const iss of issues) {
    const path = iss.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeysAt(path);
      for (const k of iss.keys) {
        const s = suggestKey(k, known);
        out.push(at(path, `unknown key${s ? ` (did you mean "${s}"?)` : known.length ? ` (expected one of: ${known.join(', ')})` : ''}`, k));
      }
    } else {
      out.push(at(path, iss.message));
    }
  }
  return out;
}

/** Command-line problems first, then in file order (line, column); the sort is stable. */
function sortProblems(ps: ConfigProblem[]): ConfigProblem[] {
  const rank = (p: ConfigProblem): number => (p.option ? -1 : p.line === undefined ? Infinity : p.line * 1e6 + (p.column ?? 0));
  return ps.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map((x) => x.p);
}

/**
 * Parse and validate configuration text. `file` names the source in messages. Throws ConfigError.
 */
export function parseConfig(text: string, file: string, overrides: ConfigOverrides = {}): BtrdConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, ...(pos ? { line: pos.line, column: pos.col } : {}) };
      }),
    );
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `YAML: ${e instanceof Error ? e.message : String(e)}` }], { cause: e });
  }
  if (js === null || js === undefined) js = {};
  const problems: ConfigProblem[] = [];
  let overridden = new Map<string, string>();
  if (typeof js === 'object' && !Array.isArray(js)) overridden = applyOverrides(js as Record<string, unknown>, overrides, problems);

  const parsed = RawConfigSchema.safeParse(js);
  if (!parsed.success) throw new ConfigError(file, sortProblems([...problems, ...toProblems(parsed.error.issues, doc, lc, overridden)]));
  const checked = checkConfig(parsed.data).map((p) => toProblems([{ code: 'custom', path: p.path, message: p.message, input: undefined }], doc, lc, overridden)[0]!);
  problems.push(...checked);
  if (problems.length > 0) throw new ConfigError(file, sortProblems(problems));
  const config = toBtrdConfig(parsed.data);
  // Last line of defence: the policy engine's own compiler must accept what the schema let through.
  config.peers.forEach((peer, i) => {
    for (const dir of ['import', 'export'] as const) {
      try {
        compilePolicy(peer[dir]);
      } catch (e) {
        if (!(e instanceof PolicyError)) throw e;
        const path: Path = ['peers', i, dir, ...parsePolicyPath(e.path)];
        const message = e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message;
        problems.push(toProblems([{ code: 'custom', path, message, input: undefined }], doc, lc, overridden)[0]!);
      }
    }
  });
  if (problems.length > 0) throw new ConfigError(file, sortProblems(problems));
  return config;
}

/** "terms[2].match.asPathRegex" → ['terms', 2, 'match', 'as-path-regex'] (YAML spelling). */
export function parsePolicyPath(text: string): Path {
  const out: Path = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1].replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase());
  }
  return out;
}

/** Read and validate a configuration file. Throws ConfigError (also for an unreadable file). */
export async function loadConfigFile(file: string, overrides: ConfigOverrides = {}): Promise<BtrdConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(file, [{ path: '', message: `cannot read the file: ${reason}` }], { cause: e });
  }
  return parseConfig(text, file, overrides);
}

/** The embedded default configuration (lib/config/default.ts), validated. */
export function loadDefaultConfig(overrides: ConfigOverrides = {}): BtrdConfig {
  return parseConfig(DEFAULT_CONFIG_YAML, EMBEDDED_CONFIG_NAME, overrides);
}
