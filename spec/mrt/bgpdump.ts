/**
 * The `bgpdump -m` oracle for the MRT tests: run bgpdump (Debian package bgpdump 1.6.2) or read its stored
 * output (../shared/data/mrt/bgpdump-m-oracle), and render our records in the same line format.
 *
 * Our rendering uses lib/mrt for the record fields (type, time, peer, prefix, path id) and lib/wire for the
 * attribute columns, so a line that differs points at one of the two; the tests compare them separately
 * (`keyColumns`) and together.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dataPath } from '../helpers/corpus.js';
import { decodePathAttributes, formatAsPath } from '../../lib/wire/attributes.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { formatPrefix, parsePrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import { formatIpv6, parseIpv6 } from '../../lib/wire/address.js';
import type { MrtRecord } from '../../lib/mrt/index.js';
import type { CodecContext, MpReach, PathAttributes } from '../../lib/wire/types.js';

/**
 * bgpdump prints IPv6 with glibc's inet_ntop, which compresses a single zero group ("2001:668::3:...");
 * RFC 5952 §4.2.2 (and lib/wire) does not. Rewrite such addresses in bgpdump's lines to RFC 5952 form.
 */
export function normalizeIpv6(line: string): string {
  if (!line.includes('::')) return line;
  return line.replace(/[0-9a-f:]*::[0-9a-f:.]*/g, (t) => {
    try {
      return formatIpv6(parseIpv6(t));
    } catch {
      return t;
    }
  });
}

/**
 * bgpdump prints a prefix with the bits past its length as they were on the wire ("208.0.0.0/2");
 * btrd's prefix keys clear them (lib/wire/prefix.ts). Mask the prefix column of bgpdump's lines.
 */
export function normalizePrefix(line: string): string {
  let a = -1;
  for (let i = 0; i < 5; i++) {
    a = line.indexOf('|', a + 1);
    if (a < 0) return line;
  }
  const b = line.indexOf('|', a + 1);
  const text = b < 0 ? line.slice(a + 1) : line.slice(a + 1, b);
  if (!text.includes('/')) return line;
  let masked: string;
  try {
    masked = formatPrefix(parsePrefix(text));
  } catch {
    return line;
  }
  return masked === text ? line : line.slice(0, a + 1) + masked + (b < 0 ? '' : line.slice(b));
}

/** `bgpdump -m FILE` lines, IPv6 normalized (bgpdump's own log line goes to stderr and is dropped). */
export function runBgpdump(path: string): string[] {
  const out = execFileSync('bgpdump', ['-m', path], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.toString('latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => normalizePrefix(normalizeIpv6(l)));
}

/** Stored bgpdump output for a data file, e.g. oracleLines('rib/bview.64k_stream_overflow.gz'). */
export function oracleLines(rel: string): string[] {
  const base = rel.replace(/^(.*)\/([^/]+)$/, '$1/$2');
  const text = gunzipSync(readFileSync(dataPath(`mrt/bgpdump-m-oracle/${base}.bgpdump-m.txt.gz`))).toString('latin1');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => normalizePrefix(normalizeIpv6(l)));
}

const ORIGIN = ['IGP', 'EGP', 'INCOMPLETE'];
const WELL_KNOWN_COMMUNITY: Record<number, string> = { 0xffffff01: 'no-export', 0xffffff02: 'no-advertise', 0xffffff03: 'local-AS' };

export interface RenderOptions {
  /** What bgpdump prints as next hop when a route has none (it differs by record kind). */
  readonly missingNextHop?: string;
  /** Called for an UPDATE lib/wire rejects (then skipped); without it the error is thrown. */
  readonly onDecodeError?: (r: MrtRecord, e: Error) => void;
}

function attributeColumns(a: PathAttributes | null, nextHop: string): string {
  if (!a) return `||INCOMPLETE|${nextHop}|0|0||NAG||`;
  const path = formatAsPath(a.asPathEffective ?? a.asPath);
  const comm = (a.communities ?? []).map((c) => WELL_KNOWN_COMMUNITY[c] ?? `${c >>> 16}:${c & 0xffff}`).join(' ');
  const agg = a.aggregatorEffective ?? a.aggregator;
  return `${path}|${ORIGIN[a.origin ?? 2]}|${nextHop}|${a.localPref ?? 0}|${a.med ?? 0}|${comm}|${a.atomicAggregate ? 'AG' : 'NAG'}|${agg ? `${agg.asn} ${agg.address}` : ''}|`;
}

function timeText(r: { timestamp: number; microseconds?: number }): string {
  return r.microseconds === undefined ? String(r.timestamp) : `${r.timestamp}.${String(r.microseconds).padStart(6, '0')}`;
}

const cache = new Map<string, ReturnType<typeof decodePathAttributes>>();
/** Identical attribute sets are decoded once (as btrd's interning does); bounded so memory stays small. */
function decodeCached(b: Uint8Array, ctx: CodecContext, afi: number) {
  const k = afi + Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  let d = cache.get(k);
  if (!d) {
    if (cache.size > 200_000) cache.clear();
    d = decodePathAttributes(b, 0, b.length, ctx);
    cache.set(k, d);
  }
  return d;
}

/**
 * Render records as `bgpdump -m` lines. `withAttributes: false` renders only the key columns
 * (type|time|kind|peer|as|prefix[|path id]) — the reader's own fields.
 */
export function renderBgpdump(records: Iterable<MrtRecord>, withAttributes: boolean, opts: RenderOptions = {}): string[] {
  const lines: string[] = [];
  const missing = opts.missingNextHop ?? '255.255.255.255';
  for (const r of records) {
    if (r.kind === 'rib') {
      if (!r.peerTable) continue; // bgpdump prints nothing without a PEER_INDEX_TABLE
      const label = r.addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2';
      const ctx: CodecContext = { fourOctetAs: true, mrtRibEntryAfi: r.afi };
      for (const e of r.entries) {
        const peer = r.peerTable.peers[e.peerIndex];
        const key = `${label}|${r.timestamp}|B|${peer.ip}|${peer.asn}|${formatPrefix(r.prefix)}|${r.addPath ? `${e.pathId}|` : ''}`;
        if (!withAttributes) {
          lines.push(key);
          continue;
        }
        const d = decodeCached(e.attributes, ctx, r.afi);
        const nh = r.afi === 2 ? d.mpReach?.nextHop.global ?? missing : d.attributes.nextHop ?? d.mpReach?.nextHop.global ?? missing;
        lines.push(key + attributeColumns(d.attributes, nh));
      }
    } else if (r.kind === 'table-dump') {
      const key = `TABLE_DUMP|${r.timestamp}|B|${r.peerIp}|${r.peerAs}|${formatPrefix(r.prefix)}|`;
      if (!withAttributes) {
        lines.push(key);
        continue;
      }
      const d = decodePathAttributes(r.attributes, 0, r.attributes.length, { fourOctetAs: false });
      const nh = r.afi === 2 ? d.mpReach?.nextHop.global ?? missing : d.attributes.nextHop ?? missing;
      lines.push(key + attributeColumns(d.attributes, nh));
    } else if (r.kind === 'bgp4mp-state-change') {
      const label = r.type === 5 ? 'BGP' : r.type === 17 ? 'BGP4MP_ET' : 'BGP4MP';
      lines.push(`${label}|${timeText(r)}|STATE|${r.peerIp}|${r.peerAs}|${r.oldState}|${r.newState}`);
    } else if (r.kind === 'bgp4mp-message') {
      if (r.message[18] !== 2) continue; // bgpdump -m prints UPDATEs only
      const label = (r.type === 5 ? 'BGP' : r.type === 17 ? 'BGP4MP_ET' : 'BGP4MP') + (r.addPath ? '_AP' : '');
      const head = `${label}|${timeText(r)}`;
      const ctx: CodecContext = { fourOctetAs: r.as4, addPathIpv4: r.addPath, addPathIpv6: r.addPath };
      let u: ReturnType<typeof decodeUpdate>;
      try {
        u = decodeUpdate(r.message.subarray(19), ctx, null);
      } catch (e) {
        if (opts.onDecodeError) {
          opts.onDecodeError(r, e as Error);
          continue;
        }
        throw e;
      }
      const pid = (ids: readonly number[] | undefined, i: number): string => (ids ? `${ids[i]}|` : '');
      const w = (p: PrefixKey, id: string): string => `${head}|W|${r.peerIp}|${r.peerAs}|${formatPrefix(p)}${id ? `|${id.slice(0, -1)}` : ''}`;
      u.withdrawn.forEach((p, i) => lines.push(w(p, pid(u.withdrawnPathIds, i))));
      u.mpUnreach?.withdrawn.forEach((p, i) => lines.push(w(p, pid(u.mpUnreach?.pathIds as number[] | undefined, i))));
      const announce = (p: PrefixKey, id: string, nh: string): void => {
        const key = `${head}|A|${r.peerIp}|${r.peerAs}|${formatPrefix(p)}|${id}`;
        lines.push(withAttributes ? key + attributeColumns(u.attributes, nh) : key);
      };
      const v4nh = u.attributes?.nextHop ?? missing;
      u.nlri.forEach((p, i) => announce(p, pid(u.nlriPathIds, i), v4nh));
      const mp: MpReach | undefined = u.mpReach;
      mp?.nlri.forEach((p, i) => announce(p, pid(mp.pathIds as number[] | undefined, i), mp.nextHop.global));
    }
  }
  return lines;
}

/** Offset of the n-th '|' in a line (n from 1), or -1. */
function nthBar(l: string, n: number): number {
  let a = -1;
  for (let i = 0; i < n; i++) {
    a = l.indexOf('|', a + 1);
    if (a < 0) return -1;
  }
  return a;
}

/** Column `i` (0-based) of a bgpdump line. */
export function column(l: string, i: number): string {
  const a = i === 0 ? -1 : nthBar(l, i);
  const b = l.indexOf('|', a + 1);
  return b < 0 ? l.slice(a + 1) : l.slice(a + 1, b);
}

/** The key columns of bgpdump lines (everything up to the prefix, plus the path id for _AP lines). */
export function keyColumns(lines: readonly string[]): string[] {
  return lines.map((l) => {
    const kind = column(l, 2);
    if (kind === 'STATE' || kind === 'W') return l;
    const end = nthBar(l, l.startsWith('TABLE_DUMP2_AP') || l.startsWith('BGP4MP_AP') || l.startsWith('BGP4MP_ET_AP') ? 7 : 6);
    return end < 0 ? l : l.slice(0, end + 1);
  });
}

/** Compare two line multisets; returns '' when equal, else a short description of the differences. */
export function diffMultisets(actual: readonly string[], expected: readonly string[], max = 6): string {
  const count = new Map<string, number>();
  for (const l of expected) count.set(l, (count.get(l) ?? 0) + 1);
  const extra: string[] = [];
  for (const l of actual) {
    const c = count.get(l);
    if (c) count.set(l, c - 1);
    else if (extra.length < max) extra.push(l);
    else extra.push('…');
  }
  const missing: string[] = [];
  for (const [l, c] of count) if (c > 0 && missing.length < max) missing.push(`${l}${c > 1 ? ` ×${c}` : ''}`);
  if (extra.length === 0 && missing.length === 0 && actual.length === expected.length) return '';
  return `actual ${actual.length} lines, expected ${expected.length}\n  only in actual:\n    ${extra.slice(0, max).join('\n    ')}\n  only in expected:\n    ${missing.join('\n    ')}`;
}
