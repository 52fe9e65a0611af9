/**
 * Ingest speed, variant A vs variant B, on the jinx slice (35 eBGP peers, 270,005 routes over 9,072
 * prefixes), decoded up front, applied peer by peer to a fresh engine (like spec/rib/bench-ingest.ts).
 * Not a spec:  npm run -s build && node dist/spec/decision/variant-b/bench-ingest.js [runs]
 */
import { RoutingEngine } from '../../../lib/rib/engine.js';
import { IncrementalEngine } from '../../../lib/decision/variant-b/index.js';
import type { DecisionEngine } from '../../../lib/rib/decision-engine.js';
import type { EngineOptions } from '../../../lib/rib/types.js';
import { engineOptions } from '../../rib/fixtures.js';
import { loadJinx } from '../../rib/jinx.js';

const feeds = await loadJinx();
const routes = feeds.reduce((n, f) => n + f.updates.reduce((m, u) => m + u.nlri.length + (u.mpReach?.nlri.length ?? 0), 0), 0);
const runs = Number(process.argv[2] ?? 5);
const variants: [string, (o: EngineOptions) => DecisionEngine][] = [
  ['A RoutingEngine', (o) => new RoutingEngine(o)],
  ['B IncrementalEngine', (o) => new IncrementalEngine(o)],
];
const best = new Map<string, number>();
for (let run = 0; run < runs; run++) {
  for (const [name, make] of run % 2 === 0 ? variants : [...variants].reverse()) {
    globalThis.gc?.();
    const e = make(engineOptions());
    const t0 = process.hrtime.bigint();
    for (const f of feeds) e.addPeer(f.peer);
    let deltas = 0;
    for (const f of feeds) for (const u of f.updates) deltas += e.applyUpdate(f.peer.id, u).locRib.length;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const rate = routes / (ms / 1000);
    best.set(name, Math.max(best.get(name) ?? 0, rate));
    const c = e.counts();
    console.log(`run ${run} ${name.padEnd(20)} ${routes} routes in ${ms.toFixed(0).padStart(5)} ms = ${Math.round(rate).toLocaleString('en').padStart(9)} routes/s; ${c.best} best, ${c.paths} paths, ${deltas} Loc-RIB changes, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
  }
}
for (const [name, rate] of best) console.log(`best of ${runs}: ${name.padEnd(20)} ${Math.round(rate).toLocaleString('en')} routes/s`);
