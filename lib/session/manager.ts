/**
 * SessionManager — the TCP listeners (one per configured local address and port) and the routing of
 * accepted sockets to the BgpSession whose remoteAddress matches the source. RFC 4271 §8.1.2 Event 15
 * (Tcp_CR_Invalid): a connection from an unknown source is destroyed at once, before any session state
 * is allocated (it is only logged).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { normalizeAddress } from './connection.js';
import { SessionConfigError } from './errors.js';
import type { BgpSession } from './session.js';
import { silentLogger, type SessionLogger } from './types.js';

export interface ListenAddress {
  address: string;
  port: number;
}

export class SessionManager {
  private readonly listenOn: readonly ListenAddress[];
  private readonly logger: SessionLogger;
  private readonly servers: Server[] = [];
  private readonly byName = new Map<string, BgpSession>();
  private readonly byAddress = new Map<string, BgpSession>();

  constructor(opts: { listen: ListenAddress[]; logger?: SessionLogger }) {
    this.listenOn = opts.listen;
    this.logger = opts.logger ?? silentLogger;
  }

  /** Open every listener; rejects (closing those already open) if one cannot bind. */
  async listen(): Promise<void> {
    try {
      for (const l of this.listenOn) this.servers.push(await this.listenOne(l));
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Close the listeners (sessions are stopped by their owner). */
  async close(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  add(session: BgpSession): void {
    const name = session.config.name;
    const address = normalizeAddress(session.config.remoteAddress);
    if (this.byName.has(name)) throw new SessionConfigError('name', `a session named ${name} already exists`);
    if (this.byAddress.has(address)) throw new SessionConfigError('remoteAddress', `a session for ${address} already exists (${this.byAddress.get(address)?.config.name})`);
    this.byName.set(name, session);
    this.byAddress.set(address, session);
  }

  remove(session: BgpSession): void {
    if (this.byName.get(session.config.name) !== session) return;
    this.byName.delete(session.config.name);
    this.byAddress.delete(normalizeAddress(session.config.remoteAddress));
  }

  get(name: string): BgpSession | undefined {
    return this.byName.get(name);
  }

  private listenOne(l: ListenAddress): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer({ pauseOnConnect: false }, (socket) => this.onConnection(socket));
      server.on('error', (e) => this.logger.error({ listen: `${l.address}:${l.port}`, err: e.message }, 'listener error'));
      server.once('error', reject);
      server.listen({ host: l.address, port: l.port, exclusive: true }, () => {
        server.off('error', reject);
        this.logger.info({ listen: `${l.address}:${l.port}` }, 'listening for BGP connections');
        resolve(server);
      });
    });
  }

  private onConnection(socket: Socket): void {
    try {
      socket.on('error', () => {}); // errors on a refused or handed-over socket are the owner's to log
      const from = normalizeAddress(socket.remoteAddress);
      const session = this.byAddress.get(from);
      if (!session) {
        this.logger.warn({ from, port: socket.remotePort, to: socket.localAddress }, 'connection from an unknown source refused');
        socket.destroy();
        return;
      }
      session.acceptConnection(socket);
    } catch (e) {
      this.logger.error({ err: e instanceof Error ? e.message : String(e) }, 'accepting a connection failed');
      socket.destroy();
    }
  }
}
