/**
 * AS_PATH and AS4_PATH — RFC 4271 §4.3 / §5.1.2, RFC 5065 §3 (confederation segments), RFC 6793 (AS4).
 */
import { AS_TRANS } from '../iana.js';
import { UpdateSubcode } from '../iana.js';
import type { ByteWriter } from '../bytes.js';
import { AsPathSegmentType, type Aggregator, type AsPathSegment } from '../types.js';
import { malformed } from './fault.js';

/** RFC 4271 §4.3: a segment carries at most 255 ASes; longer runs are split on encode. */
const MAX_SEGMENT_ASNS = 255;

export function decodeAsPath(v: Uint8Array, asnSize: 2 | 4): AsPathSegment[] {
  const segments: AsPathSegment[] = [];
  let p = 0;
  while (p < v.length) {
    if (p + 2 > v.length) malformed(`truncated segment header at ${p}`, UpdateSubcode.MalformedAsPath);
    const type = v[p];
    const count = v[p + 1];
    // RFC 7606 §7.2: an unrecognized segment type or a zero-length segment makes the AS_PATH malformed.
    if (type < 1 || type > 4) malformed(`unknown segment type ${type}`, UpdateSubcode.MalformedAsPath);
    if (count === 0) malformed('zero-length segment', UpdateSubcode.MalformedAsPath);
    p += 2;
    if (p + count * asnSize > v.length) malformed(`segment of ${count} ASes overruns the attribute`, UpdateSubcode.MalformedAsPath);
    const asns = new Array<number>(count);
    if (asnSize === 4) {
      for (let i = 0; i < count; i++, p += 4) asns[i] = ((v[p] << 24) | (v[p + 1] << 16) | (v[p + 2] << 8) | v[p + 3]) >>> 0;
    } else {
      for (let i = 0; i < count; i++, p += 2) asns[i] = (v[p] << 8) | v[p + 1];
    }
    segments.push({ type: type as AsPathSegmentType, asns });
  }
  // Exact-size copy: a pushed-to array keeps room for 16 elements, and decoded paths live as long as their routes.
  return segments.length === 1 ? [segments[0]] : segments.slice();
}

export function encodeAsPath(segments: readonly AsPathSegment[], asnSize: 2 | 4, w: ByteWriter): void {
  for (const seg of segments) {
    for (let at = 0; at < seg.asns.length || (at === 0 && seg.asns.length === 0); at += MAX_SEGMENT_ASNS) {
      const part = seg.asns.slice(at, at + MAX_SEGMENT_ASNS);
      if (part.length === 0) break;
      w.u8(seg.type).u8(part.length);
      for (const asn of part) {
        if (asnSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn); // RFC 6793 §4.2.2: AS_TRANS stands in for 4-octet ASNs
      }
    }
  }
}

/** Does any ASN need 4 octets? (Decides whether an AS4_PATH is needed towards a 2-octet peer.) */
export function hasFourOctetAsn(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((a) => a > 0xffff));
}

/** Path length for the decision process — RFC 4271 §9.1.2.2 (a): AS_SET counts 1; RFC 5065 §5.3: confed segments 0. */
export function asPathLength(segments: readonly AsPathSegment[] | undefined): number {
  if (!segments) return 0;
  let n = 0;
  for (const s of segments) {
    if (s.type === AsPathSegmentType.AsSequence) n += s.asns.length;
    else if (s.type === AsPathSegmentType.AsSet) n += 1;
  }
  return n;
}

/**
 * RFC 6793 §4.2.3: rebuild the path on a session with a 2-octet speaker. When BOTH AGGREGATOR and
 * AS4_AGGREGATOR are received and AGGREGATOR carries a real (non-AS_TRANS) AS, an OLD speaker aggregated
 * the route and AS4_PATH (with AS4_AGGREGATOR) is ignored. If AS_PATH is shorter than AS4_PATH,
 * AS4_PATH is ignored. Otherwise the leading ASes of AS_PATH that AS4_PATH does not cover are kept and
 * AS4_PATH is appended. Counting follows §9.1.2.2 (AS_SET counts 1, confed segments 0).
 */
export function mergeAs4Path(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[] | undefined,
  aggregator: Aggregator | undefined,
  as4Aggregator: Aggregator | undefined,
): readonly AsPathSegment[] {
  if (!as4Path) return asPath;
  if (aggregator && as4Aggregator && aggregator.asn !== AS_TRANS) return asPath;
  const len = asPathLength(asPath);
  const len4 = asPathLength(as4Path);
  if (len < len4) return asPath;
  let keep = len - len4;
  const out: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (keep === 0) break;
    if (seg.type === AsPathSegmentType.AsSequence) {
      const take = Math.min(keep, seg.asns.length);
      out.push({ type: seg.type, asns: seg.asns.slice(0, take) });
      keep -= take;
    } else if (seg.type === AsPathSegmentType.AsSet) {
      out.push(seg);
      keep -= 1;
    } else {
      out.push(seg);
    }
  }
  // Merge a trailing kept sequence with a leading AS4 sequence into one segment for a clean path.
  const first = as4Path[0];
  const last = out[out.length - 1];
  if (last && first && last.type === AsPathSegmentType.AsSequence && first.type === AsPathSegmentType.AsSequence && last.asns.length + first.asns.length <= MAX_SEGMENT_ASNS) {
    out[out.length - 1] = { type: last.type, asns: [...last.asns, ...first.asns] };
    return [...out, ...as4Path.slice(1)];
  }
  return [...out, ...as4Path];
}

/** bgpdump/BIRD style text: "1 2 {3,4} (65001 65002) [65003]". */
export function formatAsPath(segments: readonly AsPathSegment[] | undefined): string {
  if (!segments) return '';
  return segments
    .map((s) => {
      switch (s.type) {
        case AsPathSegmentType.AsSet:
          return `{${s.asns.join(',')}}`;
        case AsPathSegmentType.ConfedSequence:
          return `(${s.asns.join(' ')})`;
        case AsPathSegmentType.ConfedSet:
          return `[${s.asns.join(',')}]`;
        default:
          return s.asns.join(' ');
      }
    })
    .join(' ');
}
