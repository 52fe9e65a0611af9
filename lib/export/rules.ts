/**
 * Export rules for one target peer: which Loc-RIB best paths it gets and with what attributes.
 *
 *  1. Never back to the peer the route came from.
 *  2. Only negotiated families.
 *  3. RFC 1997: NO_ADVERTISE → nobody; NO_EXPORT / NO_EXPORT_SUBCONFED → no eBGP peer.
 *  4. RFC 4271 §9.2: iBGP-learned routes are not sent to iBGP peers, except by route reflection
 *     (RFC 4456 §6: from a client → all other iBGP peers; from a non-client → clients only).
 *  5. Export policy: matched against the Loc-RIB route, its actions applied last (after 6).
 *  6. Attributes:
 *     - eBGP (RFC 4271 §5.1.2, §5.1.3, §5.1.4, §5.1.5): confederation segments removed (RFC 5065 §5.3),
 *       own AS (the session's localAs) prepended, NEXT_HOP = our address on the session — next-hop self
 *       always (allowed by §5.1.3; keeping a third-party next hop in the peer's subnet is not done),
 *       LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST removed, MED removed (a MED learned from one AS is not
 *       passed to another, §5.1.4) unless the export policy sets one.
 *     - route-server client (RFC 7947 §2.2): no prepend, next hop and MED kept.
 *     - iBGP: LOCAL_PREF kept (100 if absent, §5.1.5 "SHALL be included"), next hop unchanged unless
 *       next-hop-self is configured (never for reflected routes, RFC 4456 §10), MED kept; when reflecting
 *       ORIGINATOR_ID = the source's BGP Identifier if absent and our CLUSTER_ID prepended to CLUSTER_LIST
 *       (RFC 4456 §8).
 *     - IPv6 link-local next hops are not propagated (they only mean something on the link they came from).
 *
 * Results are cached per (Loc-RIB attribute set, deciding term, family, next hop / source where they
 * matter), so unchanged inputs give the identical frozen object and the engine can diff by identity.
 */
import type { PathAttributes } from '../wire/types.js';
import type { PrefixKey } from '../wire/prefix.js';
import { applyActions, copyAttributes } from '../policy/actions.js';
import { prependAsPath, stripConfedSegments } from '../policy/as-path.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { NO_ADVERTISE, NO_EXPORT, NO_EXPORT_SUBCONFED } from '../policy/communities.js';
import { DEFAULT_TERM, evaluatePolicy, termAccepts } from '../policy/evaluate.js';
import type { EnginePeer, Route } from '../rib/types.js';
import type { ExportAttributes, ExportVerdict } from './types.js';

export interface ExportContext {
  readonly asn: number;
  /** RFC 4456 §7 CLUSTER_ID (the router id unless configured). */
  readonly clusterId: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Built export attributes per Loc-RIB attribute set; shared by every target with the same exportProfile. */
export type ExportCache = WeakMap<PathAttributes, Map<string | number, ExportAttributes>>;

/**
 * Everything `build` reads from the target peer. Peers with equal profiles (typically all eBGP peers of
 * one kind) share one cache, so an attribute set is rewritten once, not once per peer.
 */
export function exportProfile(t: EnginePeer): string {
  return JSON.stringify([t.ebgp, t.routeServerClient, t.localAs, t.nextHopSelf, t.localAddress.ipv4 ?? '', t.localAddress.ipv6 ?? '', t.exportPolicy]);
}

export class ExportPipeline {
  /** No term and not the default accepts: run() is null for every route (e.g. `export: { default: reject }`). */
  private readonly rejectsAll: boolean;

  constructor(
    readonly target: EnginePeer,
    readonly policy: CompiledPolicy,
    private readonly ctx: ExportContext,
    private readonly cache: ExportCache = new WeakMap(),
  ) {
    this.rejectsAll = !policy.defaultAccept && policy.terms.every((t) => !t.accept);
  }

  /** Rules 1–4 (no policy). `source` is null for locally originated routes. */
  eligibility(route: Route, source: EnginePeer | null): ExportVerdict {
    const t = this.target;
    if (route.peerId === t.id) return 'source-peer';
    if (typeof route.prefix === 'number' ? !t.families.ipv4 : !t.families.ipv6) return 'family-not-negotiated';
    const cs = route.attributes.communities;
    if (cs !== undefined) {
      for (let i = 0; i < cs.length; i++) {
        const c = cs[i];
        if (c === NO_ADVERTISE) return 'no-advertise';
        if (t.ebgp && (c === NO_EXPORT || c === NO_EXPORT_SUBCONFED)) return 'no-export';
      }
    }
    if (!t.ebgp && source !== null && !source.ebgp && !source.routeReflectorClient && !t.routeReflectorClient) return 'ibgp-split-horizon';
    if (t.ebgp && !t.routeServerClient && this.localNextHop(route.prefix) === undefined) return 'no-local-address';
    return 'export';
  }

  /** What to send to the target for `route` (the prefix's best path), or null if it is not exported. */
  run(route: Route, source: EnginePeer | null): ExportAttributes | null {
    if (this.rejectsAll) return null;
    if (this.eligibility(route, source) !== 'export') return null;
    const term = evaluatePolicy(this.policy, route.prefix, route.attributes);
    if (!termAccepts(this.policy, term)) return null;
    const t = this.target;
    const v6 = typeof route.prefix !== 'number';
    const reflect = !t.ebgp && source !== null && !source.ebgp;
    const nhSelf = this.usesNextHopSelf(term, reflect);
    // Cache key: what the result depends on besides the attribute set.
    let key: string | number = (term + 1) * 2 + (v6 ? 1 : 0);
    if (!nhSelf || reflect) key = `${key}|${nhSelf ? '' : route.nextHop}|${reflect ? source!.routerId : ''}`;
    let byKey = this.cache.get(route.attributes);
    if (byKey === undefined) this.cache.set(route.attributes, (byKey = new Map()));
    let out = byKey.get(key);
    if (out === undefined) {
      out = this.build(route, source, term, nhSelf, reflect);
      byKey.set(key, out);
    }
    return out;
  }

  private localNextHop(prefix: PrefixKey): string | undefined {
    return typeof prefix === 'number' ? this.target.localAddress.ipv4 : this.target.localAddress.ipv6;
  }

  private usesNextHopSelf(term: number, reflect: boolean): boolean {
    const t = this.target;
    if (term !== DEFAULT_TERM && this.policy.terms[term].set.nextHopSelf) return true;
    if (t.ebgp) return !t.routeServerClient || t.nextHopSelf;
    return t.nextHopSelf && !reflect; // RFC 4456 §10: reflected routes keep their next hop
  }

  private build(route: Route, source: EnginePeer | null, term: number, nhSelf: boolean, reflect: boolean): ExportAttributes {
    const t = this.target;
    const a = route.attributes;
    const out = copyAttributes(a) as Mutable<ExportAttributes>;
    if (t.ebgp) {
      let path = stripConfedSegments(a.asPathEffective ?? a.asPath);
      if (!t.routeServerClient) path = prependAsPath(path, t.localAs, 1); // RFC 4271 §5.1.2 (b)
      out.asPath = path;
      out.asPathEffective = path;
      delete out.as4Path; // regenerated by the encoder for 2-octet peers (RFC 6793 §4.2.2)
      delete out.localPref; // RFC 4271 §5.1.5: not sent to external peers
      delete out.originatorId; // RFC 4456 §8: optional non-transitive, meaningful inside the AS only
      delete out.clusterList;
      if (!t.routeServerClient) delete out.med; // RFC 4271 §5.1.4
    } else {
      out.localPref = a.localPref ?? 100; // RFC 4271 §5.1.5
      if (reflect) {
        // RFC 4456 §8.
        out.originatorId = a.originatorId ?? source!.routerId;
        out.clusterList = [this.ctx.clusterId, ...(a.clusterList ?? [])];
      }
    }
    out.nextHop = nhSelf ? this.localNextHop(route.prefix) ?? route.nextHop : route.nextHop;
    delete out.nextHopLinkLocal;
    let result: PathAttributes = out;
    if (term !== DEFAULT_TERM) {
      const set = this.policy.terms[term].set;
      // Policy actions last. LOCAL_PREF only goes to iBGP peers; prepend adds our AS (eBGP only).
      result = applyActions(out, t.ebgp && set.localPref !== undefined ? { ...set, localPref: undefined } : set, t.ebgp && !t.routeServerClient ? t.localAs : 0);
    }
    return Object.freeze(result) as ExportAttributes;
  }
}
