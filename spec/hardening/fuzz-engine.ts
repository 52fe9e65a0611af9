/**
 * A fuzzing campaign against the RUNNING speaker (not only the decoder), shared by the fast CI spec
 * (spec/hardening/fuzz.spec.ts) and the long run (bench/fuzz/campaign.ts).
 *
 * A fuzzer peer F (./peer.ts, raw sockets + lib/wire, not lib/session) sends mutated REAL UPDATEs — from
 * the packet-capture corpus (../shared/data/corpus/bgp-messages-from-pcaps.jsonl) and from MRT BGP4MP
 * update files read with lib/mrt — over a real session, in 4-octet-AS sessions and (1 in 5) in 2-octet-AS
 * ones, reconnecting after every reset. Every mutant is classified first by lib/wire, exactly as a correct
 * speaker would: a header error or a thrown decode error is a session reset with a known NOTIFICATION;
 * otherwise the RFC 7606 treatment (none, attribute-discard, treat-as-withdraw). The campaign then checks
 * the daemon against that oracle:
 *
 *   - a predicted reset must come with exactly the predicted NOTIFICATION, and nothing else may reset the
 *     session (an "unexpected reset" is a finding, with the messages in flight);
 *   - a witness peer W stays Established, and every UPDATE it receives decodes cleanly; every route it gets
 *     is a prefix F announced in an UPDATE that decodes cleanly (treatment none or attribute-discard), with
 *     the AS path of one of those UPDATEs (btrd's AS prepended) — no route from a malformed UPDATE leaks;
 *   - after each session of F ends, W ends up with none of F's routes (nothing stale);
 *   - the caller watches for uncaught exceptions and unhandled rejections in the process, and for errors
 *     btrd itself logs (its guards catching a throw while handling a peer event).
 *
 * Between sessions the fuzzer's peer is re-armed by the caller (`rearm`), see fuzz.spec.ts for why.
 */
import { readMrt } from '../../lib/mrt/reader.js';
import { checkHeader } from '../../lib/wire/framing.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { BgpProtocolError } from '../../lib/wire/errors.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import type { AsPathSegment, PathAttributes, UpdateMessage } from '../../lib/wire/types.js';
import { readCorpusMessages, dataPath } from '../helpers/corpus.js';
import { connectPeer, type TestPeer } from './peer.js';

// ── seeds ─────────────────────────────────────────────────────────────────────────────────────────────

export interface Seed {
  /** Whole message (header included). */
  readonly msg: Uint8Array;
  /** The AS width of the session it came from. */
  readonly as4: boolean;
  readonly src: string;
}

const MRT_UPDATE_FILES = [
  'mrt/updates/ris.rrc06.updates.1401488100.gz',
  'mrt/updates/ris.rrc06.updates.1427846400.gz',
  'mrt/updates/routeviews.route-views.jinx.updates.1401493500.gz',
  'mrt/updates/routeviews.route-views.jinx.updates.1427846400.gz',
  'mrt/updates/rrc15.updates.20100227.1600.gz',
  'mrt/edge/rrc00.updates.20000325.0345.gz',
  'mrt/edge/updates.long_withdrawal.gz',
];

function cleanIn(body: Uint8Array, fourOctetAs: boolean): boolean {
  try {
    return decodeUpdate(body, { fourOctetAs, ebgp: true }, null).treatment === 'none';
  } catch {
    return false;
  }
}

/** Real UPDATEs: every one of the capture corpus, and up to `perFile` of each MRT update file. */
export async function loadSeeds(perFile = 1500): Promise<Seed[]> {
  const seeds: Seed[] = [];
  for (const m of readCorpusMessages()) {
    if (m.type !== 2 || !m.marker_ok || m.len !== m.hdr_len || m.len > 4096) continue;
    const msg = new Uint8Array(Buffer.from(m.hex, 'hex'));
    const body = msg.subarray(19);
    // The capture does not say which AS width the session used: take the one it decodes cleanly with.
    const as4 = cleanIn(body, true) || !cleanIn(body, false);
    seeds.push({ msg, as4, src: `${m.src}#${m.frame}` });
  }
  for (const f of MRT_UPDATE_FILES) {
    let n = 0;
    for await (const r of readMrt(dataPath(f))) {
      if (r.kind !== 'bgp4mp-message' || r.addPath || r.message[18] !== 2 || r.message.length > 4096) continue;
      // A plain Uint8Array copy: the reader's views may be Buffers, whose slice() is a view, not a copy.
      seeds.push({ msg: new Uint8Array(r.message), as4: r.as4, src: `${f.split('/').pop()}@${r.timestamp}` });
      if (++n >= perFile) break;
    }
  }
  return seeds;
}

// ── randomness (seeded: a campaign is reproducible from its seed) ─────────────────────────────────────

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ── mutation ──────────────────────────────────────────────────────────────────────────────────────────

interface RawAttr {
  flags: number;
  type: number;
  value: Uint8Array;
}
interface Parsed {
  withdrawn: Uint8Array;
  attrs: RawAttr[];
  nlri: Uint8Array;
}

/** Our own (independent) split of an UPDATE body; null when its framing does not hold. */
function parse(body: Uint8Array): Parsed | null {
  if (body.length < 4) return null;
  const wl = (body[0] << 8) | body[1];
  if (2 + wl + 2 > body.length) return null;
  const al = (body[2 + wl] << 8) | body[3 + wl];
  const aStart = 4 + wl;
  if (aStart + al > body.length) return null;
  const attrs: RawAttr[] = [];
  let p = aStart;
  while (p < aStart + al) {
    if (p + 3 > aStart + al) return null;
    const flags = body[p];
    const type = body[p + 1];
    const ext = (flags & 0x10) !== 0;
    if (ext && p + 4 > aStart + al) return null;
    const len = ext ? (body[p + 2] << 8) | body[p + 3] : body[p + 2];
    const vs = p + (ext ? 4 : 3);
    if (vs + len > aStart + al) return null;
    attrs.push({ flags, type, value: body.slice(vs, vs + len) });
    p = vs + len;
  }
  return { withdrawn: body.slice(2, 2 + wl), attrs, nlri: body.slice(aStart + al) };
}

function serializeAttr(a: RawAttr): number[] {
  const v = [...a.value];
  if (a.flags & 0x10) return [a.flags, a.type, (v.length >> 8) & 255, v.length & 255, ...v];
  return [a.flags, a.type, v.length & 255, ...v.slice(0, 255)];
}

function serialize(p: Parsed): Uint8Array {
  const a = p.attrs.flatMap(serializeAttr).slice(0, 65535);
  const w = [...p.withdrawn].slice(0, 65535);
  return Uint8Array.from([w.length >> 8, w.length & 255, ...w, a.length >> 8, a.length & 255, ...a, ...p.nlri]);
}

function frame(body: Uint8Array, type = 2): Uint8Array {
  const m = new Uint8Array(19 + body.length);
  m.fill(0xff, 0, 16);
  m[16] = (m.length >> 8) & 255;
  m[17] = m.length & 255;
  m[18] = type;
  m.set(body, 19);
  return m;
}

const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 15, 16, 24, 31, 32, 33, 64, 127, 128, 129, 200, 254, 255];
const TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 20, 22, 25, 26, 29, 32, 33, 35, 40, 99, 128, 255];

function randomAsPath(rng: Rng, as4: boolean): Uint8Array {
  const segs: number[] = [];
  const nseg = 1 + rng.int(rng.chance(0.1) ? 40 : 3);
  for (let s = 0; s < nseg; s++) {
    const type = rng.chance(0.8) ? 2 : rng.pick([1, 3, 4, 0, 5]);
    const n = rng.chance(0.1) ? 255 : rng.chance(0.05) ? 0 : 1 + rng.int(8);
    const declared = rng.chance(0.05) ? rng.int(256) : n;
    segs.push(type, declared);
    for (let i = 0; i < n; i++) {
      const asn = rng.chance(0.5) ? 64512 + rng.int(1000) : rng.int(as4 ? 0xffffffff : 0xffff);
      if (as4) segs.push((asn >>> 24) & 255, (asn >>> 16) & 255, (asn >>> 8) & 255, asn & 255);
      else segs.push((asn >>> 8) & 255, asn & 255);
    }
  }
  return Uint8Array.from(segs);
}

export interface Mutant {
  readonly msg: Uint8Array;
  readonly mutators: string[];
  readonly seed: string;
}

type Mutator = (rng: Rng, body: Uint8Array, seeds: readonly Seed[], as4: boolean) => { body: Uint8Array; type?: number; header?: 'marker' | 'length' } | null;

const structural = (f: (rng: Rng, p: Parsed, seeds: readonly Seed[], as4: boolean) => boolean): Mutator => (rng, body, seeds, as4) => {
  const p = parse(body);
  if (!p || !f(rng, p, seeds, as4)) return null;
  return { body: serialize(p) };
};

const MUTATORS: [string, number, Mutator][] = [
  ['clean', 3, (_r, body) => ({ body })],
  ['bitflip', 3, (rng, body) => {
    const b = body.slice();
    for (let i = 1 + rng.int(3); i > 0 && b.length > 0; i--) b[rng.int(b.length)] ^= 1 << rng.int(8);
    return { body: b };
  }],
  ['byte', 2, (rng, body) => {
    const b = body.slice();
    if (b.length > 0) b[rng.int(b.length)] = rng.pick(INTERESTING);
    return { body: b };
  }],
  ['attr-flags', 2, structural((rng, p) => {
    if (p.attrs.length === 0) return false;
    rng.pick(p.attrs).flags ^= rng.pick([0x80, 0x40, 0x20, 0x10, 0x08]);
    return true;
  })],
  ['attr-type', 2, structural((rng, p) => {
    if (p.attrs.length === 0) return false;
    rng.pick(p.attrs).type = rng.pick(TYPES);
    return true;
  })],
  ['attr-length-byte', 2, (rng, body) => {
    // Raw: change one attribute's length field without moving anything (framing inside the section breaks).
    const p = parse(body);
    if (!p || p.attrs.length === 0) return null;
    const b = body.slice();
    const wl = (b[0] << 8) | b[1];
    let at = 4 + wl;
    const k = rng.int(p.attrs.length);
    for (let i = 0; i < k; i++) at += (p.attrs[i].flags & 0x10 ? 4 : 3) + p.attrs[i].value.length;
    const lenAt = at + (p.attrs[k].flags & 0x10 ? 3 : 2);
    b[lenAt] = rng.chance(0.5) ? (b[lenAt] + (rng.chance(0.5) ? 1 : 255)) & 255 : rng.pick(INTERESTING);
    return { body: b };
  }],
  ['attr-value-cut', 2, structural((rng, p) => {
    const a = p.attrs.filter((x) => x.value.length > 0);
    if (a.length === 0) return false;
    const x = rng.pick(a);
    x.value = x.value.slice(0, rng.int(x.value.length));
    return true;
  })],
  ['attr-value-grow', 1, structural((rng, p) => {
    if (p.attrs.length === 0) return false;
    const x = rng.pick(p.attrs);
    x.value = Uint8Array.from([...x.value, ...Array.from({ length: 1 + rng.int(rng.chance(0.2) ? 300 : 6) }, () => rng.int(256))]);
    if (x.value.length > 255) x.flags |= 0x10;
    return true;
  })],
  ['attr-duplicate', 1, structural((rng, p) => {
    if (p.attrs.length === 0) return false;
    const x = rng.pick(p.attrs);
    p.attrs.splice(rng.int(p.attrs.length + 1), 0, { ...x, value: x.value.slice() });
    return true;
  })],
  ['attr-delete', 1, structural((rng, p) => {
    if (p.attrs.length === 0) return false;
    p.attrs.splice(rng.int(p.attrs.length), 1);
    return true;
  })],
  ['attr-shuffle', 1, structural((rng, p) => {
    for (let i = p.attrs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [p.attrs[i], p.attrs[j]] = [p.attrs[j], p.attrs[i]];
    }
    return p.attrs.length > 1;
  })],
  ['attr-splice', 2, structural((rng, p, seeds) => {
    const other = parse(rng.pick(seeds).msg.subarray(19));
    if (!other || other.attrs.length === 0) return false;
    p.attrs.splice(rng.int(p.attrs.length + 1), 0, rng.pick(other.attrs));
    return true;
  })],
  ['as-path', 2, structural((rng, p, _s, as4) => {
    const v = randomAsPath(rng, rng.chance(0.9) ? as4 : !as4);
    const i = p.attrs.findIndex((a) => a.type === 2);
    const x: RawAttr = { flags: v.length > 255 ? 0x50 : 0x40, type: 2, value: v };
    if (i >= 0) p.attrs[i] = x;
    else p.attrs.push(x);
    return true;
  })],
  ['as4-attrs', 1, structural((rng, p, _s) => {
    // AS4_PATH / AS4_AGGREGATOR / AGGREGATOR of random shape (RFC 6793 §6 handling).
    const t = rng.pick([17, 18, 7]);
    const v = t === 17 ? randomAsPath(rng, true) : Uint8Array.from(Array.from({ length: rng.pick([6, 8, 5, 0, 9]) }, () => rng.int(256)));
    p.attrs.push({ flags: rng.chance(0.8) ? 0xc0 : rng.pick([0x40, 0x80, 0xe0]) | (v.length > 255 ? 0x10 : 0), type: t, value: v });
    return true;
  })],
  ['mp-reach', 2, structural((rng, p) => {
    const nhLen = rng.pick([16, 32, 4, 0, 5, 24, 255]);
    const afi = rng.chance(0.8) ? 2 : rng.pick([1, 3, 25]);
    const safi = rng.chance(0.8) ? 1 : rng.pick([2, 4, 128, 133]);
    const nlri: number[] = [];
    for (let i = rng.int(4); i >= 0; i--) {
      const len = rng.chance(0.9) ? rng.pick([32, 48, 64, 128]) : rng.pick([129, 200, 255]);
      nlri.push(len, 0x20, 0x01, 0x0d, 0xb8, ...Array.from({ length: Math.max(0, Math.ceil(Math.min(len, 128) / 8) - 4) }, () => rng.int(256)));
    }
    if (rng.chance(0.1)) nlri.pop();
    const nh = [0x20, 0x01, 0x0d, 0xb8, ...Array.from({ length: Math.max(0, nhLen - 4) }, () => rng.int(256))].slice(0, nhLen);
    const v = [afi >> 8, afi & 255, safi, nhLen, ...nh, 0, ...nlri];
    p.attrs.splice(rng.int(p.attrs.length + 1), 0, { flags: rng.chance(0.9) ? 0x80 : rng.pick([0x40, 0xc0]) | (v.length > 255 ? 0x10 : 0), type: rng.chance(0.8) ? 14 : 15, value: Uint8Array.from(v) });
    if (v.length > 255) p.attrs.forEach((a) => a.type === 14 && (a.flags |= 0x10));
    return true;
  })],
  ['nlri-length', 1, structural((rng, p) => {
    if (p.nlri.length === 0 && p.withdrawn.length === 0) return false;
    const which = p.nlri.length > 0 && (p.withdrawn.length === 0 || rng.chance(0.7)) ? 'nlri' : 'withdrawn';
    const b = p[which].slice();
    b[0] = rng.pick([0, 1, 8, 24, 25, 32, 33, 64, 255]);
    p[which] = b;
    return true;
  })],
  ['nlri-garbage', 1, structural((rng, p) => {
    p.nlri = Uint8Array.from([...p.nlri, ...Array.from({ length: 1 + rng.int(5) }, () => rng.int(256))]);
    return true;
  })],
  ['nlri-splice', 1, structural((rng, p, seeds) => {
    const other = parse(rng.pick(seeds).msg.subarray(19));
    if (!other) return false;
    p.nlri = other.nlri;
    if (rng.chance(0.3)) p.withdrawn = other.withdrawn;
    return true;
  })],
  ['header', 0.3, (rng, body) => (rng.chance(0.4) ? { body, header: 'marker' } : rng.chance(0.5) ? { body, header: 'length' } : { body, type: rng.pick([0, 6, 7, 200, 255]) })],
  ['oversize', 0.3, structural((rng, p) => {
    p.attrs.push({ flags: 0xd0, type: 99, value: new Uint8Array(4100 + rng.int(500)) });
    return true;
  })],
];
const TOTAL_WEIGHT = MUTATORS.reduce((n, m) => n + m[1], 0);

function pickMutator(rng: Rng): [string, Mutator] {
  let x = rng.next() * TOTAL_WEIGHT;
  for (const [name, w, f] of MUTATORS) {
    if ((x -= w) < 0) return [name, f];
  }
  return [MUTATORS[0][0], MUTATORS[0][2]];
}

export function mutate(rng: Rng, seed: Seed, seeds: readonly Seed[], as4: boolean): Mutant {
  // Mutators copy with slice(): work on a plain Uint8Array so that a seed is never changed in place.
  let body: Uint8Array = new Uint8Array(seed.msg.subarray(19));
  let type = 2;
  let header: 'marker' | 'length' | undefined;
  const names: string[] = [];
  for (let round = 0; round < (rng.chance(0.25) ? 2 : 1); round++) {
    for (let tries = 0; tries < 5; tries++) {
      const [name, f] = pickMutator(rng);
      if (round > 0 && name === 'clean') continue;
      const r = f(rng, body, seeds, as4);
      if (!r) continue;
      body = r.body;
      if (r.type !== undefined) type = r.type;
      if (r.header) header = r.header;
      names.push(name);
      break;
    }
  }
  const msg = frame(body.slice(0, 65535 - 19), type);
  if (header === 'marker') msg[rng.int(16)] ^= 1 << rng.int(8);
  if (header === 'length') {
    const l = rng.pick([0, 18, 4097, 65535]);
    msg[16] = l >> 8;
    msg[17] = l & 255;
  }
  return { msg, mutators: names, seed: seed.src };
}

// ── the oracle: what a correct speaker does with a message ─────────────────────────────────────────────

export type Prediction =
  | { readonly kind: 'reset'; readonly code: number; readonly subcode: number; readonly header: boolean }
  | { readonly kind: 'update'; readonly update: UpdateMessage };

export function predict(msg: Uint8Array, fourOctetAs: boolean, maxLength = 4096): Prediction {
  try {
    checkHeader(msg, 0, maxLength);
  } catch (e) {
    const n = (e as BgpProtocolError).notification;
    return { kind: 'reset', code: n.code, subcode: n.subcode, header: true };
  }
  try {
    return { kind: 'update', update: decodeUpdate(msg.subarray(19), { fourOctetAs, ebgp: true }, null) };
  } catch (e) {
    if (!(e instanceof BgpProtocolError)) throw e;
    return { kind: 'reset', code: e.notification.code, subcode: e.notification.subcode, header: false };
  }
}

/** The AS path a route gets towards an eBGP peer: confederation segments removed, our AS prepended. */
export function exportedPath(a: PathAttributes, asn: number): string {
  const segs: readonly AsPathSegment[] = a.asPathEffective ?? a.asPath ?? [];
  return [asn, ...segs.filter((s) => s.type === 1 || s.type === 2).flatMap((s) => s.asns)].join(' ');
}
const pathOf = (a: PathAttributes): string => (a.asPath ?? []).flatMap((s) => s.asns).join(' ');

// ── the campaign ──────────────────────────────────────────────────────────────────────────────────────

export interface FuzzTarget {
  readonly host: string;
  readonly port: number;
  readonly asn: number;
  readonly fuzzer: { readonly addr: string; readonly asn: number };
  readonly witness: TestPeer;
  /** Make the fuzzer's peer connectable again right away after its session ended. */
  rearm(): Promise<void>;
  /** Neighbor state of the witness in the daemon (sampled). */
  witnessState(): string | undefined;
}

export interface Finding {
  readonly kind: 'unexpected-reset' | 'wrong-notification' | 'no-reset' | 'witness-leak' | 'witness-decode' | 'stale-route' | 'witness-down' | 'connect-failed';
  readonly detail: string;
  /** Hex of the messages involved (the last ones sent on the session). */
  readonly messages?: { hex: string; mutators: string[]; seed: string; predicted: string }[];
}

export interface FuzzReport {
  seed: number;
  seconds: number;
  seeds: number;
  messagesSent: number;
  sessions: number;
  /** Sessions of 4-octet and 2-octet AS. */
  sessionsAs4: number;
  resets: number;
  resetsAsPredicted: number;
  /** Mutants predicted to reset that were not sent (see keepResets). */
  resetMutantsSkipped: number;
  predicted: { none: number; attributeDiscard: number; treatAsWithdraw: number; afiSafiDisable: number; reset: number; headerReset: number };
  notifications: Record<string, number>;
  mutators: Record<string, number>;
  /** maxGapMs: the largest gap between any two messages W received (keepalives every hold/3). */
  witness: { updates: number; announcements: number; withdrawals: number; maxGapMs: number };
  cleanPrefixesAnnounced: number;
  findings: Finding[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runFuzz(target: FuzzTarget, seeds: readonly Seed[], opts: { seconds: number; seed: number; keepResets?: number; log?: (s: string) => void }): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const keepResets = opts.keepResets ?? 0.15;
  const w = target.witness;
  const deadline = Date.now() + opts.seconds * 1000;
  const seeds4 = seeds.filter((s) => s.as4);
  const seeds2 = seeds.filter((s) => !s.as4);
  const report: FuzzReport = {
    seed: opts.seed,
    seconds: opts.seconds,
    seeds: seeds.length,
    messagesSent: 0,
    sessions: 0,
    sessionsAs4: 0,
    resets: 0,
    resetsAsPredicted: 0,
    resetMutantsSkipped: 0,
    predicted: { none: 0, attributeDiscard: 0, treatAsWithdraw: 0, afiSafiDisable: 0, reset: 0, headerReset: 0 },
    notifications: {},
    mutators: {},
    witness: { updates: 0, announcements: 0, withdrawals: 0, maxGapMs: 0 },
    cleanPrefixesAnnounced: 0,
    findings: [],
  };
  /** Prefix → the AS paths (as exported to W) of the clean UPDATEs that announced it. */
  const cleanPaths = new Map<string, Set<string>>();
  let wSeen = 0;
  /** W's current routes, maintained incrementally from its messages. */
  const wLive = new Set<string>();
  const finding = (f: Finding): void => {
    report.findings.push(f);
    opts.log?.(`FINDING ${f.kind}: ${f.detail}`);
  };
  /** Check every W message received since the last call. */
  const checkWitness = (): void => {
    for (; wSeen < w.messages.length; wSeen++) {
      const m = w.messages[wSeen];
      if (m.type !== 'update') continue;
      report.witness.updates++;
      const u = m.update;
      report.witness.withdrawals += u.withdrawn.length + (u.mpUnreach?.withdrawn.length ?? 0);
      const announced = [...u.nlri, ...(u.mpReach?.nlri ?? [])].map(formatPrefix);
      for (const k of [...u.withdrawn, ...(u.mpUnreach?.withdrawn ?? [])]) wLive.delete(formatPrefix(k));
      for (const p of announced) wLive.add(p);
      report.witness.announcements += announced.length;
      for (const p of announced) {
        const paths = cleanPaths.get(p);
        const path = u.attributes ? pathOf(u.attributes) : '';
        if (!paths) finding({ kind: 'witness-leak', detail: `W received ${p} (path ${path}), which F never announced in a cleanly decoding UPDATE` });
        else if (!paths.has(path)) finding({ kind: 'witness-leak', detail: `W received ${p} with path "${path}", not the path of any clean UPDATE of F for it (${[...paths].slice(0, 3).join(' | ')})` });
      }
    }
    if (w.decodeErrors.length > 0) finding({ kind: 'witness-decode', detail: w.decodeErrors.splice(0).map((e) => e.error).join('; ') });
    // Drop what has been checked, so that a long campaign's memory is btrd's, not the witness's record.
    w.messages.splice(0, wSeen);
    wSeen = 0;
    const fr = w.frames;
    for (let i = 1; i < fr.length; i++) report.witness.maxGapMs = Math.max(report.witness.maxGapMs, Math.round(fr[i].at - fr[i - 1].at));
    if (fr.length > 1) fr.splice(0, fr.length - 1);
  };
  const liveAtW = (): string[] => {
    checkWitness();
    return [...wLive];
  };

  while (Date.now() < deadline) {
    const as4 = seeds2.length === 0 || rng.chance(0.8);
    const pool = as4 ? seeds4 : seeds2;
    let f: TestPeer;
    try {
      f = await connectPeer({ host: target.host, port: target.port, localAddress: target.fuzzer.addr, asn: target.fuzzer.asn, routerId: '10.77.0.1', ipv6: true, fourOctetAs: as4 }, 5000);
    } catch (e) {
      finding({ kind: 'connect-failed', detail: String(e) });
      await target.rearm();
      continue;
    }
    report.sessions++;
    if (as4) report.sessionsAs4++;
    const recent: { hex: string; mutators: string[]; seed: string; predicted: string }[] = [];
    let expected: Prediction | null = null;
    while (Date.now() < deadline && !f.closed) {
      const mutant = mutate(rng, rng.pick(pool), seeds, as4);
      const pred = predict(mutant.msg, as4);
      // Keep only some of the mutants that end the session, so that sessions last a few dozen messages and
      // state builds up (withdrawals and discards on top of earlier announcements).
      if (pred.kind === 'reset' && !rng.chance(keepResets)) {
        report.resetMutantsSkipped++;
        continue;
      }
      for (const n of mutant.mutators) report.mutators[n] = (report.mutators[n] ?? 0) + 1;
      const label = pred.kind === 'reset' ? `reset ${pred.code}/${pred.subcode}` : pred.update.treatment;
      recent.push({ hex: Buffer.from(mutant.msg).toString('hex'), mutators: mutant.mutators, seed: mutant.seed, predicted: label });
      if (recent.length > 20) recent.shift();
      if (pred.kind === 'reset') {
        report.predicted.reset++;
        if (pred.header) report.predicted.headerReset++;
      } else {
        const t = pred.update.treatment;
        if (t === 'none') report.predicted.none++;
        else if (t === 'attribute-discard') report.predicted.attributeDiscard++;
        else if (t === 'treat-as-withdraw') report.predicted.treatAsWithdraw++;
        else if (t === 'afi-safi-disable') report.predicted.afiSafiDisable++;
        if ((t === 'none' || t === 'attribute-discard') && pred.update.attributes) {
          const path = exportedPath(pred.update.attributes, target.asn);
          for (const k of [...pred.update.nlri, ...(pred.update.mpReach?.safi === 1 ? pred.update.mpReach.nlri : [])]) {
            const p = formatPrefix(k);
            let s = cleanPaths.get(p);
            if (!s) cleanPaths.set(p, (s = new Set()));
            s.add(path);
          }
        }
      }
      if (!(await f.send([mutant.msg]))) break;
      report.messagesSent++;
      if (pred.kind === 'reset') {
        expected = pred;
        break;
      }
      // Let the daemon's turn run now and then (and the witness receive).
      if (report.messagesSent % 16 === 0) await sleep(0);
    }
    if (expected) {
      try {
        await f.waitClosed(3000);
      } catch {
        finding({ kind: 'no-reset', detail: `predicted ${expected.kind === 'reset' ? `${expected.code}/${expected.subcode}` : ''}, but the session stayed up`, messages: recent.slice(-1) });
      }
    } else if (!f.closed) {
      // Out of time: a clean close.
      await f.close();
    }
    if (f.closed && (expected || f.notification)) {
      report.resets++;
      const n = f.notification;
      const got = n ? `${n.code}/${n.subcode}` : 'none';
      report.notifications[got] = (report.notifications[got] ?? 0) + 1;
      if (!expected || expected.kind !== 'reset') {
        finding({ kind: 'unexpected-reset', detail: `btrd closed the session with NOTIFICATION ${got}; every message sent was predicted to keep it up`, messages: recent });
      } else if (!n || n.code !== expected.code || n.subcode !== expected.subcode) {
        finding({ kind: 'wrong-notification', detail: `predicted ${expected.code}/${expected.subcode}, btrd sent ${got}`, messages: recent.slice(-1) });
      } else report.resetsAsPredicted++;
    }
    await f.destroy();
    // Nothing of F may stay at W once its session is gone.
    try {
      await w.until('all of F\'s routes withdrawn at W', () => liveAtW().length === 0, 5000);
    } catch {
      finding({ kind: 'stale-route', detail: `after F's session ended W still has ${liveAtW().length} of its routes (${liveAtW().slice(0, 5).join(', ')})` });
    }
    checkWitness();
    if (w.closed || target.witnessState() !== 'established') finding({ kind: 'witness-down', detail: `W: closed=${w.closed}, state ${target.witnessState()}` });
    if (w.closed) break;
    await target.rearm();
  }
  checkWitness();
  report.cleanPrefixesAnnounced = cleanPaths.size;
  return report;
}

/** Record uncaught exceptions and unhandled rejections of this process (the daemon runs in it). */
export function recordCrashes(): string[] {
  const crashes: string[] = [];
  process.on('uncaughtException', (e) => crashes.push(`uncaughtException: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) => crashes.push(`unhandledRejection: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
  return crashes;
}

/**
 * The fuzz target's configuration: witness W and fuzzer F. `gen` toggles F's connect-retry-time so that a
 * reload re-arms F's session (skipping the idle-hold back-off between fuzz sessions).
 */
export function fuzzConfigYaml(routerId: string, btrd: { addr: string; port: number; asn: number }, w: { addr: string; asn: number }, f: { addr: string; asn: number }, gen: number): string {
  return `
router-id: ${routerId}
asn: ${btrd.asn}
listen: [{ address: ${btrd.addr}, port: ${btrd.port} }]
api: null
peers:
  - { name: w, address: ${w.addr}, remote-as: ${w.asn}, passive: true, hold-time: 9, families: [ipv4-unicast, ipv6-unicast] }
  - { name: fuzz, address: ${f.addr}, remote-as: ${f.asn}, passive: true, families: [ipv4-unicast, ipv6-unicast], connect-retry-time: ${100 + (gen % 2)} }
`;
}
