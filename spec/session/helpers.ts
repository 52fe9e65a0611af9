/**
 * Test helpers for the session specs: config builder, event waits with deadlines, and RawPeer — a
 * hand-driven BGP endpoint on a plain socket (sends exactly what the test says, records what it gets).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import { MessageFramer } from '../../lib/wire/framing.js';
import { decodeMessage, type Message } from '../../lib/wire/message.js';
import { encodeOpen } from '../../lib/wire/open.js';
import { encodeKeepalive } from '../../lib/wire/keepalive.js';
import type { Capability } from '../../lib/wire/capabilities.js';
import type { SessionConfig } from '../../lib/session/types.js';

export function sessionConfig(over: Partial<SessionConfig> & Pick<SessionConfig, 'name' | 'remoteAddress' | 'remotePort' | 'localAs' | 'remoteAs' | 'routerId'>): SessionConfig {
  return {
    holdTime: 90,
    connectRetryTime: 1,
    idleHoldTime: 1,
    passive: false,
    families: { ipv4: true, ipv6: true },
    addPathReceive: { ipv4: false, ipv6: false },
    ...over,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolve with the arguments of the next `name` event satisfying `pred`, or reject after `ms`. */
export function nextEvent<A extends unknown[]>(emitter: EventEmitter, name: string, ms = 10000, pred: (...args: A) => boolean = () => true): Promise<A> {
  return new Promise((resolve, reject) => {
    const onEvent = (...args: unknown[]): void => {
      if (!pred(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(name, onEvent);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(name, onEvent);
      reject(new Error(`timed out after ${ms} ms waiting for '${name}'`));
    }, ms);
    emitter.on(name, onEvent);
  });
}

/** Poll until `check()` is true or fail after `ms`. */
export async function until(what: string, check: () => boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

export interface OpenSpec {
  as: number;
  bgpId: string;
  holdTime?: number;
  capabilities?: Capability[];
}

export const DEFAULT_CAPS = (as: number): Capability[] => [
  { kind: 'multiprotocol', afi: 1, safi: 1 },
  { kind: 'route-refresh' },
  { kind: 'four-octet-as', asn: as },
];

export function openMessage(o: OpenSpec): Uint8Array {
  return encodeOpen({
    version: 4,
    myAs: o.as > 0xffff ? 23456 : o.as,
    holdTime: o.holdTime ?? 90,
    bgpId: o.bgpId,
    capabilities: o.capabilities ?? DEFAULT_CAPS(o.as),
    optionalParameters: [],
  });
}

/** A raw BGP endpoint driven by the test. */
export class RawPeer {
  readonly received: Message[] = [];
  closed = false;
  private readonly framer = new MessageFramer(65535);
  private keepaliveTimer: NodeJS.Timeout | null = null;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const f of this.framer.push(chunk)) this.received.push(decodeMessage(f, { fourOctetAs: true }));
      } catch {
        /* a test peer only records */
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.stopKeepalives();
    });
  }

  static connect(host: string, port: number, localAddress: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, localAddress });
      s.once('connect', () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  sendOpen(o: OpenSpec): void {
    this.send(openMessage(o));
  }

  sendKeepalive(): void {
    this.send(encodeKeepalive());
  }

  keepalivesEvery(ms: number): void {
    this.stopKeepalives();
    this.keepaliveTimer = setInterval(() => this.sendKeepalive(), ms);
  }

  stopKeepalives(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  async waitFor<K extends Message['type']>(type: K, ms = 10000): Promise<Extract<Message, { type: K }>> {
    let found: Message | undefined;
    await until(`a ${type} message`, () => (found = this.received.find((m) => m.type === type)) !== undefined, ms);
    return found as Extract<Message, { type: K }>;
  }

  waitClosed(ms = 10000): Promise<void> {
    return until('the connection to close', () => this.closed, ms);
  }

  destroy(): void {
    this.stopKeepalives();
    this.socket.destroy();
  }
}

/** A listening raw endpoint: each accepted socket becomes a RawPeer. */
export class RawListener {
  readonly peers: RawPeer[] = [];
  private constructor(private readonly server: Server) {}

  static listen(host: string, port: number): Promise<RawListener> {
    return new Promise((resolve, reject) => {
      let l: RawListener | null = null;
      const server = createServer((s) => l?.peers.push(new RawPeer(s)));
      l = new RawListener(server);
      server.once('error', reject);
      server.listen({ host, port }, () => resolve(l!));
    });
  }

  async accepted(ms = 10000): Promise<RawPeer> {
    await until('an incoming connection', () => this.peers.length > 0, ms);
    return this.peers[0];
  }

  close(): Promise<void> {
    for (const p of this.peers) p.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
