/**
 * MRT backend: TABLE_DUMP_V2 dumps (RFC 6396 §4.3) of the FIB's routes, on demand or periodically, taken
 * from a copy-on-write snapshot so that updates never pause while a dump is written (DESIGN principle 5).
 * Files are written by lib/mrt's `writeTableDumpV2` and read by `bgpdump -m` (spec/fib/mrt.spec.ts).
 *
 * A FIB entry is not a BGP route: unless `attributesOf` supplies the voted route's real attributes (the
 * speaker can, through the entry's `routeId`), each next hop becomes one RIB entry with minimal MRT-form
 * attributes — ORIGIN INCOMPLETE (the FIB does not know it), an empty AS_PATH, and NEXT_HOP (IPv4 next
 * hop) or the abbreviated MP_REACH_NLRI (IPv6 next hop, RFC 6396 §4.3.4) — all from the one local peer.
 */
import { parseIpv4, parseIpv6 } from '../../wire/address.js';
import { writeTableDumpV2, type RibDumpEntry, type RibDumpPeer, type RibDumpRoute, type WriteResult } from '../../mrt/writer.js';
import { Fib, type FibView } from '../cow-fib.js';
import { FibError, type FibChange, type FibEntry } from '../types.js';
import { reconcileFib } from './memory.js';
import type { FibBackend, ReconcileResult } from './types.js';

export interface MrtDumpOptions {
  /** The one peer of the PEER_INDEX_TABLE (default 0.0.0.0, AS 0: "this router"). */
  readonly peer?: RibDumpPeer;
  readonly collectorBgpId?: string;
  readonly viewName?: string;
  /** MRT-form attributes for an entry's next hop `hopIndex`; default: minimal ones (module comment). */
  readonly attributesOf?: (entry: FibEntry, hopIndex: number) => Uint8Array;
  /** gzip (default: when the path ends in .gz). */
  readonly gzip?: boolean;
}

const DEFAULT_PEER: RibDumpPeer = { bgpId: '0.0.0.0', ip: '0.0.0.0', asn: 0 };

/** Minimal MRT-form attributes for one next hop (RFC 4271 §5.1.1–5.1.3; RFC 6396 §4.3.4 for IPv6). */
export function minimalMrtAttributes(nextHop: string): Uint8Array {
  const origin = [0x40, 1, 1, 2]; // ORIGIN, well-known mandatory, INCOMPLETE
  const asPath = [0x40, 2, 0]; // AS_PATH, empty
  if (!nextHop.includes(':')) {
    const a = parseIpv4(nextHop);
    return Uint8Array.from([...origin, ...asPath, 0x40, 3, 4, a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255]);
  }
  // MP_REACH_NLRI abbreviated to (next-hop length, next hop): optional non-transitive.
  return Uint8Array.from([...origin, ...asPath, 0x80, 14, 17, 16, ...parseIpv6(nextHop)]);
}

function* routesOf(view: FibView, originatedTime: number, attributesOf: (e: FibEntry, i: number) => Uint8Array): Generator<RibDumpRoute> {
  for (const e of view.entries()) {
    const entries: RibDumpEntry[] = e.nextHops.map((_, i) => ({ peerIndex: 0, originatedTime, attributes: attributesOf(e, i) }));
    yield { prefix: e.prefix, entries };
  }
}

/** Write one TABLE_DUMP_V2 file of `view` (take a snapshot first when the table is live). */
export async function dumpFibToMrt(view: FibView, path: string, options: MrtDumpOptions = {}, timestamp = Math.floor(Date.now() / 1000)): Promise<WriteResult> {
  const attributesOf = options.attributesOf ?? ((e: FibEntry, i: number) => minimalMrtAttributes(e.nextHops[i]));
  return writeTableDumpV2(path, [options.peer ?? DEFAULT_PEER], routesOf(view, timestamp, attributesOf), {
    timestamp,
    collectorBgpId: options.collectorBgpId ?? options.peer?.bgpId ?? '0.0.0.0',
    viewName: options.viewName ?? 'btrd-fib',
    gzip: options.gzip,
  });
}

export interface MrtBackendOptions extends MrtDumpOptions {
  /** Where dumps go: a fixed path, or a function of the dump number and time. */
  readonly path: string | ((sequence: number, time: Date) => string);
  /** Dump every this many ms (none: only on `dump()`). */
  readonly intervalMs?: number;
  /** Called with the result (or the error) of each periodic dump. */
  readonly onDump?: (result: { path: string; snapshotId: number } & WriteResult | Error) => void;
}

export class MrtFibBackend implements FibBackend {
  readonly kind = 'mrt' as const;
  /** The table being dumped (kept up to date by `apply`). */
  readonly fib = new Fib();
  private sequence = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: MrtBackendOptions) {
    if (options.intervalMs !== undefined) {
      this.timer = setInterval(() => {
        this.dump().then(
          (r) => options.onDump?.(r),
          (e: unknown) => options.onDump?.(e instanceof Error ? e : new Error(String(e))),
        );
      }, options.intervalMs);
      this.timer.unref();
    }
  }

  async apply(batch: readonly FibChange[]): Promise<void> {
    if (this.closed) throw new FibError('MRT FIB backend is closed', 'BTRD_ERR_FIB_BACKEND_CLOSED');
    this.fib.apply(batch);
  }

  async reconcile(full: Iterable<FibEntry>): Promise<ReconcileResult> {
    if (this.closed) throw new FibError('MRT FIB backend is closed', 'BTRD_ERR_FIB_BACKEND_CLOSED');
    const { installed, removed, unchanged } = reconcileFib(this.fib, full);
    return { installed, removed, unchanged };
  }

  /** Dump the current state: snapshot (O(1)), then write while `apply` goes on. */
  async dump(path?: string): Promise<{ path: string; snapshotId: number } & WriteResult> {
    const snap = this.fib.snapshot();
    const now = new Date();
    const p = path ?? (typeof this.options.path === 'string' ? this.options.path : this.options.path(this.sequence++, now));
    const job = dumpFibToMrt(snap, p, this.options, Math.floor(now.getTime() / 1000));
    this.inFlight = job.catch(() => undefined);
    const r = await job;
    return { path: p, snapshotId: snap.id, ...r };
  }

  /** Stops periodic dumps and waits for the one being written. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
