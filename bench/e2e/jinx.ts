/**
 * End-to-end convergence on a real full table: the route-views.jinx RIB (2014-05-30, 14 peers, 503,590
 * routes, one full-table peer) turned into per-peer UPDATE streams by lib/mrt's ribToUpdates, replayed by
 * lib/inject's Injector (one session per RIB peer, from 127.0.0.(40+i), with the peer's real ASN) into a
 * target daemon: btrd or BIRD. Measures, like peer-bench: from the first session reaching Established to
 * the first poll at which the target holds every path (and every prefix has a best path); the target's
 * peak RSS (VmHWM) and CPU time. Conversion happens before the target starts and is not timed.
 *
 *   node dist/bench/e2e/jinx.js [--target btrd|bird] [--timeout S] [--rib FILE] [--out RESULTS_FILE]
 *
 * Prints one peer-bench-style result line (workload=jinx) on stdout and appends it to --out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { readMrt } from '../../lib/mrt/reader.js';
import { ribToUpdates } from '../../lib/mrt/to-updates.js';
import type { MrtRecord } from '../../lib/mrt/types.js';
import { Injector } from '../../lib/inject/injector.js';
import { benchConfigYaml } from './peer-config.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'btrd' },
    timeout: { type: 'string', default: '300' },
    rib: { type: 'string', default: resolve(repo, '../shared/data/mrt/rib/routeviews.route-views.jinx.ribs.1401487200.gz') },
    out: { type: 'string' },
    port: { type: 'string', default: '11279' },
    'api-port': { type: 'string', default: '18279' },
    'node-flags': { type: 'string', default: '--max-semi-space-size=16' },
  },
});
const target = values.target!;
const TIMEOUT_S = Number(values.timeout);
const PORT = Number(values.port);
const API_PORT = Number(values['api-port']);
const TARGET_ADDR = '127.0.0.1';
// Not 65000: 24 jinx routes carry the private AS 65000 in their AS_PATH, and both daemons drop them as loops.
const TARGET_AS = 4200000000;
const log = (s: string) => process.stderr.write(`[jinx ${target}] ${s}\n`);

// ---- 1. convert (not timed)
interface Feed { ip: string; asn: number; localAddr: string; bytes: Uint8Array; messages: number; prefixes: number; v6: boolean }
const feeds = new Map<number, { ip: string; asn: number; chunks: Uint8Array[]; messages: number; prefixes: number; v6: boolean }>();
const distinct = new Set<number | string>();
async function* tap(src: AsyncIterable<MrtRecord>): AsyncGenerator<MrtRecord> {
  for await (const r of src) {
    if (r.kind === 'rib') distinct.add(r.prefix);
    yield r;
  }
}
const tc = Date.now();
for await (const u of ribToUpdates(tap(readMrt(values.rib!)))) {
  let f = feeds.get(u.peerIndex);
  if (!f) feeds.set(u.peerIndex, (f = { ip: u.peer?.ip ?? '?', asn: u.peer?.asn ?? 0, chunks: [], messages: 0, prefixes: 0, v6: false }));
  f.chunks.push(u.message);
  f.messages++;
  f.prefixes += u.prefixCount;
  if (u.afi === 2) f.v6 = true;
}
const list: Feed[] = [...feeds.values()].map((f, i) => ({
  ip: f.ip, asn: f.asn, localAddr: `127.0.0.${40 + i}`, bytes: Buffer.concat(f.chunks), messages: f.messages, prefixes: f.prefixes, v6: f.v6,
}));
const wantPaths = list.reduce((n, f) => n + f.prefixes, 0);
const wantBest = distinct.size;
const anyV6 = list.some((f) => f.v6);
log(`converted in ${Date.now() - tc} ms: ${list.length} peers, ${wantPaths} paths, ${wantBest} prefixes, ${list.reduce((n, f) => n + f.messages, 0)} UPDATEs`);

// ---- 2. start the target
const work = mkdtempSync(join(tmpdir(), `btrd-e2e-jinx.${target}.`));
let child: ChildProcess;
let counts: () => Promise<[number, number] | null>;
if (target === 'btrd') {
  const yaml = benchConfigYaml(list.map((f) => ({ address: f.localAddr, asn: f.asn })), {
    targetAddr: TARGET_ADDR, port: PORT, targetAs: TARGET_AS, apiPort: API_PORT,
    families: anyV6 ? ['ipv4-unicast', 'ipv6-unicast'] : ['ipv4-unicast'], logLevel: 'warn', fib: process.env.FIB === '1',
  });
  writeFileSync(join(work, 'btrd.yaml'), yaml);
  const flags = values['node-flags']!.split(/\s+/).filter(Boolean);
  child = spawn(process.execPath, [...flags, join(repo, 'dist/daemons/btrd.js'), '--config', join(work, 'btrd.yaml'), ...(process.env.BTRD_ARGS ?? '').split(/\s+/).filter(Boolean)], { stdio: ['ignore', 'ignore', 'inherit'] });
  counts = async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${API_PORT}/rib/summary`);
      const j = (await r.json()) as { paths: number; best: number };
      return [j.paths, j.best];
    } catch {
      return null;
    }
  };
} else if (target === 'bird') {
  const conf = [
    `router id ${TARGET_ADDR};`,
    `log "${work}/bird.log" { warning, error, auth, fatal, bug };`,
    `protocol device { scan time 60; }`,
    `ipv4 table igp4;`, `ipv6 table igp6;`,
    `protocol static igpst4 { ipv4 { table igp4; }; route 0.0.0.0/0 via "lo"; }`,
    `protocol static igpst6 { ipv6 { table igp6; }; route ::/0 via "lo"; }`,
    `template bgp inj {`,
    `  local ${TARGET_ADDR} port ${PORT} as ${TARGET_AS};`,
    `  strict bind yes; passive on; multihop; hold time 240;`,
    `  ipv4 { import all; export none; igp table igp4; gateway recursive; };`,
    ...(anyV6 ? [`  ipv6 { import all; export none; igp table igp6; gateway recursive; };`] : []),
    `}`,
    ...list.map((f, i) => `protocol bgp inj${i + 1} from inj { neighbor ${f.localAddr} as ${f.asn}; }`),
  ].join('\n');
  writeFileSync(join(work, 'bird.conf'), conf + '\n');
  child = spawn('bird', ['-f', '-c', join(work, 'bird.conf'), '-s', join(work, 'bird.ctl'), '-P', join(work, 'bird.pid')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const one = async (table: string): Promise<[number, number]> => {
    const { stdout } = await run('birdc', ['-s', join(work, 'bird.ctl'), 'show', 'route', 'count', 'table', table]);
    const m = /(\d+) of (\d+) routes for (\d+) networks/.exec(stdout);
    if (!m) throw new Error(stdout);
    return [Number(m[1]), Number(m[3])];
  };
  counts = async () => {
    try {
      const a = await one('master4');
      const b = anyV6 ? await one('master6') : [0, 0];
      return [a[0] + b[0], a[1] + b[1]];
    } catch {
      return null;
    }
  };
} else {
  throw new Error(`unknown --target ${target}`);
}
const pid = child.pid!;
let died = false;
child.on('exit', () => (died = true));

const status = (): Record<string, number> => {
  const out: Record<string, number> = {};
  try {
    for (const l of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const m = /^(VmHWM|VmRSS):\s+(\d+) kB/.exec(l);
      if (m) out[m[1]!] = Number(m[2]) / 1024;
    }
  } catch { /* gone */ }
  return out;
};
const cpu = (): number => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (100 Hz)
  } catch {
    return NaN;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let result = '';
const injectors: Injector[] = [];
try {
  const t0w = Date.now();
  while ((await counts()) === null) {
    if (died || Date.now() - t0w > 60_000) throw new Error('target did not answer within 60 s');
    await sleep(100);
  }
  const rssStart = status().VmRSS ?? 0;
  const cpu0 = cpu();
  const load1 = loadavg()[0]!;

  // ---- 3. inject: all sessions at once; the clock starts at the first Established
  let tFirst = 0;
  const sessions = await Promise.all(list.map(async (f, i) => {
    const inj = await Injector.connect({ remoteAddress: TARGET_ADDR, remotePort: PORT, localAddress: f.localAddr, localAs: f.asn, routerId: `10.255.0.${i + 1}`, holdTime: 240, ipv6: anyV6, connectTimeoutMs: 30_000 });
    tFirst ||= performance.now();
    injectors.push(inj);
    return inj;
  }));
  let injectDone = 0;
  const sending = Promise.all(sessions.map(async (inj, i) => {
    const b = list[i]!.bytes;
    const chunks: Uint8Array[] = [];
    for (let o = 0; o < b.length; o += 65536) chunks.push(b.subarray(o, Math.min(b.length, o + 65536)));
    await inj.send(chunks);
    await inj.sendEndOfRib(1, 1);
    if (list[i]!.v6) await inj.sendEndOfRib(2, 1);
  })).then(() => (injectDone = (performance.now() - tFirst) / 1000));
  sending.catch(() => {});

  // ---- 4. poll
  let st = 'timeout';
  let last: [number, number] = [0, 0];
  let tDone = 0;
  while (true) {
    const el = (performance.now() - tFirst) / 1000;
    if (died) { st = 'target_died'; break; }
    if (el > TIMEOUT_S) break;
    const c = await counts();
    if (c) {
      last = c;
      if (c[0] >= wantPaths && c[1] >= wantBest) { tDone = performance.now(); st = 'ok'; break; }
    }
    await sleep(Math.max(50, (el * 1000) / 50));
  }
  const conv = st === 'ok' ? (tDone - tFirst) / 1000 : (performance.now() - tFirst) / 1000;
  const s = status();
  result = [
    `target=${target} workload=jinx peers=${list.length} prefixes=${wantBest} converge_s=${conv.toFixed(3)} peak_rss_mb=${Math.round(s.VmHWM ?? NaN)}`,
    `status=${st} paths=${last[0]} best=${last[1]} want_paths=${wantPaths} paths_per_s=${st === 'ok' ? Math.round(wantPaths / conv) : 0}`,
    `cpu_s=${(cpu() - cpu0).toFixed(1)} rss_start_mb=${Math.round(rssStart)} rss_end_mb=${Math.round(s.VmRSS ?? NaN)} inject_done_s=${injectDone.toFixed(3)} load1=${load1.toFixed(2)}`,
  ].join(' ');
} catch (e) {
  result = `target=${target} workload=jinx peers=${list.length} prefixes=${wantBest} converge_s=0 peak_rss_mb=0 status=error error=${JSON.stringify(String(e))}`;
} finally {
  await Promise.all(injectors.map((i) => i.close().catch(() => {})));
  if (!died) {
    child.kill('SIGTERM');
    const t = Date.now();
    while (!died && Date.now() - t < 5000) await sleep(50);
    if (!died) child.kill('SIGKILL');
  }
  rmSync(work, { recursive: true, force: true });
}
console.log(result);
if (values.out) appendFileSync(values.out, result + '\n');
process.exit(0);
