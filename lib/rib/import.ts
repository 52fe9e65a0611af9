/**
 * Import processing for one peer: loop detection, then import policy, then the eBGP LOCAL_PREF default.
 * Results are cached per received attribute set (interned by the codec), so the per-route cost is a
 * WeakMap lookup plus, when the policy matches on prefixes, a policy evaluation.
 */
import type { PathAttributes } from '../wire/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import type { AttrRank } from '../decision/types.js';
import { asPathContains } from '../policy/as-path.js';
import { checkImportLimits } from '../policy/limits.js';
import { applyActions, copyAttributes } from '../policy/actions.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { DEFAULT_TERM, evaluatePolicy, termAccepts } from '../policy/evaluate.js';
import { attrRank } from './route.js';
import type { EnginePeer } from './types.js';

export interface Imported {
  readonly attrs: PathAttributes;
  readonly rank: AttrRank;
}

export interface ImportContext {
  readonly asn: number;
  readonly routerId: string;
  readonly clusterId: string;
  readonly alwaysCompareMed: boolean;
}

/** Prefix-dependent policy: the result per deciding term (index term + 1) of one attribute set. */
class ByTerm {
  readonly results: (Imported | null | undefined)[] = [];
}

/** Why a received path is not a candidate (for logs and tests). */
export type ImportVerdict = 'accepted' | 'as-path-loop' | 'originator-id-loop' | 'cluster-list-loop' | 'policy-reject' | 'as-path-too-long' | 'attributes-too-large';

export class ImportPipeline {
  /**
   * Per received attribute set: the result itself (null = rejected: loop or policy) when the policy does
   * not depend on the prefix — no object per set beyond the result — else a ByTerm (null when looped).
   */
  private cache = new WeakMap<PathAttributes, Imported | ByTerm | null>();
  /** The previous lookup: the NLRI of one UPDATE share one attribute set. */
  private lastAttrs: PathAttributes | null = null;
  private lastEntry: Imported | ByTerm | null = null;

  constructor(
    private readonly peer: EnginePeer,
    private readonly policy: CompiledPolicy,
    private readonly ctx: ImportContext,
  ) {}

  /** Loop checks — RFC 4271 §9.1.2 (own AS in AS_PATH), RFC 4456 §8 (ORIGINATOR_ID, CLUSTER_LIST). */
  loopVerdict(a: PathAttributes): ImportVerdict {
    const path = a.asPathEffective ?? a.asPath;
    if (asPathContains(path, this.ctx.asn) || (this.peer.localAs !== this.ctx.asn && asPathContains(path, this.peer.localAs))) return 'as-path-loop';
    if (a.originatorId !== undefined && a.originatorId === this.ctx.routerId) return 'originator-id-loop';
    if (a.clusterList !== undefined && a.clusterList.includes(this.ctx.clusterId)) return 'cluster-list-loop';
    const limit = checkImportLimits(a, this.peer.importLimits, this.peer.codec);
    if (limit !== 'within-limits') return limit;
    return 'accepted';
  }

  /** The post-policy attributes and their rank, or null when the path is not a candidate. */
  run(prefix: PrefixKey, a: PathAttributes): Imported | null {
    let e = a === this.lastAttrs ? this.lastEntry : this.cache.get(a);
    if (e === undefined) {
      if (this.loopVerdict(a) !== 'accepted') e = null;
      else if (this.policy.prefixDependent) e = new ByTerm();
      else e = this.build(a, evaluatePolicy(this.policy, prefix, a));
      this.cache.set(a, e);
    }
    this.lastAttrs = a;
    this.lastEntry = e;
    if (!(e instanceof ByTerm)) return e;
    const term = evaluatePolicy(this.policy, prefix, a);
    let r = e.results[term + 1];
    if (r === undefined) r = e.results[term + 1] = this.build(a, term);
    return r;
  }

  private build(a: PathAttributes, term: number): Imported | null {
    if (!termAccepts(this.policy, term)) return null;
    let out = a;
    if (this.peer.ebgp && a.localPref !== undefined) {
      // RFC 4271 §5.1.5: LOCAL_PREF from an external peer is ignored; eBGP routes get the default 100 —
      // represented by its absence (the codec already drops it on eBGP sessions, RFC 7606 §7.5), which
      // the decision (AttrRank) and iBGP export read as 100. No copy per attribute set in the common case.
      const c = copyAttributes(a);
      delete c.localPref;
      out = c;
    }
    if (term !== DEFAULT_TERM) {
      // Import prepend adds the neighbour's AS (eBGP only): our own AS would make iBGP peers drop the route.
      out = applyActions(out, this.policy.terms[term].set, this.peer.ebgp ? this.peer.asn : 0);
    }
    if (out !== a) Object.freeze(out);
    return { attrs: out, rank: attrRank(out, this.ctx.alwaysCompareMed) };
  }
}
