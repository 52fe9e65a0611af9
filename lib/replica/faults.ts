/**
 * The fault-injection table (TEST ONLY, DESIGN principle 4: tolerance is tested, not assumed). Per replica,
 * off by default, set in the config file (`replication.knobs[i].fault`) or in ReplicaKnobs. Each fault is
 * a deliberate bug modelled on a real incident, and fires INSIDE the replica (workers/decision.ts) while
 * it parses or decides — a crash is an uncaught exception in the worker's task, a hang a synchronous loop
 * that only terminating the thread ends:
 *
 * | fault                    | incident it models                                                          |
 * |--------------------------|-----------------------------------------------------------------------------|
 * | `crashAsPathLongerThan`  | routers crashing on very long AS_PATHs (and again after every restart)      |
 * | `crashOnAttributeType`   | parsers crashing on an unexpected/unknown attribute type code              |
 * | `wrongBestInRange`       | a decision bug for some prefixes: a non-best path reported as best         |
 * |   `wrongBestPrefers`     |   'longest-as-path' (prefers the longest AS_PATH) or 'other' (any non-best) |
 * | `hangOnPrefix` (+hangMs) | an infinite loop on one prefix                                              |
 * | `leakBytesPerUpdate`     | a memory leak: bytes retained on the JS heap per applied UPDATE            |
 * | `flipNextHopBit`         | memory corruption: one bit of the next hop flipped (best and exports)       |
 * | `crashAfterRounds`       | a crash after R rounds of an instance (restart tests)                      |
 * | `crashAtRound`, `hangAtRound` | crash / hang in one absolute round number (voter specs)               |
 *
 * `onlyImpl`: the bug lives in that decision implementation only — a replica restarted with rotated
 * diversity (the other impl) no longer has it. Without it the bug is in shared code (the parser): a restart
 * does not help, only quarantining the input does.
 */
import { parsePrefix, prefixContains, type PrefixKey } from '../wire/prefix.js';
import type { PathAttributes, UpdateMessage } from '../wire/types.js';
import { ReplicaConfigError } from './errors.js';
import { IMPL_NAMES, type ImplName } from './impl-names.js';

export interface ReplicaFaultKnob {
  /** Crash (throw while parsing) on an UPDATE whose AS_PATH is longer than this many ASes (AS_SET counts 1). */
  readonly crashAsPathLongerThan?: number;
  /** Crash while parsing an UPDATE carrying a path attribute of this type code. */
  readonly crashOnAttributeType?: number;
  /** For prefixes inside this block with ≥ 2 candidates, report a non-best candidate as best. */
  readonly wrongBestInRange?: string;
  /** Which non-best candidate (default 'other': the first candidate that is not the best). */
  readonly wrongBestPrefers?: 'longest-as-path' | 'other';
  /** Hang (synchronous busy loop for hangMs, default 10 min) on an UPDATE announcing or withdrawing this prefix. */
  readonly hangOnPrefix?: string;
  /** Retain this many bytes on the replica's JS heap per applied UPDATE. */
  readonly leakBytesPerUpdate?: number;
  /** Flip bit `bit` (0 = lowest of the last octet) of the next hop of the reported best and of the exports, for prefixes inside `range` (default: all). */
  readonly flipNextHopBit?: { readonly range?: string; readonly bit?: number };
  /** Crash in the R-th round this replica instance runs (counted from its start; restarts count again). */
  readonly crashAfterRounds?: number;
  /** Throw (crash the task) in this round number. */
  readonly crashAtRound?: number;
  /** Sleep (asynchronously) hangMs in round `hangAtRound`. */
  readonly hangAtRound?: number;
  readonly hangMs?: number;
  /** The bug is only in this implementation (a restart with another impl does not have it). */
  readonly onlyImpl?: ImplName;
}

/** A fault fired inside the replica (crosses threads as its message; the name is for logs). */
export class InjectedFault extends Error {
  constructor(message: string) {
    super(`fault injection: ${message}`);
    this.name = 'InjectedFault';
  }
}

export function validateFault(f: ReplicaFaultKnob, path: string): void {
  const prefix = (v: string | undefined, key: string): void => {
    if (v === undefined) return;
    try {
      parsePrefix(v);
    } catch (e) {
      throw new ReplicaConfigError(`${path}.${key}: ${(e as Error).message}`, `${path}.${key}`);
    }
  };
  prefix(f.wrongBestInRange, 'wrongBestInRange');
  prefix(f.hangOnPrefix, 'hangOnPrefix');
  prefix(f.flipNextHopBit?.range, 'flipNextHopBit.range');
  for (const k of ['crashAsPathLongerThan', 'crashOnAttributeType', 'leakBytesPerUpdate', 'crashAfterRounds', 'hangMs'] as const) {
    const v = f[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new ReplicaConfigError(`${path}.${k}: must be an integer ≥ 0`, `${path}.${k}`);
  }
  if (f.crashOnAttributeType !== undefined && f.crashOnAttributeType > 255) throw new ReplicaConfigError(`${path}.crashOnAttributeType: a type code 0..255`, `${path}.crashOnAttributeType`);
  if (f.onlyImpl !== undefined && !IMPL_NAMES.includes(f.onlyImpl)) throw new ReplicaConfigError(`${path}.onlyImpl: unknown implementation ${JSON.stringify(f.onlyImpl)}`, `${path}.onlyImpl`);
}

/** AS_PATH length for the decision (RFC 4271 §9.1.2.2 a: an AS_SET counts 1). */
export function asPathLength(a: PathAttributes | null): number {
  const segs = a?.asPathEffective ?? a?.asPath;
  if (!segs) return 0;
  let n = 0;
  for (const s of segs) n += s.type === 1 || s.type === 4 ? 1 : s.asns.length;
  return n;
}

/** Path attribute type codes of an UPDATE body (after the 19-octet header), read from the raw bytes. */
export function attributeTypes(body: Uint8Array): number[] {
  const out: number[] = [];
  if (body.length < 4) return out;
  const wl = (body[0] << 8) | body[1];
  let at = 2 + wl;
  if (at + 2 > body.length) return out;
  const tl = (body[at] << 8) | body[at + 1];
  at += 2;
  const end = Math.min(body.length, at + tl);
  while (at + 3 <= end) {
    const flags = body[at];
    const type = body[at + 1];
    const ext = (flags & 0x10) !== 0;
    if (ext && at + 4 > end) break;
    const len = ext ? (body[at + 2] << 8) | body[at + 3] : body[at + 2];
    out.push(type);
    at += (ext ? 4 : 3) + len;
  }
  return out;
}

/** Every prefix an UPDATE announces or withdraws (both families). */
export function prefixesOf(u: UpdateMessage): PrefixKey[] {
  return [...u.withdrawn, ...u.nlri, ...(u.mpReach?.nlri ?? []), ...(u.mpUnreach?.withdrawn ?? [])];
}

/** The replica-side view of a fault knob: compiled once at init; every hook is a no-op when off. */
export class FaultInjector {
  readonly active: boolean;
  private readonly wrongRange: PrefixKey | null;
  private readonly hangPrefix: PrefixKey | null;
  private readonly flipRange: PrefixKey | null;
  private readonly leaked: number[][] = [];
  private readonly flipped = new WeakMap<PathAttributes, PathAttributes>();
  private rounds = 0;

  constructor(private readonly f: ReplicaFaultKnob | undefined, impl: ImplName) {
    this.active = f !== undefined && (f.onlyImpl === undefined || f.onlyImpl === impl);
    this.wrongRange = this.active && f!.wrongBestInRange !== undefined ? parsePrefix(f!.wrongBestInRange) : null;
    this.hangPrefix = this.active && f!.hangOnPrefix !== undefined ? parsePrefix(f!.hangOnPrefix) : null;
    this.flipRange = this.active && f!.flipNextHopBit !== undefined ? parsePrefix(f!.flipNextHopBit.range ?? '0.0.0.0/0') : null;
  }

  /** Start of a round task (absolute round number; -1 for re-sync rounds). */
  async onRound(round: number, sleep: (ms: number) => Promise<void>): Promise<void> {
    if (!this.active) return;
    const f = this.f!;
    this.rounds++;
    if (f.crashAtRound === round) throw new InjectedFault(`crash in round ${round}`);
    if (f.crashAfterRounds !== undefined && this.rounds >= f.crashAfterRounds) throw new InjectedFault(`crash after ${this.rounds} rounds`);
    if (f.hangAtRound === round) await sleep(f.hangMs ?? 60_000);
  }

  /** Before decoding an UPDATE body (raw bytes, header excluded). */
  onRaw(body: Uint8Array): void {
    const t = this.active ? this.f!.crashOnAttributeType : undefined;
    if (t !== undefined && attributeTypes(body).includes(t)) throw new InjectedFault(`crash on path attribute type ${t}`);
  }

  /** After decoding an UPDATE (still parsing: before it is applied). */
  onParsed(u: UpdateMessage): void {
    if (!this.active) return;
    const f = this.f!;
    if (f.crashAsPathLongerThan !== undefined) {
      const n = asPathLength(u.attributes);
      if (n > f.crashAsPathLongerThan) throw new InjectedFault(`crash on an AS_PATH of ${n} ASes (> ${f.crashAsPathLongerThan})`);
    }
    if (this.hangPrefix !== null) {
      const hp = this.hangPrefix;
      if (prefixesOf(u).some((p) => p === hp)) {
        // Synchronous on purpose: only terminating the thread ends it (an infinite loop in the decision code).
        const until = Date.now() + (f.hangMs ?? 600_000);
        while (Date.now() < until) { /* hang */ }
      }
    }
  }

  /** After an UPDATE was applied. */
  onApplied(n: number): void {
    const bytes = this.active ? this.f!.leakBytesPerUpdate : undefined;
    if (bytes) this.leaked.push(new Array<number>(Math.max(1, bytes >> 3)).fill(n + 0.5)); // doubles: 8 octets each, on the JS heap
  }

  /** The wrong-best fault: which candidate to report instead of `best` (null = keep best). */
  wrongBest<R extends { peerId: number; pathId: number; attributes: PathAttributes }>(prefix: PrefixKey, best: R, candidates: () => R[]): R | null {
    if (this.wrongRange === null || !prefixContains(this.wrongRange, prefix)) return null;
    const others = candidates().filter((c) => c.peerId !== best.peerId || c.pathId !== best.pathId);
    if (others.length === 0) return null;
    if (this.f!.wrongBestPrefers === 'longest-as-path') return others.reduce((a, b) => (asPathLength(b.attributes) > asPathLength(a.attributes) ? b : a));
    return others[0];
  }

  /**
   * The bit-flip fault on what the replica exports: the same corrupted next hop in the exported attribute
   * set (one corrupted copy per original set, so interning and digest caching still apply).
   */
  exportAttrs(prefix: PrefixKey, a: PathAttributes): PathAttributes {
    if (this.flipRange === null || a.nextHop === undefined || !prefixContains(this.flipRange, prefix)) return a;
    let c = this.flipped.get(a);
    if (c === undefined) this.flipped.set(a, (c = { ...a, nextHop: flipBit(a.nextHop, this.f!.flipNextHopBit!.bit ?? 0) }));
    return c;
  }

  /** The bit-flip fault: the next hop to report (unchanged when off or outside the range). */
  nextHop(prefix: PrefixKey, nh: string): string {
    if (this.flipRange === null || !prefixContains(this.flipRange, prefix)) return nh;
    return flipBit(nh, this.f!.flipNextHopBit!.bit ?? 0);
  }
}

/** Flip one bit of an address's text form (IPv4 dotted quad or IPv6), counted from the last octet's lowest bit. */
export function flipBit(address: string, bit: number): string {
  if (!address.includes(':')) {
    const o = address.split('.').map(Number);
    const i = 3 - Math.floor(bit / 8);
    o[i] ^= 1 << (bit % 8);
    return o.join('.');
  }
  const groups = expand6(address);
  const i = 7 - Math.floor(bit / 16);
  groups[i] ^= 1 << (bit % 16);
  return groups.map((g) => g.toString(16)).join(':');
}

function expand6(a: string): number[] {
  const [head, tail] = a.split('::');
  const h = head ? head.split(':').map((x) => parseInt(x, 16)) : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':').map((x) => parseInt(x, 16)) : [];
  const fill = tail !== undefined ? new Array<number>(8 - h.length - t.length).fill(0) : [];
  return [...h, ...fill, ...t];
}
