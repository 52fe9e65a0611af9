/** Policy evaluation: first matching term wins (see types.ts for the match semantics). */
import { formatAsPath } from '../wire/attributes/as-path.js';
import { prefixContains, prefixLength, type PrefixKey } from '../wire/prefix.js';
import type { PathAttributes } from '../wire/types.js';
import type { CompiledMatch, CompiledPolicy } from './compile.js';

/** The index of the deciding term, or DEFAULT_TERM when none matched. */
export const DEFAULT_TERM = -1;

const pathText = new WeakMap<PathAttributes, string>();

function asPathText(attrs: PathAttributes): string {
  let s = pathText.get(attrs);
  if (s === undefined) {
    s = formatAsPath(attrs.asPathEffective ?? attrs.asPath);
    pathText.set(attrs, s);
  }
  return s;
}

function matches(m: CompiledMatch, prefix: PrefixKey, attrs: PathAttributes): boolean {
  if (m.prefixes) {
    const len = prefixLength(prefix);
    let any = false;
    for (const p of m.prefixes) {
      if (len >= p.min && len <= p.max && prefixContains(p.key, prefix)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if (m.asPathContains) {
    let any = false;
    const path = attrs.asPathEffective ?? attrs.asPath ?? [];
    outer: for (const s of path) for (const a of s.asns) if (m.asPathContains.has(a)) {
      any = true;
      break outer;
    }
    if (!any) return false;
  }
  if (m.communities) {
    const cs = attrs.communities;
    if (!cs || !cs.some((c) => m.communities!.has(c))) return false;
  }
  if (m.largeCommunities) {
    const ls = attrs.largeCommunities;
    if (!ls || !ls.some((c) => m.largeCommunities!.has(`${c[0]}:${c[1]}:${c[2]}`))) return false;
  }
  if (m.asPathRegex && !m.asPathRegex.test(asPathText(attrs))) return false;
  return true;
}

/** Index of the first matching term, or DEFAULT_TERM. */
export function evaluatePolicy(p: CompiledPolicy, prefix: PrefixKey, attrs: PathAttributes): number {
  const terms = p.terms;
  for (let i = 0; i < terms.length; i++) {
    const m = terms[i].match;
    if (m === null || matches(m, prefix, attrs)) return i;
  }
  return DEFAULT_TERM;
}

/** Does the deciding term (or the default) accept? */
export function termAccepts(p: CompiledPolicy, term: number): boolean {
  return term === DEFAULT_TERM ? p.defaultAccept : p.terms[term].accept;
}
