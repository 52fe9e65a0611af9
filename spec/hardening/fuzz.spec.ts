/**
 * Fuzzing the running daemon, fast CI version (~20 s of fuzzing; BTRD_FUZZ_SECONDS / BTRD_FUZZ_SEED change
 * it; the long run is bench/fuzz/campaign.ts). The campaign itself and its oracle are in ./fuzz-engine.ts:
 * a fuzzer peer F sends mutated real UPDATEs (capture corpus + MRT update files) over real sessions,
 * reconnecting after each reset, while a witness W receives btrd's exports. Asserted here:
 *
 *   - the process never sees an uncaught exception or an unhandled rejection (handlers installed below),
 *     and btrd logs no error (its guards catching a throw in a session or peer handler);
 *   - every reset came with exactly the NOTIFICATION lib/wire predicts, and only predicted resets happened;
 *   - W stayed Established the whole time and never went silent for longer than its keepalive interval
 *     allows (hold time 9 s), every UPDATE it received decodes cleanly, every route it got was announced
 *     by F in an UPDATE that decodes cleanly (treatment none/attribute-discard) with that AS path, and
 *     none of F's routes stayed at W after one of F's sessions ended.
 *
 * Re-arming: after a reset the session waits in Idle for its IdleHoldTimer, doubled after each error (RFC
 * 4271 §8.1.1 damping) from `idle-hold-time` — and `idle-hold-time: 0`, which the configuration accepts,
 * is refused by the session layer at start (reported as a bug). So between sessions the test does what an
 * operator would: it reloads the configuration with the fuzzer peer's `connect-retry-time` toggled, which
 * replaces that peer's session with a fresh one (no back-off) and leaves W untouched.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseConfig } from '../../lib/config/load.js';
import { startBtrd, type RunningBtrd } from '../interop/setup.js';
import { connectPeer, type TestPeer } from './peer.js';
import { fuzzConfigYaml, loadSeeds, recordCrashes, runFuzz, type FuzzReport } from './fuzz-engine.js';

const test = suite('hardening/fuzz');

const BTRD = { addr: '127.0.0.132', port: 18132, asn: 4200000132 };
const W = { addr: '127.0.0.133', asn: 4200000133 };
const F = { addr: '127.0.0.134', asn: 65134 };
const SECONDS = Number(process.env.BTRD_FUZZ_SECONDS ?? 20);
// A fixed seed keeps CI reproducible; set BTRD_FUZZ_SEED to explore others (bench/fuzz/campaign.ts picks a new one each run).
const SEED = Number(process.env.BTRD_FUZZ_SEED ?? 1);

const crashes = recordCrashes();

const yaml = (gen: number): string => fuzzConfigYaml('10.0.0.132', BTRD, W, F, gen);

let btrd: RunningBtrd;
let w: TestPeer;
let gen = 0;

test.before(async () => {
  btrd = await startBtrd(yaml(gen));
  w = await connectPeer({ host: BTRD.addr, port: BTRD.port, localAddress: W.addr, asn: W.asn, routerId: '10.0.0.133', holdTime: 9, ipv6: true });
});

test.after(async () => {
  await w.close().catch(() => undefined);
  await btrd.stop();
});

test(`mutated real UPDATEs over real sessions for ${SECONDS} s: no crash, exact resets, nothing malformed or stale reaches the witness`, async () => {
  const seeds = await loadSeeds(600);
  assert.ok(seeds.length > 2000, `${seeds.length} seeds`);
  const report: FuzzReport = await runFuzz(
    {
      host: BTRD.addr,
      port: BTRD.port,
      asn: BTRD.asn,
      fuzzer: F,
      witness: w,
      witnessState: () => btrd.speaker.neighbors().find((n) => n.name === 'w')?.state,
      rearm: async () => {
        await btrd.speaker.reload(parseConfig(yaml(++gen), 'fuzz.yaml'));
      },
    },
    seeds,
    { seconds: SECONDS, seed: SEED, log: process.env.BTRD_TEST_VERBOSE ? (s) => console.log(s) : undefined },
  );
  const errors = btrd.logs.filter((l) => /"level":(50|60)/.test(l));
  console.log(JSON.stringify({ ...report, findings: report.findings.length }, null, 1));
  for (const f of report.findings.slice(0, 5)) console.log(JSON.stringify(f).slice(0, 3000));

  assert.equal(crashes, [], 'no uncaught exception or unhandled rejection in the process');
  assert.equal(errors.slice(0, 3), [], 'btrd logged no error');
  assert.equal(report.findings.map((f) => `${f.kind}: ${f.detail}`).slice(0, 5), [], `findings (seed ${SEED})`);
  assert.ok(report.messagesSent > 1000, `${report.messagesSent} messages sent`);
  assert.ok(report.sessions > 20 && report.resets > 20, `${report.sessions} sessions, ${report.resets} resets`);
  assert.ok(report.witness.announcements > 100, `W received ${report.witness.announcements} routes from F (the oracle was exercised)`);
  assert.ok(report.witness.maxGapMs < 6000, `W's longest silence ${report.witness.maxGapMs} ms (keepalive every 3 s)`);
  assert.is(w.closed, false, 'W still connected');
  assert.is(btrd.speaker.neighbors().find((n) => n.name === 'w')?.state, 'established');
});

test.run();
