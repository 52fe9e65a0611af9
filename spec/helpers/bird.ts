/**
 * BIRD 2 (Debian package bird2) as a real peer in tests: config generation on 127.0.0.0/8, start/stop by
 * PID, `birdc` queries, and a parser for `show route all` so tests compare BIRD's view with btrd's.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, tempDir, waitFor, type Started } from './processes.js';

export interface BirdPeer {
  readonly name: string;
  readonly neighbor: string;
  readonly neighborPort: number;
  readonly asn: number;
  readonly passive?: boolean;
  readonly ipv4?: { import: string; export: string; nextHopSelf?: boolean };
  readonly ipv6?: { import: string; export: string; nextHopSelf?: boolean; nextHopAddress?: string };
  readonly holdTime?: number;
  /** Extra lines inside the protocol block (e.g. "default bgp_local_pref 200;"). */
  readonly extra?: string;
}

export interface BirdOptions {
  readonly routerId: string;
  readonly asn: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly peers: readonly BirdPeer[];
  /** Extra top-level config (filters, options). */
  readonly extra?: string;
}

/** One route of `show route all`, in a neutral form tests can compare. */
export interface BirdRoute {
  readonly prefix: string;
  readonly protocol: string;
  readonly best: boolean;
  readonly asPath: string;
  readonly nextHop: string;
  readonly origin: string;
  readonly localPref?: number;
  readonly med?: number;
  readonly communities: string[];
}

function channel(family: 'ipv4' | 'ipv6', c: { import: string; export: string; nextHopSelf?: boolean; nextHopAddress?: string }): string {
  return `  ${family} { import ${c.import}; export ${c.export}; igp table igp${family === 'ipv4' ? 4 : 6}; gateway recursive;${c.nextHopSelf ? ' next hop self;' : ''}${c.nextHopAddress ? ` next hop address ${c.nextHopAddress};` : ''} };`;
}

export function birdConfig(o: BirdOptions, logFile: string): string {
  const lines = [
    `log "${logFile}" all;`,
    `router id ${o.routerId};`,
    'protocol device {}',
    'ipv4 table igp4;',
    'ipv6 table igp6;',
    // Every next hop resolves recursively through a default route on lo (as in ../shared/peer-bench), so
    // routes learned over loopback sessions are usable whatever their NEXT_HOP.
    'protocol static igpst4 { ipv4 { table igp4; }; route 0.0.0.0/0 via "lo"; }',
    'protocol static igpst6 { ipv6 { table igp6; }; route ::/0 via "lo"; }',
    o.extra ?? '',
  ];
  for (const p of o.peers) {
    lines.push(
      `protocol bgp ${p.name} {`,
      `  local ${o.localAddress} port ${o.localPort} as ${o.asn};`,
      '  strict bind yes;',
      `  neighbor ${p.neighbor} port ${p.neighborPort} as ${p.asn};`,
      '  multihop;',
      '  connect retry time 1;',
      '  connect delay time 1;',
      '  error wait time 1, 5;',
      p.passive ? '  passive on;' : '',
      p.holdTime ? `  hold time ${p.holdTime};` : '',
      channel('ipv4', p.ipv4 ?? { import: 'all', export: 'none' }),
      p.ipv6 ? channel('ipv6', p.ipv6) : '',
      p.extra ?? '',
      '}',
    );
  }
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

export class Bird {
  private constructor(readonly proc: Started, readonly socketPath: string, private readonly cleanup: () => void) {}

  static async start(o: BirdOptions): Promise<Bird> {
    const t = tempDir('bird');
    const logFile = join(t.dir, 'bird.log');
    const conf = join(t.dir, 'bird.conf');
    writeFileSync(conf, birdConfig(o, logFile));
    const sock = join(t.dir, 'bird.ctl');
    const proc = startProcess('bird', ['-f', '-c', conf, '-s', sock], { logFile });
    const bird = new Bird(proc, sock, t.remove);
    await waitFor('birdc to answer', () => (bird.birdc('show status').includes('Daemon is up') ? true : undefined), 15000);
    return bird;
  }

  birdc(cmd: string): string {
    return execFileSync('birdc', ['-s', this.socketPath, ...cmd.split(' ')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30000, maxBuffer: 1 << 30 });
  }

  protocolState(name: string): string {
    const line = this.birdc(`show protocols ${name}`).split('\n').find((l) => l.startsWith(name));
    return line?.split(/\s+/)[5] ?? '';
  }

  async waitEstablished(name: string, timeoutMs = 20000): Promise<void> {
    await waitFor(`BIRD protocol ${name} Established`, () => (this.protocolState(name) === 'Established' ? true : undefined), timeoutMs);
  }

  /** All routes of a table, parsed from `show route all`. */
  routes(table = 'master4'): BirdRoute[] {
    return parseShowRouteAll(this.birdc(`show route all table ${table}`));
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    this.cleanup();
  }
}

/** Parse `birdc show route all` output (BIRD 2.0). */
export function parseShowRouteAll(text: string): BirdRoute[] {
  const out: BirdRoute[] = [];
  let prefix = '';
  let cur: { prefix: string; protocol: string; best: boolean; attrs: Map<string, string>; nextHop: string } | null = null;
  const flush = (): void => {
    if (!cur) return;
    const a = cur.attrs;
    out.push({
      prefix: cur.prefix,
      protocol: cur.protocol,
      best: cur.best,
      asPath: a.get('BGP.as_path') ?? '',
      nextHop: a.get('BGP.next_hop') ?? cur.nextHop,
      origin: a.get('BGP.origin') ?? '',
      ...(a.has('BGP.local_pref') ? { localPref: Number(a.get('BGP.local_pref')) } : {}),
      ...(a.has('BGP.med') ? { med: Number(a.get('BGP.med')) } : {}),
      communities: (a.get('BGP.community') ?? '').match(/\(\d+,\d+\)/g)?.map((c) => c.slice(1, -1).replace(',', ':')) ?? [],
    });
    cur = null;
  };
  for (const line of text.split('\n')) {
    const head = line.match(/^(\S+)?\s+(unicast|unreachable|blackhole|prohibit)\s+\[(\S+)[^\]]*\]\s+(\*)?/);
    if (head && !line.startsWith('\t')) {
      flush();
      if (head[1]) prefix = head[1];
      cur = { prefix, protocol: head[3], best: head[4] === '*', attrs: new Map(), nextHop: '' };
      continue;
    }
    if (!cur) continue;
    const via = line.match(/^\s+via (\S+)/);
    if (via) cur.nextHop = via[1];
    const attr = line.match(/^\s+(BGP\.\w+): (.*)$/);
    if (attr) cur.attrs.set(attr[1], attr[2].trim());
  }
  flush();
  return out;
}
