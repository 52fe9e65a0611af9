/**
 * STUB — placeholder Speaker so that daemons/btrd.ts builds and runs before the real speaker lands.
 * The integrator REPLACES THIS FILE with the real implementation (sessions, RIB, decision, replicas).
 * It starts nothing: no listening socket, no sessions. It only logs, and reports zeros to the API.
 *
 * Contract (what daemons/btrd.ts relies on):
 *   new Speaker(config: BtrdConfig, logger: Logger); await start(); await stop(); await reload(config);
 *   implements ApiProvider (summary(), neighbors()).
 */
import type { ApiProvider, NeighborStatus, RibSummary } from './api/types.js';
import type { BtrdConfig } from './config/types.js';
import type { Logger } from './log.js';

export class Speaker implements ApiProvider {
  private config: BtrdConfig;

  constructor(config: BtrdConfig, private readonly logger: Logger) {
    this.config = config;
  }

  async start(): Promise<void> {
    this.logger.warn({ peers: this.config.peers.length }, 'speaker stub: no sessions are started (lib/speaker.ts is a placeholder)');
  }

  async stop(): Promise<void> {
    this.logger.info('speaker stub stopped');
  }

  async reload(config: BtrdConfig): Promise<void> {
    this.config = config;
    this.logger.info({ peers: config.peers.length }, 'speaker stub: configuration replaced');
  }

  summary(): RibSummary {
    return { paths: 0, best: 0 };
  }

  neighbors(): NeighborStatus[] {
    return this.config.peers.map((p) => ({
      name: p.name,
      address: p.address,
      remoteAs: p.remoteAs,
      state: 'idle',
      uptimeSeconds: null,
      prefixesReceived: 0,
      prefixesAccepted: 0,
    }));
  }
}
