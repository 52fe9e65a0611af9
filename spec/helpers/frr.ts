/**
 * FRR bgpd (Debian package frr) as a real peer in tests: bgpd alone (no zebra, no watchfrr) on
 * 127.0.0.0/8, driven through vtysh's JSON output; started and stopped by PID.
 *
 * Every query is asynchronous: btrd runs in the test's own process, and a synchronous vtysh call would
 * stop btrd's event loop while bgpd waits on btrd's socket — a deadlock until the call times out.
 */
const execFileAsync = promisify(execFile);
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, tempDir, waitFor, type Started } from './processes.js';

export interface FrrNeighbor {
  readonly address: string;
  readonly asn: number;
  readonly port?: number;
  readonly passive?: boolean;
  readonly ipv6?: boolean;
}

export interface FrrOptions {
  readonly asn: number;
  readonly routerId: string;
  readonly listenAddress: string;
  readonly listenPort: number;
  readonly neighbors: readonly FrrNeighbor[];
}

export interface FrrRoute {
  readonly prefix: string;
  readonly best: boolean;
  readonly asPath: string;
  readonly nextHop: string;
  readonly origin: string;
  readonly localPref?: number;
  readonly med?: number;
  readonly peer: string;
}

interface FrrPathJson {
  valid?: boolean;
  bestpath?: boolean;
  path?: string;
  origin?: string;
  metric?: number;
  locPrf?: number;
  peerId?: string;
  nexthops?: { ip?: string; afi?: string; scope?: string }[];
}

export function frrConfig(o: FrrOptions): string {
  const lines = [
    'frr defaults traditional',
    'hostname btrd-test',
    `router bgp ${o.asn}`,
    ` bgp router-id ${o.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' bgp disable-ebgp-connected-route-check',
  ];
  for (const n of o.neighbors) {
    lines.push(` neighbor ${n.address} remote-as ${n.asn}`, ` neighbor ${n.address} timers connect 1`);
    if (n.port) lines.push(` neighbor ${n.address} port ${n.port}`);
    if (n.passive) lines.push(` neighbor ${n.address} passive`);
    lines.push(` neighbor ${n.address} update-source ${o.listenAddress}`, ` neighbor ${n.address} ebgp-multihop 2`);
  }
  lines.push(' address-family ipv4 unicast');
  for (const n of o.neighbors) lines.push(`  neighbor ${n.address} activate`);
  lines.push(' exit-address-family');
  if (o.neighbors.some((n) => n.ipv6)) {
    lines.push(' address-family ipv6 unicast');
    for (const n of o.neighbors.filter((x) => x.ipv6)) lines.push(`  neighbor ${n.address} activate`);
    lines.push(' exit-address-family');
  }
  return lines.join('\n') + '\n';
}

export class Frr {
  private constructor(readonly proc: Started, readonly dir: string, private readonly cleanup: () => void) {}

  static async start(o: FrrOptions): Promise<Frr> {
    const t = tempDir('frr');
    chmodSync(t.dir, 0o777); // bgpd drops privileges to the frr user and writes its vty socket here
    const conf = join(t.dir, 'bgpd.conf');
    writeFileSync(conf, frrConfig(o));
    const proc = startProcess(
      '/usr/lib/frr/bgpd',
      ['-f', conf, '-i', join(t.dir, 'bgpd.pid'), '-z', join(t.dir, 'zserv.api'), '--vty_socket', t.dir, '-A', '127.0.0.1', '-P', '0', '-p', String(o.listenPort), '-l', o.listenAddress, '-Z', '-S', '--log', 'stdout'],
      { logFile: join(t.dir, 'none.log') },
    );
    const frr = new Frr(proc, t.dir, t.remove);
    await waitFor('vtysh to answer', async () => ((await frr.vtysh('show bgp summary json')).includes('{') ? true : undefined), 20000);
    return frr;
  }

  async vtysh(cmd: string): Promise<string> {
    const { stdout } = await execFileAsync('vtysh', ['--vty_socket', this.dir, '-d', 'bgpd', '-c', cmd], { encoding: 'utf8', timeout: 30000, maxBuffer: 1 << 30 });
    return stdout;
  }

  async neighborState(address: string): Promise<string> {
    const j = JSON.parse(await this.vtysh(`show bgp neighbors ${address} json`)) as Record<string, { bgpState?: string }>;
    return j[address]?.bgpState ?? '';
  }

  async waitEstablished(address: string, timeoutMs = 30000): Promise<void> {
    await waitFor(`FRR neighbor ${address} Established`, async () => ((await this.neighborState(address)) === 'Established' ? true : undefined), timeoutMs);
  }

  /** Prefixes in the BGP table (cheap: no table dump). */
  async count(family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<number> {
    type Summary = { peers?: Record<string, { pfxRcd?: number }> };
    const j = JSON.parse(await this.vtysh(`show bgp ${family} unicast summary json`)) as Summary & Record<string, Summary>;
    // FRR 8 prints the family's summary at top level; some versions nest it under "<family>Unicast".
    const peers = j.peers ?? j[`${family}Unicast`]?.peers ?? {};
    return Object.values(peers).reduce((a, p) => a + (p.pfxRcd ?? 0), 0);
  }

  async routes(family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<FrrRoute[]> {
    const j = JSON.parse(await this.vtysh(`show bgp ${family} unicast json`)) as { routes?: Record<string, FrrPathJson[]> };
    const out: FrrRoute[] = [];
    for (const [prefix, paths] of Object.entries(j.routes ?? {})) {
      for (const p of paths) {
        const nh = p.nexthops?.find((n) => n.scope !== 'link-local') ?? p.nexthops?.[0];
        out.push({
          prefix,
          best: !!p.bestpath,
          asPath: p.path ?? '',
          nextHop: nh?.ip ?? '',
          origin: p.origin ?? '',
          ...(p.locPrf !== undefined ? { localPref: p.locPrf } : {}),
          ...(p.metric !== undefined ? { med: p.metric } : {}),
          peer: p.peerId ?? '',
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
