/**
 * Route queries of the API (`GET /routes`, `btrctl show routes`, `btrctl lookup`), answered against any
 * decision engine: the speaker's own RoutingEngine (replicas = 1) or, in replicated mode, inside a replica
 * that agrees with the voted state (workers/decision.ts `routes` task). Results are plain JSON (they cross
 * the worker boundary by structured clone and go out as is).
 *
 * Longest match (`lookup`) probes the Loc-RIB from the host length down to /0: at most 33 (IPv4) or 129
 * (IPv6) exact-match probes, so no second index of the table is needed.
 */
import type { PeerOut, Route } from '../rib/types.js';
import { formatPrefix, parsePrefix, prefixLength, type PrefixKey } from '../wire/prefix.js';
import type { PathAttributes } from '../wire/types.js';

export type RouteQuery =
  /** One prefix: its best and every candidate. */
  | { readonly kind: 'prefix'; readonly prefix: string }
  /** Longest-match of an address (or prefix: the most specific covering entry). */
  | { readonly kind: 'lookup'; readonly address: string }
  /** The Loc-RIB entries whose best comes from this peer (`best`), or what we advertise to it (`advertised`). */
  | { readonly kind: 'peer'; readonly peerId: number; readonly table: 'best' | 'advertised'; readonly limit: number }
  /** The whole Loc-RIB, first `limit` entries. */
  | { readonly kind: 'all'; readonly limit: number };

export interface RouteJson {
  peerId: number;
  /** Filled in by the provider (the engine only knows ids). */
  peer?: string;
  pathId: number;
  nextHop: string;
  asPath: string;
  origin: 'igp' | 'egp' | 'incomplete' | null;
  localPref: number | null;
  med: number | null;
  communities: string[];
  largeCommunities: string[];
}

export interface RouteEntryJson {
  prefix: string;
  best: RouteJson | null;
  /** Every candidate (accepted path), best included; only for `prefix` and `lookup` queries. */
  candidates?: RouteJson[];
}

export interface RouteQueryResult {
  /** Matching entries in the table (may exceed entries.length when limited). */
  total: number;
  entries: RouteEntryJson[];
  /** Which replica answered (replicated mode), else null. */
  replica: number | null;
}

/** What a query needs from an engine. */
export interface RouteSource {
  best(prefix: PrefixKey): Route | null;
  candidates(prefix: PrefixKey): Route[];
  /** Every Loc-RIB best route. */
  bests(): Iterable<Route>;
  bestCount(): number;
  adjRibOut(peerId: number): PeerOut;
}

export class RouteQueryError extends Error {
  readonly code = 'BTRD_ERR_ROUTE_QUERY' as const;
}

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;

export function formatAsPath(a: PathAttributes): string {
  const segs = a.asPathEffective ?? a.asPath ?? [];
  return segs
    .map((s) => {
      const list = s.asns.join(' ');
      if (s.type === 1) return `{${s.asns.join(',')}}`;
      if (s.type === 3) return `(${list})`;
      if (s.type === 4) return `[${s.asns.join(',')}]`;
      return list;
    })
    .join(' ');
}

export function routeJson(r: { peerId: number; pathId: number; nextHop: string; attributes: PathAttributes }): RouteJson {
  const a = r.attributes;
  return {
    peerId: r.peerId,
    pathId: r.pathId,
    nextHop: r.nextHop,
    asPath: formatAsPath(a),
    origin: a.origin === undefined ? null : ORIGINS[a.origin],
    localPref: a.localPref ?? null,
    med: a.med ?? null,
    communities: (a.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`),
    largeCommunities: (a.largeCommunities ?? []).map((l) => l.join(':')),
  };
}

/** Parse an address or prefix given by an operator; throws RouteQueryError with the text. */
export function parseAddressOrPrefix(text: string): PrefixKey {
  const t = text.trim();
  try {
    if (t.includes('/')) return parsePrefix(t);
    return parsePrefix(`${t}/${t.includes(':') ? 128 : 32}`);
  } catch (e) {
    throw new RouteQueryError(`not an IP address or prefix: ${JSON.stringify(text)} (${(e as Error).message})`);
  }
}

function entry(src: RouteSource, key: PrefixKey, withCandidates: boolean): RouteEntryJson {
  const best = src.best(key);
  const e: RouteEntryJson = { prefix: formatPrefix(key), best: best ? routeJson(best) : null };
  if (withCandidates) e.candidates = src.candidates(key).map(routeJson);
  return e;
}

/** The most specific prefix with a best route that covers `key` (itself included), or null. */
export function longestMatch(src: RouteSource, key: PrefixKey): PrefixKey | null {
  const len = prefixLength(key);
  const text = formatPrefix(key).split('/')[0];
  for (let l = len; l >= 0; l--) {
    const k = parsePrefix(`${text}/${l}`);
    if (src.best(k) !== null) return k;
  }
  return null;
}

export function queryRoutes(src: RouteSource, q: RouteQuery): RouteQueryResult {
  switch (q.kind) {
    case 'prefix': {
      const key = parseAddressOrPrefix(q.prefix);
      const e = entry(src, key, true);
      return { total: e.best || (e.candidates?.length ?? 0) > 0 ? 1 : 0, entries: e.best || (e.candidates?.length ?? 0) > 0 ? [e] : [], replica: null };
    }
    case 'lookup': {
      const hit = longestMatch(src, parseAddressOrPrefix(q.address));
      return { total: hit === null ? 0 : 1, entries: hit === null ? [] : [entry(src, hit, true)], replica: null };
    }
    case 'all': {
      const entries: RouteEntryJson[] = [];
      for (const b of src.bests()) {
        if (entries.length >= q.limit) break;
        entries.push({ prefix: formatPrefix(b.prefix), best: routeJson(b) });
      }
      return { total: src.bestCount(), entries, replica: null };
    }
    case 'peer': {
      const entries: RouteEntryJson[] = [];
      let total = 0;
      if (q.table === 'advertised') {
        for (const [prefix, attrs] of src.adjRibOut(q.peerId).announce) {
          total++;
          if (entries.length < q.limit) entries.push({ prefix: formatPrefix(prefix), best: routeJson({ peerId: q.peerId, pathId: 0, nextHop: attrs.nextHop ?? '', attributes: attrs }) });
        }
      } else {
        for (const b of src.bests()) {
          if (b.peerId !== q.peerId) continue;
          total++;
          if (entries.length < q.limit) entries.push({ prefix: formatPrefix(b.prefix), best: routeJson(b) });
        }
      }
      return { total, entries, replica: null };
    }
  }
}

/** The engine shape of lib/rib/engine.ts RoutingEngine that a RouteSource can be built from. */
export interface PlainEngine {
  best(prefix: PrefixKey): Route | null;
  candidates(prefix: PrefixKey): Route[];
  locRib(): Iterable<Route>;
  adjRibOut(peerId: number): PeerOut;
  counts(): { best: number };
}

/** RouteSource over a single RoutingEngine (replicas = 1). */
export function engineRouteSource(e: PlainEngine): RouteSource {
  return {
    best: (p) => e.best(p),
    candidates: (p) => e.candidates(p),
    bests: () => e.locRib(),
    bestCount: () => e.counts().best,
    adjRibOut: (id) => e.adjRibOut(id),
  };
}
