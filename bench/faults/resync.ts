/**
 * Controller recovery time: a replica of 3 (continuous-majority) crashes after a real table has been
 * loaded (the jinx RIB slice, P peers), is restarted (back-off 0), re-synced from a healthy replica's
 * Adj-RIB-In replayed as UPDATEs, and rejoins the vote once its whole-RIB digest matches the majority's.
 * Reported: crash verdict → back in the vote, and the table size.
 *
 *   npm run -s build && node dist/bench/faults/resync.js [--peers 5,15]
 *
 * Writes bench/results/faults-resync.json and .svg.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReplicaSet } from '../../lib/replica/replica-set.js';
import { ENGINE, loadRawJinx } from '../../spec/replica/feed.js';
import { writeBarChart } from '../chart.js';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '../../../bench/results');
const at = process.argv.indexOf('--peers');
const PEERS = (at > 0 ? process.argv[at + 1] : '5,15').split(',').map(Number);
const ROUND = 2000;

interface Row { peers: number; updates: number; paths: number; prefixes: number; recoverMs: number }

async function one(peers: number): Promise<Row> {
  const feeds = await loadRawJinx(peers);
  const msgs = feeds.flatMap((f) => f.messages.map((message) => ({ peerId: f.peer.id, message })));
  const crashRound = feeds.length + Math.ceil(msgs.length / ROUND);
  let crashAt = 0;
  const set = new ReplicaSet({
    engine: ENGINE, mode: 'continuous-majority', roundDeadlineMs: 60_000, maxRoundUpdates: ROUND, controller: { restartBackoffMs: 0 },
    replicas: [{ impl: 'a', orderSeed: 1 }, { impl: 'b', orderSeed: 2, fault: { crashAtRound: crashRound } }, { impl: 'a', orderSeed: 3 }],
    logger: { info: () => undefined, warn: (_o, m) => void (m.includes('judged faulty') && (crashAt = performance.now())), error: () => undefined },
  });
  await set.start();
  try {
    for (const f of feeds) await set.addPeer(f.peer);
    for (let i = 0; i < msgs.length; i += ROUND) await set.applyRound(msgs.slice(i, i + ROUND));
    const c = await set.counts();
    await set.applyRound(msgs.slice(0, 1)); // replica 1 crashes in this round
    while (set.controllerStatus().replicas[1].generation < 1 || set.controllerStatus().replicas[1].state !== 'voting') await new Promise((r) => setTimeout(r, 10));
    return { peers, updates: msgs.length, paths: c.paths, prefixes: c.best, recoverMs: Math.round(performance.now() - crashAt) };
  } finally {
    await set.close();
  }
}

const rows: Row[] = [];
for (const p of PEERS) rows.push(await one(p));
console.log('| peers | UPDATEs | paths | prefixes | crash → back in the vote |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.peers} | ${r.updates.toLocaleString('en')} | ${r.paths.toLocaleString('en')} | ${r.prefixes.toLocaleString('en')} | ${(r.recoverMs / 1000).toFixed(2)} s |`);
writeFileSync(join(results, 'faults-resync.json'), JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 2) + '\n');
writeBarChart(join(results, 'faults-resync.svg'), 'crash → re-synced and back in the vote (3 replicas)', 's', rows.map((r) => ({ label: `${r.paths.toLocaleString('en')} paths`, value: r.recoverMs / 1000 })));
