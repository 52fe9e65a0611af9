/**
 * Fuzzing the running daemon, long version (the CI version is spec/hardening/fuzz.spec.ts; the campaign and
 * its oracle are spec/hardening/fuzz-engine.ts). btrd runs in this process (real YAML config, real TCP on
 * 127.0.0.136:18136); a fuzzer peer (127.0.0.138) sends mutated real UPDATEs, a witness (127.0.0.137)
 * receives the exports.
 *
 *   npm run -s build && node --expose-gc dist/bench/fuzz/campaign.js [--seconds 600] [--seed N] [--keep-resets 0.15] [--out bench/results/fuzz.json]
 *
 * Prints the counts (messages sent, sessions, resets, treat-as-withdraws, discards, crashes) and writes
 * them as JSON. Exit code 1 if anything was found (crash, btrd error log, oracle finding).
 */
import { parseArgs } from 'node:util';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { parseConfig } from '../../lib/config/load.js';
import { startBtrd } from '../../spec/interop/setup.js';
import { connectPeer } from '../../spec/hardening/peer.js';
import { fuzzConfigYaml, loadSeeds, recordCrashes, runFuzz } from '../../spec/hardening/fuzz-engine.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    seed: { type: 'string', default: String(Date.now() % 1e9) },
    'keep-resets': { type: 'string', default: '0.15' },
    'per-file': { type: 'string', default: '1500' },
    out: { type: 'string', default: resolve(repo, 'bench/results/fuzz.json') },
  },
});
const seconds = Number(args.seconds);
const seed = Number(args.seed);

const BTRD = { addr: '127.0.0.136', port: 18136, asn: 4200000136 };
const W = { addr: '127.0.0.137', asn: 4200000137 };
const F = { addr: '127.0.0.138', asn: 65138 };

const crashes = recordCrashes();

const yaml = (gen: number): string => fuzzConfigYaml('10.0.0.136', BTRD, W, F, gen);

const log = (s: string): void => void process.stderr.write(`[fuzz] ${s}\n`);
const mb = (n: number): number => Math.round(n / 1048576);

const seeds = await loadSeeds(Number(args['per-file']));
log(`${seeds.length} seeds (${seeds.filter((s) => s.as4).length} from 4-octet-AS sessions); seed ${seed}; ${seconds} s`);
const btrd = await startBtrd(yaml(0));
const w = await connectPeer({ host: BTRD.addr, port: BTRD.port, localAddress: W.addr, asn: W.asn, routerId: '10.0.0.137', holdTime: 9, ipv6: true });
let gen = 0;
const errorLines: string[] = [];
let errorCount = 0;
let logLines = 0;
const rss = { start: process.memoryUsage().rss, peak: 0 };
const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, process.memoryUsage().rss)), 500);
const t0 = Date.now();
let lastProgress = t0;
const report = await runFuzz(
  {
    host: BTRD.addr,
    port: BTRD.port,
    asn: BTRD.asn,
    fuzzer: F,
    witness: w,
    witnessState: () => btrd.speaker.neighbors().find((n) => n.name === 'w')?.state,
    rearm: async () => {
      // btrd's log lines are kept in memory by the in-process sink: scan them for errors, then drop them.
      for (const l of btrd.logs) if (/"level":(50|60)/.test(l) && errorCount++ < 20) errorLines.push(l);
      logLines += btrd.logs.length;
      btrd.logs.length = 0;
      await btrd.speaker.reload(parseConfig(yaml(++gen), 'fuzz.yaml'));
      if (Date.now() - lastProgress > 30000) {
        lastProgress = Date.now();
        log(`${Math.round((Date.now() - t0) / 1000)} s: ${gen} sessions, rss ${mb(process.memoryUsage().rss)} MB`);
      }
    },
  },
  seeds,
  { seconds, seed, keepResets: Number(args['keep-resets']), log },
);
clearInterval(sampler);
await w.close();
await btrd.stop();
(globalThis as { gc?: () => void }).gc?.();

const result = {
  command: `node --expose-gc dist/bench/fuzz/campaign.js --seconds ${seconds} --seed ${seed}`,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  ...report,
  crashes: crashes.length,
  crashDetails: crashes.slice(0, 5),
  btrdErrorLogs: errorCount,
  btrdErrorSamples: errorLines,
  btrdLogLines: logLines,
  rssMb: { start: mb(rss.start), peak: mb(rss.peak), end: mb(process.memoryUsage().rss) },
};
mkdirSync(dirname(args.out!), { recursive: true });
writeFileSync(args.out!, JSON.stringify(result, null, 2) + '\n');

const rows: [string, string | number][] = [
  ['seconds', seconds],
  ['seed', seed],
  ['seeds (real UPDATEs)', seeds.length],
  ['messages sent', report.messagesSent],
  ['sessions (4-octet / 2-octet AS)', `${report.sessions} (${report.sessionsAs4} / ${report.sessions - report.sessionsAs4})`],
  ['predicted clean', report.predicted.none],
  ['predicted attribute-discard', report.predicted.attributeDiscard],
  ['predicted treat-as-withdraw', report.predicted.treatAsWithdraw],
  ['resets (header errors)', `${report.resets} (${report.predicted.headerReset})`],
  ['resets with the predicted NOTIFICATION', report.resetsAsPredicted],
  ['NOTIFICATIONs', Object.entries(report.notifications).sort().map(([k, v]) => `${k}:${v}`).join(' ')],
  ['witness: routes received / withdrawals', `${report.witness.announcements} / ${report.witness.withdrawals}`],
  ['witness: longest silence (ms)', report.witness.maxGapMs],
  ['crashes', crashes.length],
  ['btrd error logs', errorCount],
  ['findings', report.findings.length],
  ['RSS MB start / peak / end', `${result.rssMb.start} / ${result.rssMb.peak} / ${result.rssMb.end}`],
];
for (const [k, v] of rows) console.log(`${k.padEnd(42)} ${v}`);
for (const f of report.findings.slice(0, 10)) console.log(`FINDING ${f.kind}: ${f.detail}`);
console.log(`results: ${args.out}`);
process.exit(crashes.length + errorCount + report.findings.length > 0 ? 1 : 0);
