/**
 * Policy compilation: parse texts once (prefixes → keys, communities → u32, regexes) so that evaluation
 * in the per-route loop does no parsing. Bad input throws PolicyError naming the field.
 */
import { parsePrefix, prefixLength, type PrefixKey } from '../wire/prefix.js';
import { largeCommunityKey, parseCommunity, parseLargeCommunity, type LargeCommunity } from './communities.js';
import { PolicyError } from './errors.js';
import type { Policy, PolicyActions, PolicyMatch, PolicyTerm } from './types.js';

export interface CompiledPrefix {
  readonly key: PrefixKey;
  readonly length: number;
  readonly min: number;
  readonly max: number;
}

export interface CompiledMatch {
  readonly prefixes: readonly CompiledPrefix[] | null;
  readonly asPathRegex: RegExp | null;
  readonly asPathContains: ReadonlySet<number> | null;
  readonly communities: ReadonlySet<number> | null;
  readonly largeCommunities: ReadonlySet<string> | null;
}

export interface CompiledActions {
  readonly localPref: number | undefined;
  readonly med: number | undefined;
  readonly prepend: number;
  readonly addCommunities: readonly number[];
  readonly removeCommunities: ReadonlySet<number>;
  readonly addLargeCommunities: readonly LargeCommunity[];
  readonly removeLargeCommunities: ReadonlySet<string>;
  readonly nextHopSelf: boolean;
  /** True when the actions change nothing (the route's attribute object is reused as is). */
  readonly empty: boolean;
}

export interface CompiledTerm {
  readonly name: string;
  readonly accept: boolean;
  readonly match: CompiledMatch | null;
  readonly set: CompiledActions;
}

export interface CompiledPolicy {
  readonly terms: readonly CompiledTerm[];
  readonly defaultAccept: boolean;
  /** Some term matches on the prefix: results cannot be cached per attribute set alone. */
  readonly prefixDependent: boolean;
  readonly source: Policy;
}

function u32(v: number | undefined, path: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new PolicyError(`not a 32-bit unsigned integer: ${v}`, path);
  return v;
}

function compilePrefix(m: { prefix: string; ge?: number; le?: number }, path: string): CompiledPrefix {
  let key: PrefixKey;
  try {
    key = parsePrefix(m.prefix);
  } catch (e) {
    throw new PolicyError((e as Error).message, `${path}.prefix`);
  }
  const length = prefixLength(key);
  const maxLen = typeof key === 'number' ? 32 : 128;
  const min = m.ge ?? length;
  const max = m.le ?? (m.ge !== undefined ? maxLen : length);
  // Prefix-list rule: len ≤ ge ≤ le ≤ max length.
  if (!Number.isInteger(min) || min < length || min > maxLen) throw new PolicyError(`ge ${m.ge} outside [${length}, ${maxLen}]`, `${path}.ge`);
  if (!Number.isInteger(max) || max < min || max > maxLen) throw new PolicyError(`le ${m.le} outside [${min}, ${maxLen}]`, `${path}.le`);
  return { key, length, min, max };
}

function compileMatch(m: PolicyMatch | undefined, path: string): CompiledMatch | null {
  if (!m) return null;
  let asPathRegex: RegExp | null = null;
  if (m.asPathRegex !== undefined) {
    try {
      asPathRegex = new RegExp(m.asPathRegex);
    } catch (e) {
      throw new PolicyError((e as Error).message, `${path}.asPathRegex`);
    }
  }
  return {
    prefixes: m.prefixes ? m.prefixes.map((p, i) => compilePrefix(p, `${path}.prefixes[${i}]`)) : null,
    asPathRegex,
    asPathContains: m.asPathContains ? new Set(m.asPathContains.map((a, i) => u32(a, `${path}.asPathContains[${i}]`)!)) : null,
    communities: m.communities ? new Set(m.communities.map((c, i) => parseCommunity(c, `${path}.communities[${i}]`))) : null,
    largeCommunities: m.largeCommunities ? new Set(m.largeCommunities.map((c, i) => largeCommunityKey(parseLargeCommunity(c, `${path}.largeCommunities[${i}]`)))) : null,
  };
}

const NO_ACTIONS: CompiledActions = Object.freeze({
  localPref: undefined,
  med: undefined,
  prepend: 0,
  addCommunities: [],
  removeCommunities: new Set<number>(),
  addLargeCommunities: [],
  removeLargeCommunities: new Set<string>(),
  nextHopSelf: false,
  empty: true,
});

export function compileActions(s: PolicyActions | undefined, path: string): CompiledActions {
  if (!s) return NO_ACTIONS;
  const prepend = s.prepend ?? 0;
  if (!Number.isInteger(prepend) || prepend < 0 || prepend > 64) throw new PolicyError(`prepend ${prepend} outside [0, 64]`, `${path}.prepend`);
  const a = {
    localPref: u32(s.localPref, `${path}.localPref`),
    med: u32(s.med, `${path}.med`),
    prepend,
    addCommunities: (s.addCommunities ?? []).map((c, i) => parseCommunity(c, `${path}.addCommunities[${i}]`)),
    removeCommunities: new Set((s.removeCommunities ?? []).map((c, i) => parseCommunity(c, `${path}.removeCommunities[${i}]`))),
    addLargeCommunities: (s.addLargeCommunities ?? []).map((c, i) => parseLargeCommunity(c, `${path}.addLargeCommunities[${i}]`)),
    removeLargeCommunities: new Set((s.removeLargeCommunities ?? []).map((c, i) => largeCommunityKey(parseLargeCommunity(c, `${path}.removeLargeCommunities[${i}]`)))),
    nextHopSelf: s.nextHopSelf ?? false,
  };
  const empty =
    a.localPref === undefined && a.med === undefined && a.prepend === 0 && a.addCommunities.length === 0 && a.removeCommunities.size === 0 &&
    a.addLargeCommunities.length === 0 && a.removeLargeCommunities.size === 0 && !a.nextHopSelf;
  return empty ? NO_ACTIONS : { ...a, empty };
}

function compileTerm(t: PolicyTerm, i: number): CompiledTerm {
  const path = `terms[${i}]`;
  if (t.action !== 'accept' && t.action !== 'reject') throw new PolicyError(`action must be accept or reject`, `${path}.action`);
  return {
    name: t.name ?? `#${i}`,
    accept: t.action === 'accept',
    match: compileMatch(t.match, `${path}.match`),
    // A rejecting term's `set` has no effect.
    set: t.action === 'accept' ? compileActions(t.set, `${path}.set`) : NO_ACTIONS,
  };
}

export function compilePolicy(p: Policy): CompiledPolicy {
  if (p.default !== 'accept' && p.default !== 'reject') throw new PolicyError('default must be accept or reject', 'default');
  const terms = p.terms.map(compileTerm);
  return { terms, defaultAccept: p.default === 'accept', prefixDependent: terms.some((t) => t.match?.prefixes != null), source: p };
}
