/**
 * Variant B's import side for one peer: loop detection, import policy (the shared lib/policy evaluator:
 * policy is not the decision process), and the eBGP LOCAL_PREF rule. Memoised per received attribute
 * set (interned by the codec) and deciding term, so the same input gives the same output object — the
 * engine detects "no change" by identity.
 */
import type { PathAttributes, AsPathSegment } from '../../wire/types.js';
import { AsPathSegmentType } from '../../wire/types.js';
import type { PrefixKey } from '../../wire/prefix.js';
import type { AttrRank } from '../types.js';
import type { EnginePeer } from '../../rib/types.js';
import type { CompiledPolicy } from '../../policy/compile.js';
import { applyActions, copyAttributes } from '../../policy/actions.js';
import { checkImportLimits } from '../../policy/limits.js';
import { DEFAULT_TERM, evaluatePolicy, termAccepts } from '../../policy/evaluate.js';
import { rankAttributes, type PathBasis } from './path.js';

export interface ImportResult {
  /** Passed loop detection and import policy: a candidate. */
  readonly accepted: boolean;
  /** Post-policy attributes; the received set when rejected. */
  readonly attrs: PathAttributes;
  /** The decision inputs; REJECTED (never compared) when rejected. */
  readonly rank: AttrRank;
  /** The engine's shared path bases built from this result, one per next hop (engine.ts `basisOf`; replaced, not grown: exact size). */
  bases: readonly PathBasis[];
}

/** The bases of a result before the engine built any (shared: results replace it). */
const NO_BASES: readonly PathBasis[] = Object.freeze([]);

/** Rank of a path that is not a candidate (never compared). */
const REJECTED: AttrRank = Object.freeze({ localPref: 0, asPathLength: 0, origin: 0, med: 0, medGroup: 0, originatorId: -1, clusterListLength: 0 });

export interface LocalIdentity {
  readonly asn: number;
  readonly routerId: string;
  readonly clusterId: string;
  readonly alwaysCompareMed: boolean;
}

/**
 * Per received attribute set. The first deciding term's result is kept inline and a Map only appears when a
 * prefix-dependent policy decides a second term: one memo per UPDATE survives into the old generation, so
 * it is kept small (DESIGN principle 6).
 */
interface Memo {
  readonly looped: boolean;
  /** Deciding term when the policy ignores the prefix. */
  term: number | undefined;
  firstTerm: number;
  first: ImportResult | undefined;
  others: Map<number, ImportResult> | null;
  /** The one "not a candidate" result of this received set. */
  rejected: ImportResult | undefined;
}

/** Any non-confederation segment holding `asn` (confed member ASes are ours, RFC 5065 §5.3). */
function pathHas(path: readonly AsPathSegment[] | undefined, asn: number): boolean {
  if (path === undefined) return false;
  for (const s of path) {
    if (s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet) continue;
    if (s.asns.includes(asn)) return true;
  }
  return false;
}

export class ImportFilter {
  private readonly memo = new WeakMap<PathAttributes, Memo>();

  constructor(
    private readonly peer: EnginePeer,
    private readonly policy: CompiledPolicy,
    private readonly local: LocalIdentity,
  ) {}

  /** The import policy reads the prefix: results differ per prefix of one attribute set. */
  get prefixDependent(): boolean {
    return this.policy.prefixDependent;
  }

  /** RFC 4271 §9.1.2 (our AS in AS_PATH, also the AS presented on this session), RFC 4456 §8 (ORIGINATOR_ID, CLUSTER_LIST). */
  private looped(a: PathAttributes): boolean {
    const path = a.asPathEffective ?? a.asPath;
    if (pathHas(path, this.local.asn)) return true;
    if (this.peer.localAs !== this.local.asn && pathHas(path, this.peer.localAs)) return true;
    if (a.originatorId !== undefined && a.originatorId === this.local.routerId) return true;
    if (a.clusterList !== undefined && a.clusterList.indexOf(this.local.clusterId) >= 0) return true;
    // The shared import limits (max AS_PATH length, attribute-set size): over a limit = not a candidate.
    return checkImportLimits(a, this.peer.importLimits, this.peer.codec) !== 'within-limits';
  }

  /** Post-policy attributes and their rank, or the memo's rejected result (loop or policy reject): not a candidate. */
  filter(prefix: PrefixKey, a: PathAttributes): ImportResult {
    let m = this.memo.get(a);
    if (m === undefined) {
      m = { looped: this.looped(a), term: undefined, firstTerm: 0, first: undefined, others: null, rejected: undefined };
      this.memo.set(a, m);
    }
    if (m.looped) return (m.rejected ??= rejectedResult(a));
    const term = this.policy.prefixDependent ? evaluatePolicy(this.policy, prefix, a) : (m.term ??= evaluatePolicy(this.policy, prefix, a));
    if (m.first !== undefined && m.firstTerm === term) return m.first;
    let r = m.others?.get(term);
    if (r === undefined) {
      r = termAccepts(this.policy, term) ? this.build(a, term) : (m.rejected ??= rejectedResult(a));
      if (m.first === undefined) {
        m.first = r;
        m.firstTerm = term;
      } else (m.others ??= new Map()).set(term, r);
    }
    return r;
  }

  private build(a: PathAttributes, term: number): ImportResult {
    let out: PathAttributes = a;
    if (this.peer.ebgp && a.localPref !== undefined) {
      // RFC 4271 §5.1.5: a LOCAL_PREF from an external peer is not used; absent = the default 100.
      const c = copyAttributes(a);
      delete c.localPref;
      out = c;
    }
    if (term !== DEFAULT_TERM) {
      // Import prepends the neighbour's AS, and only on eBGP sessions (our AS would loop in iBGP).
      out = applyActions(out, this.policy.terms[term].set, this.peer.ebgp ? this.peer.asn : 0);
    }
    if (out !== a) Object.freeze(out);
    return { accepted: true, attrs: out, rank: rankAttributes(out, this.local.alwaysCompareMed), bases: NO_BASES };
  }
}

function rejectedResult(a: PathAttributes): ImportResult {
  return { accepted: false, attrs: a, rank: REJECTED, bases: NO_BASES };
}
