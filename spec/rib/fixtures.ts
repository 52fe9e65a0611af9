/** Builders shared by the rib/decision/export specs (not a spec file itself). */
import { parsePrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { AsPathSegmentType, type AsPathSegment, type PathAttributes, type UpdateMessage } from '../../lib/wire/types.js';
import { ACCEPT_ALL, type Policy } from '../../lib/policy/types.js';
import type { EngineOptions, EnginePeer } from '../../lib/rib/types.js';

export const OWN_AS = 64512;

export function engineOptions(over: Partial<EngineOptions> = {}): EngineOptions {
  return { asn: OWN_AS, routerId: '10.255.0.1', alwaysCompareMed: false, deterministicMed: true, resolveNextHop: () => ({ igpCost: 0 }), ...over };
}

export function peer(id: number, over: Partial<EnginePeer> = {}): EnginePeer {
  const ebgp = over.ebgp ?? true;
  return {
    id,
    name: `p${id}`,
    address: `192.0.2.${id}`,
    asn: ebgp ? 65000 + id : OWN_AS,
    localAs: OWN_AS,
    routerId: `10.0.0.${id}`,
    ebgp,
    routeReflectorClient: false,
    routeServerClient: false,
    families: { ipv4: true, ipv6: true },
    codec: { fourOctetAs: true, ebgp },
    nextHopSelf: false,
    localAddress: { ipv4: `192.0.2.254`, ipv6: '2001:db8::fe' },
    importPolicy: ACCEPT_ALL,
    exportPolicy: ACCEPT_ALL,
    ...over,
  };
}

export const seq = (...asns: number[]): AsPathSegment => ({ type: AsPathSegmentType.AsSequence, asns });
export const set = (...asns: number[]): AsPathSegment => ({ type: AsPathSegmentType.AsSet, asns });

/** A frozen attribute set like the codec produces (asPathEffective = asPath on 4-octet sessions). */
export function attrs(a: Partial<PathAttributes> & { path?: number[] } = {}): PathAttributes {
  const { path, ...rest } = a;
  const asPath = rest.asPath ?? [seq(...(path ?? [65001]))];
  return Object.freeze({ origin: 0, nextHop: '192.0.2.1', ...rest, asPath, asPathEffective: asPath });
}

export const P = (text: string): PrefixKey => parsePrefix(text);

export function announce(prefixes: string[], a: PathAttributes, pathIds?: number[]): UpdateMessage {
  const keys = prefixes.map(P);
  const v4 = keys.filter((k) => typeof k === 'number');
  const v6 = keys.filter((k) => typeof k === 'string');
  return {
    withdrawn: [],
    attributes: a,
    nlri: v4,
    nlriPathIds: pathIds && v4.length > 0 ? pathIds : undefined,
    mpReach: v6.length > 0 ? { afi: 2, safi: 1, nextHop: { global: a.nextHop?.includes(':') ? a.nextHop : '2001:db8::1', linkLocal: 'fe80::1' }, nlri: v6, reserved: 0, pathIds: pathIds && v6.length > 0 ? pathIds : undefined } : undefined,
    treatment: 'none',
    issues: [],
  };
}

export function withdraw(prefixes: string[], pathIds?: number[]): UpdateMessage {
  const keys = prefixes.map(P);
  const v4 = keys.filter((k) => typeof k === 'number');
  const v6 = keys.filter((k) => typeof k === 'string');
  return {
    withdrawn: v4,
    withdrawnPathIds: pathIds && v4.length > 0 ? pathIds : undefined,
    attributes: null,
    nlri: [],
    mpUnreach: v6.length > 0 ? { afi: 2, safi: 1, withdrawn: v6, pathIds: pathIds && v6.length > 0 ? pathIds : undefined } : undefined,
    treatment: 'none',
    issues: [],
  };
}

export const policy = (p: Partial<Policy>): Policy => ({ terms: [], default: 'accept', ...p });
