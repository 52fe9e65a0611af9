/**
 * Per-thread CPU of the replicated decision path without sockets (issue 4): K synthetic peers each announce
 * the same P prefixes (DFZ-like length mix, groups of 10–50 per attribute set, as peer-bench does), fed to a
 * ReplicaSet in rounds of 2000 UPDATEs, one after another as the daemon does. Prints the wall time, the CPU
 * (user+sys) of every thread of this process from /proc (replica threads, main, V8's helpers) and each
 * replica's used heap after the load.
 *
 *   node dist/bench/replicas/threads.js [REPLICAS=3] [PREFIXES=1000000] [PEERS=1]
 *   env: MODE (continuous-majority), ROUND (2000 UPDATEs per round),
 *        STREAM (comma-separated peer-bench stream files, e.g. /tmp/peer-bench-cache/stream-*.bin: one peer
 *        each, announcing the daemon benchmark's own UPDATEs; PREFIXES and PEERS are then ignored)
 */
import { ReplicaSet } from '../../lib/replica/replica-set.js';
import type { VotingMode } from '../../lib/replica/voter.js';
import { benchEngine, benchKnobs, interleave, streamFeed, syntheticFeed, threadCpu } from './feed.js';

const [replicas, prefixes, peers] = [3, 1_000_000, 1].map((d, i) => Number(process.argv[2 + i] ?? d));
const ROUND = Number(process.env.ROUND ?? 2000);
const feed = process.env.STREAM ? streamFeed(process.env.STREAM.split(',')) : syntheticFeed(prefixes, peers);
const peerList = feed.peers;

const knobs = benchKnobs(replicas);
const set = new ReplicaSet({ engine: benchEngine, replicas: knobs, mode: (process.env.MODE ?? 'continuous-majority') as VotingMode, roundDeadlineMs: 60000, maxRoundUpdates: ROUND, ribTree: false });
await set.start();
for (const p of peerList) await set.addPeer(p);
const all = interleave(feed);

const before = threadCpu();
const t0 = performance.now();
let changed = 0;
for (let pos = 0; pos < all.length; pos += ROUND) changed += (await set.applyRound(all.slice(pos, pos + ROUND))).locRib.length;
await set.settle();
const wall = (performance.now() - t0) / 1000;
const rows = [...threadCpu()].map(([t, c]) => ({ t: t === String(process.pid) ? 'main' : t, cpu: c - (before.get(t) ?? 0) })).filter((r) => r.cpu >= 0.05).sort((a, b) => b.cpu - a.cpu);
console.log(`replicas=${replicas} prefixes=${process.env.STREAM ? 'stream' : prefixes} peers=${peerList.length} wall=${wall.toFixed(2)} s cpu=${rows.reduce((a, r) => a + r.cpu, 0).toFixed(1)} s changed=${changed} rss=${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
console.log('thread CPU s: ' + rows.map((r) => `${r.t} ${r.cpu.toFixed(1)}`).join(', '));
console.log('replica used heap MB: ' + set.controllerStatus().replicas.map((r) => `${r.index}/${r.knobs.impl ?? 'a'} ${r.heapUsedMb}`).join(', ') + `; main ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)}`);
await set.close();
