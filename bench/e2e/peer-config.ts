/**
 * btrd YAML config for a benchmark run: one passive eBGP peer per line of a peers file ("ADDR ASN", as
 * written by peer-bench's `custom` target), import everything, export nothing (`export: { default: reject }`),
 * the API on 127.0.0.1:$API_PORT.
 *
 *   node dist/bench/e2e/peer-config.js > btrd.yaml
 *   env: PEERS_FILE, TARGET_ADDR (127.0.0.1), PORT (11179), TARGET_AS (65000), API_PORT (18179),
 *        FAMILIES ("ipv4-unicast"; "ipv4-unicast ipv6-unicast" for the JINX replay), LOG_LEVEL (warn)
 */
import { readFileSync } from 'node:fs';

export interface BenchPeer {
  readonly address: string;
  readonly asn: number;
}

export interface BenchConfigOptions {
  readonly targetAddr: string;
  readonly port: number;
  readonly targetAs: number;
  readonly apiPort: number;
  readonly families: readonly string[];
  readonly logLevel: string;
  readonly routerId?: string;
  /**
   * Keep btrd's in-memory FIB (default false: `fib: null`). peer-bench's targets install nothing (BIRD
   * exports nothing to the kernel), so the like-for-like run has no FIB; FIB=1 measures its cost.
   */
  readonly fib?: boolean;
}

export function parsePeersFile(text: string): BenchPeer[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [address, asn] = l.split(/\s+/);
      if (!address || !asn || !/^\d+$/.test(asn)) throw new Error(`bad peers line: ${l}`);
      return { address, asn: Number(asn) };
    });
}

export function benchConfigYaml(peers: readonly BenchPeer[], o: BenchConfigOptions): string {
  const lines = [
    `router-id: ${o.routerId ?? (o.targetAddr.includes(':') ? '192.0.2.1' : o.targetAddr)}`,
    `asn: ${o.targetAs}`,
    `listen:`,
    `  - { address: ${o.targetAddr.includes(':') ? `"${o.targetAddr}"` : o.targetAddr}, port: ${o.port} }`,
    `log: { level: ${o.logLevel} }`,
    `api: { listen: "127.0.0.1:${o.apiPort}" }`,
    ...(o.fib ? [] : ['fib: null']),
    `peers:`,
  ];
  peers.forEach((p, i) => {
    lines.push(
      `  - name: inj${i + 1}`,
      `    address: ${p.address}`,
      `    remote-as: ${p.asn}`,
      `    passive: true`,
      `    hold-time: 240`,
      `    families: [${o.families.join(', ')}]`,
      `    export: { default: reject }`,
    );
  });
  return lines.join('\n') + '\n';
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const file = process.env.PEERS_FILE;
  if (!file) {
    process.stderr.write('peer-config: set PEERS_FILE\n');
    process.exit(2);
  }
  process.stdout.write(
    benchConfigYaml(parsePeersFile(readFileSync(file, 'utf8')), {
      targetAddr: process.env.TARGET_ADDR ?? '127.0.0.1',
      port: Number(process.env.PORT ?? 11179),
      targetAs: Number(process.env.TARGET_AS ?? 65000),
      apiPort: Number(process.env.API_PORT ?? 18179),
      families: (process.env.FAMILIES ?? 'ipv4-unicast').split(/[\s,]+/).filter(Boolean),
      logLevel: process.env.LOG_LEVEL ?? 'warn',
      fib: process.env.FIB === '1',
    }),
  );
}
