/** AS_PATH edits shared by policy actions and export rules — RFC 4271 §5.1.2, RFC 5065 §5.3. */
import { AsPathSegmentType, type AsPathSegment } from '../wire/types.js';

/**
 * RFC 4271 §5.1.2 (b): prepend `asn` `times` times, into the leading AS_SEQUENCE when there is one,
 * else as a new AS_SEQUENCE. (The encoder splits segments longer than 255 ASes, RFC 4271 §4.3.)
 */
export function prependAsPath(path: readonly AsPathSegment[] | undefined, asn: number, times: number): readonly AsPathSegment[] {
  const segs = path ?? [];
  if (times <= 0) return segs;
  const head = new Array<number>(times).fill(asn);
  const first = segs[0];
  if (first && first.type === AsPathSegmentType.AsSequence) {
    return [{ type: AsPathSegmentType.AsSequence, asns: [...head, ...first.asns] }, ...segs.slice(1)];
  }
  return [{ type: AsPathSegmentType.AsSequence, asns: head }, ...segs];
}

/** RFC 5065 §5.3: confederation segments are removed before a route leaves the confederation. */
export function stripConfedSegments(path: readonly AsPathSegment[] | undefined): readonly AsPathSegment[] {
  const segs = path ?? [];
  for (const s of segs) {
    if (s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet) {
      return segs.filter((x) => x.type === AsPathSegmentType.AsSequence || x.type === AsPathSegmentType.AsSet);
    }
  }
  return segs;
}

/** Does the path carry `asn` in any segment (RFC 4271 §9.1.2: loop detection)? */
export function asPathContains(path: readonly AsPathSegment[] | undefined, asn: number): boolean {
  if (!path) return false;
  for (const s of path) {
    // Confederation segments hold member-AS numbers, not our AS number (RFC 5065 §5.3 handles their loops).
    if (s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet) continue;
    const a = s.asns;
    for (let i = 0; i < a.length; i++) if (a[i] === asn) return true;
  }
  return false;
}

/**
 * The neighbouring AS for RFC 4271 §9.1.2.2 (c): the first AS of the leading AS_SEQUENCE (after any
 * confederation segments, RFC 5065 §5.3); 0 when the path is empty or starts with an AS_SET (locally
 * originated / aggregated routes are compared among themselves).
 */
export function neighbourAs(path: readonly AsPathSegment[] | undefined): number {
  if (!path) return 0;
  for (const s of path) {
    if (s.type === AsPathSegmentType.ConfedSequence || s.type === AsPathSegmentType.ConfedSet) continue;
    return s.type === AsPathSegmentType.AsSequence && s.asns.length > 0 ? s.asns[0] : 0;
  }
  return 0;
}
