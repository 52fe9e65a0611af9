/**
 * GoBGP (Debian package gobgpd) as a real peer in tests: TOML config on 127.0.0.0/8, gRPC API on a
 * loopback port, start/stop by PID, and its RIB (`gobgp global rib -j`) in a neutral form.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, tempDir, waitFor, type Started } from './processes.js';

export interface GobgpNeighbor {
  readonly address: string;
  readonly asn: number;
  readonly port?: number;
  readonly passive?: boolean;
  readonly families?: readonly ('ipv4-unicast' | 'ipv6-unicast')[];
}

export interface GobgpOptions {
  readonly asn: number;
  readonly routerId: string;
  readonly listenAddress: string;
  readonly listenPort: number;
  readonly apiPort: number;
  readonly neighbors: readonly GobgpNeighbor[];
}

export interface GobgpRoute {
  readonly prefix: string;
  readonly best: boolean;
  readonly asPath: string;
  readonly nextHop: string;
  readonly origin: number | undefined;
  readonly localPref?: number;
  readonly med?: number;
  readonly communities: string[];
  readonly neighbor: string;
}

interface GobgpPathJson {
  nlri?: { prefix?: string };
  attrs?: { type: number; value?: number | number[]; as_paths?: { segment_type: number; asns: number[] }[]; nexthop?: string; communities?: number[] }[];
  best?: boolean;
  'source-id'?: string;
  'neighbor-ip'?: string;
}

export function gobgpConfig(o: GobgpOptions): string {
  const lines = [
    '[global.config]',
    `  as = ${o.asn}`,
    `  router-id = "${o.routerId}"`,
    `  port = ${o.listenPort}`,
    `  local-address-list = ["${o.listenAddress}"]`,
  ];
  for (const n of o.neighbors) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${n.address}"`,
      `    peer-as = ${n.asn}`,
      '  [neighbors.timers.config]',
      '    connect-retry = 1',
      '  [neighbors.transport.config]',
      `    local-address = "${o.listenAddress}"`,
      `    passive-mode = ${n.passive ? 'true' : 'false'}`,
      ...(n.port ? [`    remote-port = ${n.port}`] : []),
    );
    for (const f of n.families ?? ['ipv4-unicast']) lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}"`);
  }
  return lines.join('\n') + '\n';
}

export class Gobgp {
  private constructor(readonly proc: Started, readonly opts: GobgpOptions, private readonly cleanup: () => void) {}

  static async start(o: GobgpOptions): Promise<Gobgp> {
    const t = tempDir('gobgp');
    const conf = join(t.dir, 'gobgpd.toml');
    writeFileSync(conf, gobgpConfig(o));
    const proc = startProcess('gobgpd', ['-f', conf, '-t', 'toml', '--api-hosts', `127.0.0.1:${o.apiPort}`, '--pprof-disable', '-l', 'info'], { logFile: join(t.dir, 'none.log') });
    const g = new Gobgp(proc, o, t.remove);
    await waitFor('gobgp API', () => (g.cli(['global']).includes('AS') ? true : undefined), 15000);
    return g;
  }

  cli(args: string[]): string {
    return execFileSync('gobgp', ['-u', '127.0.0.1', '-p', String(this.opts.apiPort), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000, maxBuffer: 1 << 30 });
  }

  neighborState(address: string): string {
    const j = JSON.parse(this.cli(['neighbor', address, '-j'])) as { state?: { session_state?: number | string } };
    // session_state 6 = ESTABLISHED in GoBGP's API enum.
    const s = j.state?.session_state;
    return s === 6 || s === 'established' || s === 'ESTABLISHED' ? 'Established' : String(s);
  }

  async waitEstablished(address: string, timeoutMs = 20000): Promise<void> {
    await waitFor(`GoBGP neighbor ${address} Established`, () => (this.neighborState(address) === 'Established' ? true : undefined), timeoutMs);
  }

  /** Destinations in the global RIB (cheap: no table dump). */
  count(family: 'ipv4' | 'ipv6' = 'ipv4'): number {
    const m = this.cli(['global', 'rib', 'summary', '-a', family]).match(/Destination:\s*(\d+)/);
    return m ? Number(m[1]) : 0;
  }

  routes(family: 'ipv4' | 'ipv6' = 'ipv4'): GobgpRoute[] {
    const j = JSON.parse(this.cli(['global', 'rib', '-a', family, '-j'])) as Record<string, GobgpPathJson[]>;
    const out: GobgpRoute[] = [];
    for (const [prefix, paths] of Object.entries(j)) {
      for (const p of paths) {
        const attrs = p.attrs ?? [];
        const find = (t: number) => attrs.find((a) => a.type === t);
        const segs = find(2)?.as_paths ?? [];
        const mp = find(14) as { nexthop?: string } | undefined;
        const comms = (find(8)?.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`);
        const lp = find(5)?.value;
        const med = find(4)?.value;
        out.push({
          prefix,
          best: !!p.best,
          asPath: segs.map((s) => (s.segment_type === 1 ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' '),
          nextHop: find(3)?.nexthop ?? mp?.nexthop ?? '',
          origin: typeof find(1)?.value === 'number' ? (find(1)!.value as number) : undefined,
          ...(typeof lp === 'number' ? { localPref: lp } : {}),
          ...(typeof med === 'number' ? { med } : {}),
          communities: comms,
          neighbor: p['neighbor-ip'] ?? '',
        });
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    this.cleanup();
  }
}
