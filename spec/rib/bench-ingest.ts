/**
 * Quick ingest measurement (not a spec): the jinx slice, 35 peers, decoded up front, then applied
 * peer by peer to a fresh engine.  npm run -s build && node dist/spec/rib/bench-ingest.js
 */
import { RoutingEngine } from '../../lib/rib/engine.js';
import { engineOptions } from './fixtures.js';
import { loadJinx } from './jinx.js';

const feeds = await loadJinx();
const routes = feeds.reduce((n, f) => n + f.updates.reduce((m, u) => m + u.nlri.length + (u.mpReach?.nlri.length ?? 0), 0), 0);
for (let run = 0; run < 5; run++) {
  const e = new RoutingEngine(engineOptions());
  const t0 = process.hrtime.bigint();
  for (const f of feeds) e.addPeer(f.peer);
  let deltas = 0;
  for (const f of feeds) for (const u of f.updates) deltas += e.applyUpdate(f.peer.id, u).locRib.length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = e.counts();
  console.log(`run ${run}: ${feeds.length} peers, ${routes} routes in ${ms.toFixed(0)} ms = ${Math.round(routes / (ms / 1000)).toLocaleString('en')} routes/s; ${c.best} best, ${c.paths} paths, ${deltas} Loc-RIB changes, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
}
