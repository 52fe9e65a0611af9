/**
 * A raw BGP test peer for the hardening specs (hostile peers and witnesses). Built directly on node:net and
 * lib/wire — deliberately NOT on lib/session, whose bugs it must not share: it sends whatever OPEN it is
 * told to (wrong AS, zero identifier, bad version, hold time 1), writes arbitrary bytes, answers
 * KEEPALIVEs, and records everything it receives as raw frames with their arrival time, so tests can check
 * exact NOTIFICATION codes, keepalive gaps, and that every UPDATE it got decodes cleanly.
 */
import net from 'node:net';
import { MessageFramer, type Frame } from '../../lib/wire/framing.js';
import { encodeOpen, decodeOpen, type OpenMessage } from '../../lib/wire/open.js';
import { decodeMessage, type Message } from '../../lib/wire/message.js';
import { encodeKeepalive } from '../../lib/wire/keepalive.js';
import { encodeNotification, decodeNotification, type NotificationMessage } from '../../lib/wire/notification.js';
import { encodeMessage } from '../../lib/wire/framing.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import type { Capability } from '../../lib/wire/capabilities.js';
import type { PathAttributes } from '../../lib/wire/types.js';
import { AS_TRANS } from '../../lib/wire/iana.js';

export interface TestPeerOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress: string;
  readonly asn: number;
  readonly routerId: string;
  readonly holdTime?: number;
  /** Advertise the 4-octet AS capability (default true). */
  readonly fourOctetAs?: boolean;
  /** Advertise IPv6 unicast besides IPv4 unicast. */
  readonly ipv6?: boolean;
  readonly version?: number;
  /** Replace the OPEN entirely (raw message bytes). */
  readonly rawOpen?: Uint8Array;
  /** Do not send KEEPALIVEs on our own (the OPEN's KEEPALIVE answer is still sent). */
  readonly silent?: boolean;
  /**
   * Keep received UPDATEs raw and decode them only when `messages`/`table()` are read, so that a peer
   * receiving a full table does not keep its thread busy (arrival times stay accurate).
   */
  readonly lazyUpdates?: boolean;
}

export interface ReceivedFrame {
  /** performance.now() at arrival. */
  readonly at: number;
  readonly type: number;
  /** A copy of the whole message. */
  readonly raw: Uint8Array;
}

/** The OPEN a TestPeer sends by default: IPv4 (and IPv6) unicast, route refresh, 4-octet AS. */
export function standardOpen(opts: TestPeerOptions): OpenMessage {
  const caps: Capability[] = [{ kind: 'multiprotocol', afi: 1, safi: 1 }];
  if (opts.ipv6) caps.push({ kind: 'multiprotocol', afi: 2, safi: 1 });
  caps.push({ kind: 'route-refresh' });
  if (opts.fourOctetAs ?? true) caps.push({ kind: 'four-octet-as', asn: opts.asn });
  return {
    version: opts.version ?? 4,
    myAs: opts.asn > 0xffff ? AS_TRANS : opts.asn,
    holdTime: opts.holdTime ?? 90,
    bgpId: opts.routerId,
    capabilities: caps,
    optionalParameters: [],
  };
}

export class TestPeer {
  readonly socket: net.Socket;
  readonly frames: ReceivedFrame[] = [];
  private readonly decoded: Message[] = [];
  private readonly rawUpdates: Uint8Array[] = [];
  /** Frames we could not decode (with the error) — a witness must have none. */
  readonly decodeErrors: { raw: Uint8Array; error: string }[] = [];
  bytesReceived = 0;
  peerOpen: OpenMessage | null = null;
  notification: NotificationMessage | null = null;
  established = false;
  closed = false;
  error: Error | null = null;
  private readonly framer = new MessageFramer(65535);
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private readonly closedPromise: Promise<void>;
  private readonly waiters = new Set<() => void>();
  readonly fourOctetAs: boolean;

  constructor(readonly opts: TestPeerOptions) {
    this.fourOctetAs = opts.fourOctetAs ?? true;
    this.socket = net.connect({ host: opts.host, port: opts.port, localAddress: opts.localAddress });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.socket.write(opts.rawOpen ?? encodeOpen(this.open())));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => (this.error = e));
    this.closedPromise = new Promise((resolve) =>
      this.socket.on('close', () => {
        this.closed = true;
        if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
        this.wake();
        resolve();
      }),
    );
  }

  /** The OPEN we send (RFC 4271 §4.2, capabilities per the options). */
  open(): OpenMessage {
    return standardOpen(this.opts);
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    let frames: Frame[];
    try {
      frames = this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      this.decodeErrors.push({ raw: new Uint8Array(chunk), error: String(e) });
      this.socket.destroy();
      return;
    }
    const at = performance.now();
    for (const f of frames) {
      const raw = f.message.slice();
      this.frames.push({ at, type: f.type, raw });
      if (f.type === 1) {
        try {
          this.peerOpen = decodeOpen(f.body);
        } catch (e) {
          this.decodeErrors.push({ raw, error: String(e) });
        }
        this.socket.write(encodeKeepalive());
        continue;
      }
      if (f.type === 3) {
        try {
          this.notification = decodeNotification(f.body);
        } catch {
          this.notification = { code: f.body[0] ?? 0, subcode: f.body[1] ?? 0, data: f.body.slice(2) };
        }
        this.decoded.push({ type: 'notification', notification: this.notification });
        continue;
      }
      if (f.type === 2 && this.opts.lazyUpdates) {
        this.rawUpdates.push(raw);
        continue;
      }
      const m = this.decodeInto(raw);
      if (m?.type === 'keepalive' && !this.established && this.peerOpen) {
        this.established = true;
        if (!this.opts.silent) {
          const hold = Math.min(this.opts.holdTime ?? 90, this.peerOpen.holdTime || 90);
          const every = Math.max(250, Math.floor((hold * 1000) / 3));
          this.keepaliveTimer = setInterval(() => {
            if (!this.socket.destroyed) this.socket.write(encodeKeepalive());
          }, every);
          this.keepaliveTimer.unref();
        }
      }
    }
    this.wake();
  }

  /** Everything received and decoded (NOTIFICATIONs included), in arrival order. */
  get messages(): Message[] {
    if (this.rawUpdates.length > 0) for (const raw of this.rawUpdates.splice(0)) this.decodeInto(raw);
    return this.decoded;
  }

  private decodeInto(raw: Uint8Array): Message | null {
    const type = raw[18];
    let m: Message;
    try {
      const ctx = { fourOctetAs: this.fourOctetAs && this.peerOpen?.capabilities.some((c) => c.kind === 'four-octet-as') === true };
      // UPDATEs without the shared interner: btrd runs in this process and must not share decoded objects.
      m = type === 2 ? { type: 'update', update: decodeUpdate(raw.subarray(19), ctx, null) } : decodeMessage({ type, message: raw, body: raw.subarray(19) }, ctx);
    } catch (e) {
      this.decodeErrors.push({ raw, error: String(e) });
      return null;
    }
    if (m.type === 'update' && m.update.treatment !== 'none') this.decodeErrors.push({ raw, error: `treatment ${m.update.treatment}: ${m.update.issues.map((i) => i.reason).join('; ')}` });
    this.decoded.push(m);
    return m;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolve when `check` holds (re-checked on every arrival and on close), reject after `ms`. */
  until(what: string, check: () => boolean, ms = 10000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(new Error(`${this.opts.localAddress}: timed out after ${ms} ms waiting for ${what} (closed=${this.closed}, notification=${this.notification ? `${this.notification.code}/${this.notification.subcode}` : 'none'}, error=${this.error?.message ?? 'none'})`));
      }, ms);
      this.waiters.add(done);
    });
  }

  /** Wait for the session to be Established (our OPEN accepted, their KEEPALIVE received). */
  async waitEstablished(ms = 10000): Promise<void> {
    await this.until('Established', () => this.established || this.closed, ms);
    if (!this.established) throw new Error(`${this.opts.localAddress}: closed before Established (notification ${this.notification ? `${this.notification.code}/${this.notification.subcode}` : 'none'}, error ${this.error?.message ?? 'none'})`);
  }

  /** Wait until nothing new has arrived for `stepMs` (frames counted, not decoded), or until `since` + `limitMs`. */
  async waitQuiet(since: number, limitMs = 60000, stepMs = 1000): Promise<void> {
    for (let n = -1; performance.now() - since < limitMs && this.frames.length !== n; ) {
      n = this.frames.length;
      await new Promise((r) => setTimeout(r, stepMs));
    }
  }

  waitClosed(ms = 10000): Promise<void> {
    return this.until('the connection to close', () => this.closed, ms);
  }

  /** Write raw messages with TCP back-pressure. Returns false if the connection is gone. */
  async send(messages: Iterable<Uint8Array>): Promise<boolean> {
    for (const m of messages) {
      if (this.closed || this.socket.destroyed) return false;
      if (!this.socket.write(m)) await drainOrClose(this.socket);
    }
    return !this.closed;
  }

  sendUpdateBody(body: Uint8Array): Promise<boolean> {
    return this.send([encodeMessage(2, body)]);
  }

  /** Prefix → attributes announced to us (null once withdrawn), IPv4 and MP families, in arrival order. */
  table(): Map<string, PathAttributes | null> {
    const t = new Map<string, PathAttributes | null>();
    for (const m of this.messages) {
      if (m.type !== 'update') continue;
      const u = m.update;
      for (const k of u.withdrawn) t.set(formatPrefix(k), null);
      for (const k of u.mpUnreach?.withdrawn ?? []) t.set(formatPrefix(k), null);
      for (const k of u.nlri) t.set(formatPrefix(k), u.attributes);
      for (const k of u.mpReach?.nlri ?? []) t.set(formatPrefix(k), u.attributes);
    }
    return t;
  }

  /** Current attributes of a prefix (undefined: never announced or withdrawn). */
  route(prefix: string): PathAttributes | undefined {
    return this.table().get(prefix) ?? undefined;
  }

  /** Cease (Administrative Shutdown) if still open, then close; resolves when the socket is closed. */
  async close(): Promise<void> {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    if (!this.closed && !this.socket.destroyed) {
      await new Promise<void>((r) => this.socket.write(encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0) }), () => r()));
      this.socket.end();
      const t = setTimeout(() => this.socket.destroy(), 500);
      await this.closedPromise;
      clearTimeout(t);
    } else {
      this.socket.destroy();
      await this.closedPromise;
    }
  }

  /** Close without a NOTIFICATION (a peer that just goes away). */
  async destroy(): Promise<void> {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.socket.destroy();
    await this.closedPromise;
  }
}

/** Connect and wait for Established, retrying while btrd still refuses (IdleHold after a reset). */
export async function connectPeer(opts: TestPeerOptions, timeoutMs = 15000): Promise<TestPeer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = new TestPeer(opts);
    try {
      await p.waitEstablished(Math.max(500, deadline - Date.now()));
      return p;
    } catch (e) {
      await p.destroy();
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// ── building UPDATEs byte by byte ─────────────────────────────────────────────────────────────────────

/** One path attribute: flags, type, value (extended length when the flag 0x10 is set). */
export function attr(flags: number, type: number, value: ArrayLike<number>): Uint8Array {
  const v = Array.from(value);
  return flags & 0x10 ? Uint8Array.from([flags, type, v.length >> 8, v.length & 255, ...v]) : Uint8Array.from([flags, type, v.length, ...v]);
}

export const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** IPv4 prefix "a.b.c.d/len" as NLRI bytes. */
export function nlri4(prefix: string): number[] {
  const [addr, len] = prefix.split('/');
  const l = Number(len);
  return [l, ...addr.split('.').map(Number).slice(0, Math.ceil(l / 8))];
}

/** UPDATE body: withdrawn routes, path attributes, NLRI. */
export function updateBody(attrs: readonly Uint8Array[], nlri: ArrayLike<number> = [], withdrawn: ArrayLike<number> = []): Uint8Array {
  const a = Buffer.concat(attrs.map((x) => Buffer.from(x)));
  const w = Array.from(withdrawn);
  return Uint8Array.from([w.length >> 8, w.length & 255, ...w, a.length >> 8, a.length & 255, ...a, ...Array.from(nlri)]);
}

/** Resolves when a socket whose write() returned false has drained, or has closed. */
export function drainOrClose(socket: net.Socket): Promise<void> {
  return new Promise<void>((r) => {
    const go = (): void => {
      socket.off('drain', go);
      socket.off('close', go);
      r();
    };
    socket.on('drain', go);
    socket.on('close', go);
  });
}
