/**
 * Adj-RIB-Out delta → whole UPDATE messages (RFC 4271 §4.3, RFC 4760 for IPv6).
 *
 * - Withdrawals are batched: IPv4 in the Withdrawn Routes field, IPv6 in MP_UNREACH_NLRI.
 * - Announcements are grouped by attribute set (same object, or same encoding), each group packed into
 *   as few UPDATEs as `maxMessageLength` allows: IPv4 NLRI in the NLRI field with NEXT_HOP, IPv6 NLRI in
 *   MP_REACH_NLRI with the global [+ link-local] next hop (RFC 2545 §3) and no NEXT_HOP attribute.
 * - Attributes are encoded with `encodeUpdate(..., { propagate: true })` for the target's codec context.
 * - Prefixes of families not enabled are dropped. No path identifiers are sent (no ADD-PATH send).
 * Output order is deterministic for a given input: withdrawals first (IPv4, IPv6), then groups in
 * first-seen order; within a message, prefixes in the input order.
 */
import { Afi } from '../wire/iana.js';
import { prefixLength, type PrefixKey } from '../wire/prefix.js';
import { encodeUpdate } from '../wire/update.js';
import type { CodecContext, MpReach, PathAttributes } from '../wire/types.js';
import type { PeerOut } from '../rib/types.js';
import type { ExportAttributes } from './types.js';

export interface PackOptions {
  /** 4096, or up to 65535 after RFC 8654 extended messages. */
  readonly maxMessageLength: number;
  readonly families: { ipv4: boolean; ipv6: boolean };
}

export class PackError extends Error {
  readonly code = 'BTRD_ERR_ATTRIBUTES_TOO_LARGE';
  constructor(message: string) {
    super(message);
    this.name = 'PackError';
  }
}

const HEADER = 19;
/** Withdrawn Routes Length + Total Path Attribute Length. */
const UPDATE_FIXED = 4;
/** An MP_(UN)REACH attribute header with extended length. */
const MP_ATTR_HEADER = 4;

const nlriSize = (k: PrefixKey): number => 1 + ((prefixLength(k) + 7) >> 3);

/** Split `keys` into runs whose NLRI encodings fit in `room` octets each. */
function chunk(keys: readonly PrefixKey[], room: number): PrefixKey[][] {
  const out: PrefixKey[][] = [];
  let cur: PrefixKey[] = [];
  let used = 0;
  for (const k of keys) {
    const s = nlriSize(k);
    if (used + s > room && cur.length > 0) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(k);
    used += s;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

interface Group {
  readonly attrs: ExportAttributes;
  readonly v4: PrefixKey[];
  readonly v6: PrefixKey[];
}

/** The attribute set without the next hop (IPv6 carries it in MP_REACH_NLRI). */
function withoutNextHop(a: ExportAttributes): PathAttributes {
  const c: { -readonly [K in keyof ExportAttributes]: ExportAttributes[K] } = { ...a };
  delete c.nextHop;
  delete c.nextHopLinkLocal;
  return c;
}

export function packUpdates(out: PeerOut, codec: CodecContext, opts: PackOptions): Uint8Array[] {
  const max = opts.maxMessageLength;
  const msgs: Uint8Array[] = [];
  const sendCtx: CodecContext = { fourOctetAs: codec.fourOctetAs, ebgp: codec.ebgp ?? false };

  // Withdrawals — RFC 4271 §4.3 Withdrawn Routes; RFC 4760 §4 MP_UNREACH_NLRI.
  const w4: PrefixKey[] = [];
  const w6: PrefixKey[] = [];
  for (const k of out.withdraw) {
    if (typeof k === 'number') {
      if (opts.families.ipv4) w4.push(k);
    } else if (opts.families.ipv6) w6.push(k);
  }
  for (const c of chunk(w4, max - HEADER - UPDATE_FIXED)) msgs.push(encodeUpdate({ withdrawn: c }, sendCtx));
  for (const c of chunk(w6, max - HEADER - UPDATE_FIXED - MP_ATTR_HEADER - 3)) {
    msgs.push(encodeUpdate({ mpUnreach: { afi: Afi.Ipv6, safi: 1, withdrawn: c } }, sendCtx));
  }

  // Announcements grouped by attribute object, then merged by encoding.
  const byObject = new Map<PathAttributes, Group>();
  for (const [k, a] of out.announce) {
    const v4 = typeof k === 'number';
    if (v4 ? !opts.families.ipv4 : !opts.families.ipv6) continue;
    let g = byObject.get(a);
    if (g === undefined) byObject.set(a, (g = { attrs: a as ExportAttributes, v4: [], v6: [] }));
    (v4 ? g.v4 : g.v6).push(k);
  }
  const byBytes = new Map<string, Group>();
  for (const g of byObject.values()) {
    const a = g.attrs;
    const key = `${a.nextHop ?? ''}|${a.nextHopLinkLocal ?? ''}|${Buffer.from(encodeUpdate({ attributes: withoutNextHop(a) }, sendCtx, { propagate: true })).toString('latin1')}`;
    const same = byBytes.get(key);
    if (same === undefined) byBytes.set(key, g);
    else {
      // Loops, not push(...g.v4): a full table's group exceeds the engine's argument limit.
      for (const k of g.v4) same.v4.push(k);
      for (const k of g.v6) same.v6.push(k);
    }
  }

  for (const g of byBytes.values()) {
    if (g.v4.length > 0) {
      const base = encodeUpdate({ attributes: g.attrs }, sendCtx, { propagate: true }).length;
      const room = max - base;
      if (room < 5) throw new PackError(`attributes alone take ${base} octets of a ${max}-octet UPDATE`);
      for (const c of chunk(g.v4, room)) msgs.push(encodeUpdate({ attributes: g.attrs, nlri: c }, sendCtx, { propagate: true }));
    }
    if (g.v6.length > 0) {
      const attrs = withoutNextHop(g.attrs);
      const nextHop = g.attrs.nextHopLinkLocal ? { global: g.attrs.nextHop ?? '::', linkLocal: g.attrs.nextHopLinkLocal } : { global: g.attrs.nextHop ?? '::' };
      const reach = (nlri: PrefixKey[]): MpReach => ({ afi: Afi.Ipv6, safi: 1, nextHop, nlri, reserved: 0 });
      const base = encodeUpdate({ attributes: attrs, mpReach: reach([]) }, sendCtx, { propagate: true }).length;
      // +1: the MP_REACH_NLRI header may grow to extended length once NLRI are added.
      const room = max - base - 1;
      if (room < 17) throw new PackError(`attributes alone take ${base} octets of a ${max}-octet UPDATE`);
      for (const c of chunk(g.v6, room)) msgs.push(encodeUpdate({ attributes: attrs, mpReach: reach(c) }, sendCtx, { propagate: true }));
    }
  }
  return msgs;
}
