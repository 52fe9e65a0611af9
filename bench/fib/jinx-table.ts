/**
 * The FIB benchmarks' table: the route-views.jinx RIB of 2014-05-30 (../shared/data), each prefix with the
 * next hop of its first RIB entry. One reader for bench/fib/fib.ts, audit.ts and writer-profile.ts.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMrt } from '../../lib/mrt/index.js';
import { formatIpv4, formatIpv6 } from '../../lib/wire/address.js';
import type { PrefixKey } from '../../lib/wire/prefix.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..'); // from dist/bench/fib
const data = process.env.BTRD_SHARED_DATA ?? join(repo, '..', 'shared', 'data');
export const JINX_RIB = join(data, 'mrt/rib/routeviews.route-views.jinx.ribs.1401487200.gz');

/** NEXT_HOP (type 3) of a RIB entry's attributes; with `ipv6`, also MRT-abbreviated MP_REACH_NLRI (type 14). */
export function nextHopOf(a: Uint8Array, ipv6 = true): string | null {
  let p = 0;
  while (p + 3 <= a.length) {
    const ext = (a[p] & 0x10) !== 0;
    const type = a[p + 1];
    const len = ext ? (a[p + 2] << 8) | a[p + 3] : a[p + 2];
    const v = p + (ext ? 4 : 3);
    if (type === 3 && len === 4) return formatIpv4(((a[v] << 24) | (a[v + 1] << 16) | (a[v + 2] << 8) | a[v + 3]) >>> 0);
    if (ipv6 && type === 14 && len >= 17 && a[v] >= 16) return formatIpv6(a.subarray(v + 1, v + 17));
    p = v + len;
  }
  return null;
}

/** [prefix, IPv4 next hop] of every unicast prefix with an IPv4 NEXT_HOP, first entry, each prefix once. */
export async function ipv4Rows(): Promise<[PrefixKey, string][]> {
  const rows: [PrefixKey, string][] = [];
  const seen = new Set<PrefixKey>();
  for await (const r of readMrt(JINX_RIB)) {
    if (r.kind !== 'rib' || r.safi !== 1 || r.entries.length === 0 || seen.has(r.prefix)) continue;
    const hop = nextHopOf(r.entries[0].attributes, false);
    if (hop) {
      seen.add(r.prefix);
      rows.push([r.prefix, hop]);
    }
  }
  return rows;
}
