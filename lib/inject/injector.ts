/**
 * A minimal BGP speaker that announces a prepared stream of UPDATE messages: the in-repo injector used by
 * interop tests, the demo and benchmarks. It is deliberately not the btrd session layer (it must not share
 * its bugs): OPEN, KEEPALIVE, write the stream with TCP back-pressure, answer KEEPALIVEs, End-of-RIB,
 * Cease on close. Everything it receives is decoded and kept for inspection.
 */
import net from 'node:net';
import { MessageFramer, type Frame } from '../wire/framing.js';
import { encodeOpen, type OpenMessage } from '../wire/open.js';
import { decodeMessage, type Message } from '../wire/message.js';
import { encodeKeepalive } from '../wire/keepalive.js';
import { encodeNotification } from '../wire/notification.js';
import { encodeEndOfRib } from '../wire/update.js';
import type { Capability } from '../wire/capabilities.js';
import { AS_TRANS } from '../wire/iana.js';

export interface InjectorOptions {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress?: string;
  readonly localAs: number;
  readonly routerId: string;
  readonly holdTime?: number;
  readonly ipv6?: boolean;
  readonly connectTimeoutMs?: number;
}

export class Injector {
  private readonly socket: net.Socket;
  private readonly framer = new MessageFramer();
  private keepalive: NodeJS.Timeout | null = null;
  readonly received: Message[] = [];
  peerOpen: OpenMessage | null = null;
  private closedWith: Error | null = null;
  private established!: Promise<void>;

  private constructor(readonly opts: InjectorOptions) {
    this.socket = net.connect({ host: opts.remoteAddress, port: opts.remotePort, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    this.socket.setNoDelay(true);
  }

  static async connect(opts: InjectorOptions): Promise<Injector> {
    const inj = new Injector(opts);
    await inj.handshake();
    return inj;
  }

  private handshake(): Promise<void> {
    const hold = this.opts.holdTime ?? 90;
    this.established = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no session with ${this.opts.remoteAddress}:${this.opts.remotePort} within ${this.opts.connectTimeoutMs ?? 15000} ms`)), this.opts.connectTimeoutMs ?? 15000);
      this.socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      this.socket.once('connect', () => {
        const caps: Capability[] = [
          { kind: 'multiprotocol', afi: 1, safi: 1 },
          ...(this.opts.ipv6 ? [{ kind: 'multiprotocol' as const, afi: 2, safi: 1 }] : []),
          { kind: 'route-refresh' },
          { kind: 'four-octet-as', asn: this.opts.localAs },
        ];
        this.socket.write(encodeOpen({ version: 4, myAs: this.opts.localAs > 0xffff ? AS_TRANS : this.opts.localAs, holdTime: hold, bgpId: this.opts.routerId, capabilities: caps, optionalParameters: [] }));
      });
      this.socket.on('data', (chunk: Buffer) => {
        let frames: Frame[];
        try {
          frames = this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        } catch (e) {
          this.closedWith = e as Error;
          this.socket.destroy();
          return;
        }
        for (const f of frames) {
          let m: Message;
          try {
            m = decodeMessage(f, { fourOctetAs: true });
          } catch {
            continue;
          }
          this.received.push(m);
          if (m.type === 'open') {
            this.peerOpen = m.open;
            this.socket.write(encodeKeepalive());
          } else if (m.type === 'keepalive' && this.keepalive === null) {
            clearTimeout(timer);
            // RFC 4271 §4.2: the negotiated hold time is the smaller of the two; keepalives at a third of it.
            const negotiated = Math.min(hold, this.peerOpen?.holdTime || hold);
            const every = Math.max(1, Math.floor(negotiated / 3)) * 1000;
            this.keepalive = setInterval(() => this.socket.write(encodeKeepalive()), every);
            this.keepalive.unref();
            resolve();
          } else if (m.type === 'notification') {
            this.closedWith = new Error(`NOTIFICATION ${m.notification.code}/${m.notification.subcode}`);
          }
        }
      });
      this.socket.on('close', () => {
        if (this.keepalive) clearInterval(this.keepalive);
        this.closedWith ??= new Error('connection closed');
        clearTimeout(timer);
        reject(this.closedWith);
      });
    });
    return this.established;
  }

  get closed(): Error | null {
    return this.closedWith;
  }

  /** Write messages, waiting for the socket to drain when TCP pushes back. */
  async send(messages: Iterable<Uint8Array>): Promise<void> {
    for (const m of messages) {
      if (this.closedWith) throw this.closedWith;
      if (!this.socket.write(m)) await new Promise<void>((r) => this.socket.once('drain', () => r()));
    }
  }

  async sendEndOfRib(afi = 1, safi = 1): Promise<void> {
    await this.send([encodeEndOfRib(afi, safi)]);
  }

  /** Cease/Administrative Shutdown (RFC 4486), then close. */
  async close(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    if (!this.socket.destroyed) {
      await new Promise<void>((r) => this.socket.write(encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0) }), () => r()));
      this.socket.end();
      this.socket.destroy();
    }
  }
}
