/**
 * One TCP connection of a session: the socket, its message framer (RFC 4271 §4.1, trusted core) and
 * write back-pressure. It knows nothing about the FSM: it reports frames, header errors, close and drain
 * to its owner. Every socket callback is wrapped so that nothing a peer sends can throw out of it.
 */
import type { Socket } from 'node:net';
import { MessageFramer, type Frame } from '../wire/framing.js';
import { BgpProtocolError, MessageHeaderError } from '../wire/errors.js';
import { HeaderSubcode } from '../wire/iana.js';
import type { ConnectionDirection } from './collision.js';
import type { Endpoints } from './negotiation.js';
import type { SessionLogger } from './types.js';

/** After writing a final NOTIFICATION we end() the socket; a peer that never closes its side is destroyed after this. */
const CLOSE_GRACE_MS = 1000;
const EMPTY = new Uint8Array(0);

export interface ConnectionHandlers {
  frames(conn: BgpConnection, frames: readonly Frame[]): void;
  headerError(conn: BgpConnection, error: BgpProtocolError): void;
  /** The socket closed without us asking (peer close, reset, error). */
  lost(conn: BgpConnection, why: string): void;
  drain(conn: BgpConnection): void;
}

/** Strip the IPv4-mapped IPv6 prefix so that '::ffff:127.0.0.2' and '127.0.0.2' compare equal. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address.toLowerCase();
}

/** Messages by BGP type code (RFC 4271 §4.1; 5 = ROUTE-REFRESH, RFC 2918), in and out; for the API and metrics. */
export interface MessageCounts {
  readonly received: number[];
  readonly sent: number[];
}

export function newMessageCounts(): MessageCounts {
  return { received: [0, 0, 0, 0, 0, 0], sent: [0, 0, 0, 0, 0, 0] };
}

export class BgpConnection {
  readonly framer = new MessageFramer();
  private closing = false;
  private waitingForDrain = false;
  /** Input back-pressure: no frames are handed over and the socket is not read while set. */
  private paused = false;
  /** Frames of the last chunk not yet handed over when input was paused (views into that chunk). */
  private held: Frame[] = [];
  private readonly closed: Promise<void>;

  constructor(
    readonly socket: Socket,
    readonly direction: ConnectionDirection,
    private readonly handlers: ConnectionHandlers,
    private readonly logger: SessionLogger,
    private readonly name: string,
    private readonly counts: MessageCounts = newMessageCounts(),
  ) {
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.guard('data', () => this.onData(chunk)));
    socket.on('error', (e: Error) => this.guard('error', () => this.logger.debug({ peer: this.name, err: e.message }, 'socket error')));
    socket.on('close', () => this.guard('close', () => {
      if (!this.closing) {
        this.closing = true;
        this.handlers.lost(this, 'tcp-connection-closed');
      }
    }));
    socket.on('drain', () => this.guard('drain', () => {
      if (this.waitingForDrain) {
        this.waitingForDrain = false;
        this.handlers.drain(this);
      }
    }));
  }

  /** Whether we closed (or are closing) this connection. */
  get isClosing(): boolean {
    return this.closing;
  }

  endpoints(): Endpoints {
    return {
      localAddress: normalizeAddress(this.socket.localAddress),
      localPort: this.socket.localPort ?? 0,
      remoteAddress: normalizeAddress(this.socket.remoteAddress),
      remotePort: this.socket.remotePort ?? 0,
    };
  }

  /** Write one whole message. Returns false when the socket buffer is over its high-water mark. */
  write(message: Uint8Array): boolean {
    if (this.closing || this.socket.destroyed) return false;
    const type = message[18];
    if (type !== undefined && type < 6) this.counts.sent[type]++;
    const ok = this.socket.write(message);
    if (!ok) this.waitingForDrain = true;
    return ok;
  }

  /**
   * Close our side after flushing what was written (e.g. the NOTIFICATION just queued): RFC 4271 §4.5,
   * "the BGP connection is closed immediately after it is sent". Resolves once the socket is closed.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      if (!this.socket.destroyed) {
        this.socket.end();
        const t = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
        t.unref();
        this.socket.once('close', () => clearTimeout(t));
      }
    }
    return this.socket.destroyed ? Promise.resolve() : this.closed;
  }

  /**
   * Stop handing over frames and stop reading the socket: the kernel receive buffer fills, the TCP window
   * closes and the peer's sends block (TCP back-pressure). Frames already framed from the current chunk
   * are held, so nothing is delivered after this returns — not even the rest of the chunk being handled.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  /** Hand over the held frames, then read the socket again (unless a handler paused input once more). */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const held = this.held;
    this.held = [];
    this.guard('resume', () => this.deliver(held, 0));
    if (!this.paused && !this.closing) this.socket.resume();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes of received messages held back by pause() (at most one socket chunk). */
  get heldBytes(): number {
    let n = 0;
    for (const f of this.held) n += f.message.length;
    return n;
  }

  /** Close at once, dropping anything unsent. */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    let frames: Frame[];
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      this.reportHeaderError(e);
      return;
    }
    for (const f of frames) if (f.type < 6) this.counts.received[f.type]++;
    this.deliver(frames, 0);
  }

  /** Hand frames over one at a time until input is paused (the rest are held) or the connection closes. */
  private deliver(frames: readonly Frame[], from: number): void {
    for (let i = from; i < frames.length; i++) {
      if (this.closing) return;
      if (this.paused) {
        for (let j = i; j < frames.length; j++) this.held.push(frames[j]);
        return;
      }
      this.handlers.frames(this, [frames[i]]);
    }
    if (this.closing || this.paused) return;
    // The framer returns the frames before a bad header and raises the error on the next push: surface
    // it now rather than when (if ever) the peer sends again.
    try {
      this.framer.push(EMPTY);
    } catch (e) {
      this.reportHeaderError(e);
    }
  }

  private reportHeaderError(e: unknown): void {
    const error = e instanceof BgpProtocolError ? e : new MessageHeaderError(`framing failed: ${String(e)}`, HeaderSubcode.ConnectionNotSynchronized);
    this.handlers.headerError(this, error);
  }

  /** No exception from a socket callback may escape (it would crash the daemon). */
  private guard(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.logger.error({ peer: this.name, err: e instanceof Error ? e.stack ?? e.message : String(e), in: what }, 'session handler threw; closing the connection');
      try {
        if (!this.closing) {
          this.closing = true;
          this.socket.destroy();
          this.handlers.lost(this, 'internal-error');
        }
      } catch (e2) {
        this.logger.error({ peer: this.name, err: String(e2) }, 'session failure handler threw');
      }
    }
  }
}
