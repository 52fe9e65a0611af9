/**
 * Apply a term's actions to an attribute set. Attribute objects from the codec are interned and frozen:
 * this never mutates its input and returns the input itself when nothing changes.
 */
import type { PathAttributes } from '../wire/types.js';
import { prependAsPath } from './as-path.js';
import type { CompiledActions } from './compile.js';

export type MutableAttributes = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

/** A shallow, writable copy without the wire-order record (built attributes use canonical order). */
export function copyAttributes(a: PathAttributes): MutableAttributes {
  const out: MutableAttributes = { ...a };
  delete out.wire;
  return out;
}

/**
 * Apply `set` (localPref, med, communities; prepend `prependAs` `set.prepend` times when prependAs > 0).
 * `nextHopSelf` is the export rules' business, not handled here.
 */
export function applyActions(a: PathAttributes, set: CompiledActions, prependAs: number): PathAttributes {
  if (set.empty) return a;
  const out = copyAttributes(a);
  if (set.localPref !== undefined) out.localPref = set.localPref;
  if (set.med !== undefined) out.med = set.med;
  if (set.prepend > 0 && prependAs > 0) {
    const path = prependAsPath(a.asPathEffective ?? a.asPath, prependAs, set.prepend);
    out.asPath = path;
    out.asPathEffective = path;
    delete out.as4Path; // the encoder regenerates AS4_PATH from the effective path (RFC 6793 §4.2.2)
  }
  if (set.removeCommunities.size > 0 || set.addCommunities.length > 0) {
    const cs = (a.communities ?? []).filter((c) => !set.removeCommunities.has(c));
    for (const c of set.addCommunities) if (!cs.includes(c)) cs.push(c);
    if (cs.length > 0) out.communities = cs;
    else delete out.communities;
  }
  if (set.removeLargeCommunities.size > 0 || set.addLargeCommunities.length > 0) {
    const key = (c: readonly [number, number, number]): string => `${c[0]}:${c[1]}:${c[2]}`;
    const ls = (a.largeCommunities ?? []).filter((c) => !set.removeLargeCommunities.has(key(c)));
    for (const c of set.addLargeCommunities) if (!ls.some((x) => key(x) === key(c))) ls.push(c);
    if (ls.length > 0) out.largeCommunities = ls;
    else delete out.largeCommunities;
  }
  return out;
}
