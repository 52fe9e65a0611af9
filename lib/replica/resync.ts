/**
 * Re-sync input (controller, DESIGN principle 4): a healthy replica's pre-policy Adj-RIB-In of one peer
 * re-encoded as UPDATE messages in that peer's receive codec, so a restarted replica rebuilds its state
 * through the same parse → import policy → decision path as live input — from the routes the peers
 * currently advertise, never from a replay of history (withdrawn routes are simply absent).
 *
 * Paths with the same (interned) attribute object and next hop share messages; IPv4 NLRI go in the NLRI
 * field (RFC 4271 §4.3), IPv6 NLRI in MP_REACH_NLRI (RFC 4760 §3) with the global [+ link-local] next hop
 * (RFC 2545 §3); path identifiers are kept when the peer's session has ADD-PATH receive (RFC 7911 §3).
 */
import { Afi } from '../wire/iana.js';
import { prefixLength, type PrefixKey } from '../wire/prefix.js';
import { encodeUpdate } from '../wire/update.js';
import type { CodecContext, MpReach, PathAttributes } from '../wire/types.js';
import type { Route } from '../rib/types.js';

interface Group {
  readonly attrs: PathAttributes;
  readonly nextHop: string;
  readonly linkLocal: string | undefined;
  readonly v6: boolean;
  readonly keys: PrefixKey[];
  readonly ids: number[];
}

export function encodeAdjRibIn(routes: Iterable<Route>, codec: CodecContext, maxMessageLength: number): Uint8Array[] {
  const byAttrs = new Map<PathAttributes, Map<string, Group>>();
  const groups: Group[] = [];
  for (const r of routes) {
    const v6 = typeof r.prefix === 'string';
    const sub = `${v6 ? 6 : 4}|${r.nextHop}|${r.nextHopLinkLocal ?? ''}`;
    let m = byAttrs.get(r.attributes);
    if (m === undefined) byAttrs.set(r.attributes, (m = new Map()));
    let g = m.get(sub);
    if (g === undefined) {
      m.set(sub, (g = { attrs: r.attributes, nextHop: r.nextHop, linkLocal: r.nextHopLinkLocal, v6, keys: [], ids: [] }));
      groups.push(g);
    }
    g.keys.push(r.prefix);
    g.ids.push(r.pathId);
  }
  const out: Uint8Array[] = [];
  for (const g of groups) {
    const withIds = g.v6 ? codec.addPathIpv6 === true : codec.addPathIpv4 === true;
    const build = (keys: PrefixKey[], ids: number[]): Uint8Array => {
      if (!g.v6) {
        const attrs = g.attrs.nextHop === undefined ? { ...g.attrs, nextHop: g.nextHop } : g.attrs;
        return encodeUpdate({ attributes: attrs, nlri: keys, ...(withIds ? { nlriPathIds: ids } : {}) }, codec);
      }
      const reach: MpReach = { afi: Afi.Ipv6, safi: 1, nextHop: g.linkLocal ? { global: g.nextHop, linkLocal: g.linkLocal } : { global: g.nextHop }, nlri: keys, ...(withIds ? { pathIds: ids } : {}), reserved: 0 };
      return encodeUpdate({ attributes: g.attrs, mpReach: reach }, codec);
    };
    // +1: an MP_REACH_NLRI header may grow to extended length once NLRI are added.
    const room = maxMessageLength - build([], []).length - 1;
    let keys: PrefixKey[] = [];
    let ids: number[] = [];
    let used = 0;
    for (let i = 0; i < g.keys.length; i++) {
      const size = 1 + ((prefixLength(g.keys[i]) + 7) >> 3) + (withIds ? 4 : 0);
      if (used + size > room && keys.length > 0) {
        out.push(build(keys, ids));
        keys = [];
        ids = [];
        used = 0;
      }
      keys.push(g.keys[i]);
      ids.push(g.ids[i]);
      used += size;
    }
    if (keys.length > 0) out.push(build(keys, ids));
  }
  return out;
}

/** The treat-as-withdraw replacement of a quarantined UPDATE (RFC 7606 §2 spirit): withdraw every prefix it carried. */
export function withdrawalFor(prefixes: readonly PrefixKey[], pathIds: readonly number[] | null, codec: CodecContext): Uint8Array {
  const v4 = prefixes.filter((p): p is number => typeof p === 'number');
  const v6 = prefixes.filter((p): p is string => typeof p === 'string');
  const ids4 = pathIds ? prefixes.map((p, i) => [p, pathIds[i]] as const).filter(([p]) => typeof p === 'number').map(([, id]) => id) : undefined;
  const ids6 = pathIds ? prefixes.map((p, i) => [p, pathIds[i]] as const).filter(([p]) => typeof p === 'string').map(([, id]) => id) : undefined;
  return encodeUpdate({
    withdrawn: v4,
    ...(codec.addPathIpv4 && ids4 ? { withdrawnPathIds: ids4 } : {}),
    ...(v6.length > 0 ? { mpUnreach: { afi: Afi.Ipv6, safi: 1, withdrawn: v6, ...(codec.addPathIpv6 && ids6 ? { pathIds: ids6 } : {}) } } : {}),
  }, codec);
}
