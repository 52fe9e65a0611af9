/**
 * Best-path selection — RFC 4271 §9.1.2 as elimination over TIE_BREAKS: each step removes from
 * consideration the candidates another remaining candidate beats at that step, and the first step that
 * leaves one candidate decides. The answer depends only on the set of candidates, never on their order
 * (DESIGN principle 2; the `med` step is the deterministic-MED form, see tie-breaks.ts).
 *
 * Hot path: one scratch array, no closures or objects per candidate. O(n) per total-preorder step; the
 * groupwise MED step is O(k²) over the k survivors of steps 1–4 (usually 1–3).
 */
import { TIE_BREAKS, type TieBreak, type TieBreakStep } from './tie-breaks.js';
import type { Candidate } from './types.js';

/** `only-candidate`: nothing to break; `no-candidate`: none (or none with a reachable next hop, §9.1.2.1). */
export type DecidedBy = TieBreakStep | 'only-candidate' | 'no-candidate';

export interface BestPath<T extends Candidate> {
  readonly best: T | null;
  readonly decidedBy: DecidedBy;
}

let scratch: Candidate[] = [];
let keep: Candidate[] = [];

function eliminate(step: TieBreak, n: number): number {
  const cmp = step.compare;
  if (!step.groupwise) {
    let top = scratch[0];
    for (let i = 1; i < n; i++) if (cmp(scratch[i], top) < 0) top = scratch[i];
    let m = 0;
    for (let i = 0; i < n; i++) if (cmp(scratch[i], top) === 0) scratch[m++] = scratch[i];
    return m;
  }
  // Groupwise: x survives unless some remaining y beats it (simultaneous removal).
  let m = 0;
  for (let i = 0; i < n; i++) {
    const x = scratch[i];
    let beaten = false;
    for (let j = 0; j < n; j++) {
      if (cmp(scratch[j], x) < 0) {
        beaten = true;
        break;
      }
    }
    if (!beaten) keep[m++] = x;
  }
  for (let i = 0; i < m; i++) scratch[i] = keep[i];
  return m;
}

/**
 * Select the best of `candidates` (RFC 4271 §9.1.2). Unreachable next hops are never selected.
 * If every step leaves several candidates (only possible for duplicates of one path), the one with the
 * lowest peer id wins, so the result is still order independent.
 */
export function selectBestPath<T extends Candidate>(candidates: readonly T[], steps: readonly TieBreak[] = TIE_BREAKS): BestPath<T> {
  const total = candidates.length;
  if (total === 0) return { best: null, decidedBy: 'no-candidate' };
  if (scratch.length < total) {
    scratch = new Array<Candidate>(total * 2);
    keep = new Array<Candidate>(total * 2);
  }
  for (let i = 0; i < total; i++) scratch[i] = candidates[i];
  let n = total;
  let decidedBy: DecidedBy = 'only-candidate';
  for (let s = 0; s < steps.length && n > 1; s++) {
    const m = eliminate(steps[s], n);
    if (m < n) decidedBy = steps[s].step;
    n = m;
  }
  let best = scratch[0];
  for (let i = 1; i < n; i++) if (scratch[i].peer.peerId < best.peer.peerId) best = scratch[i];
  for (let i = 0; i < total; i++) scratch[i] = undefined as unknown as Candidate; // do not pin routes
  if (!best.nh.reachable) return { best: null, decidedBy: 'no-candidate' };
  return { best: best as T, decidedBy };
}

/** The leading total-preorder steps (before the first groupwise one): where lexicographic comparison is exact. */
const LEADING = TIE_BREAKS.slice(0, TIE_BREAKS.findIndex((t) => t.groupwise));

/**
 * Is `a` strictly preferred to `b` at one of the steps before MED (lexicographically)? Then, in any
 * candidate set containing `a`, `b` is eliminated before MED and cannot influence the result: adding or
 * removing `b` leaves the best path unchanged. The engine's incremental fast path rests on this.
 */
export function beatsBeforeMed(a: Candidate, b: Candidate): boolean {
  for (let i = 0; i < LEADING.length; i++) {
    const r = LEADING[i].compare(a, b);
    if (r !== 0) return r < 0;
  }
  return false;
}
