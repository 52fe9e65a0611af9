/**
 * `npm run demo` as CI runs it: the real CLI (`node dist/daemons/demo.js --json`) on 127.0.4.x, its summary
 * checked here. Independent oracle for the table size: bgpdump's view of the same MRT file — the voted
 * Loc-RIB must hold exactly the distinct prefixes the replayed peers announce (no import policy, every next
 * hop resolvable) except those whose AS path already holds btrd's AS (RFC 4271 §9.1.2: loop).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dataPath } from '../helpers/corpus.js';
import type { DemoSummary } from '../../daemons/demo.js';

const demo = suite('api/demo');
const DEMO = fileURLToPath(new URL('../../daemons/demo.js', import.meta.url));
const MRT = 'mrt/rib/rib.20140523.0600_firstMB.complete-records.gz';

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [DEMO, '--json', '--port', '24200', '--address', '127.0.4', '--seconds', '110'], { timeout: 120_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

demo('the demo catches the faulty replica, exports only voted routes, and exits 0 by itself', async () => {
  const r = await runDemo();
  if (r.code !== 0) console.error(r.stderr.slice(-4000));
  const s = JSON.parse(r.stdout) as DemoSummary;
  assert.is(r.code, 0, 'demo exit code');
  assert.ok(s.ok, JSON.stringify(s.checks));

  // The fault was caught by the voter, and only the faulty replica disagreed.
  const faulty = s.replicas[s.fault.replica];
  assert.ok(faulty.disagreements > 0, 'faulty replica disagreements');
  assert.ok(faulty.divergentPrefixes > 0, 'faulty replica divergent prefixes');
  for (const x of s.replicas) if (x.index !== s.fault.replica) assert.is(x.disagreements, 0, `replica ${x.index} disagreements`);
  assert.is(s.voter.disagreements, faulty.disagreements);
  // …and the controller restarted it (lib/replica/controller.ts: wrong = in the minority too often).
  assert.ok(faulty.restarts > 0 && s.fault.restarted, 'faulty replica restarted');
  assert.ok((s.voter.restartsByCause.wrong ?? 0) + (s.voter.restartsByCause.hang ?? 0) > 0);

  // Nothing wrong got out: the voted btrd's observer saw exactly what the one-process reference exported.
  assert.is(s.exports.mismatches, 0);
  assert.is(s.exports.observerPrefixes, s.exports.referencePrefixes);
  assert.ok(s.api.queried > 0 && s.api.answeredWithVotedRoute === s.api.queried);
  assert.not.ok(s.api.answeredByReplicas.includes(s.fault.replica), 'route queries never answered by the faulty replica');

  // Oracle: bgpdump's distinct prefixes of the replayed peers, minus AS-path loops, = the voted Loc-RIB.
  const lines = execFileSync('bgpdump', ['-m', dataPath(MRT)], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
  const peers = new Set(s.input.peerAddresses);
  const prefixes = new Set<string>();
  for (const l of lines) {
    const f = l.split('|');
    if (f.length > 6 && peers.has(f[3]) && !f[5].includes(':') && !f[6].split(' ').includes(String(s.input.localAs))) prefixes.add(f[5]);
  }
  assert.ok(prefixes.size > 1000);
  assert.is(s.routes.best, prefixes.size, 'voted Loc-RIB size = distinct prefixes in bgpdump');
  assert.is(s.routes.referenceBest, prefixes.size);
  assert.is(s.exports.observerPrefixes, prefixes.size);
  // The FIB fed by the voter: every prefix's longest match and next hop as in the reference Loc-RIB.
  assert.ok(s.fib.available, 'FIB wired');
  assert.is(s.fib.routes, prefixes.size);
  assert.is(s.fib.wrongEntries, 0);
});

demo.run();
