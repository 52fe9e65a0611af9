/**
 * No starvation (XORP bug 814, CoNEXT 2009 bug table: a burst of updates from one peer starved KEEPALIVEs
 * and dropped the other sessions). Peer F floods the largest peer table of the real route-views.jinx RIB
 * (lib/mrt ribToUpdates; by default its first 120,000 UPDATEs ≈ 240k prefixes, BTRD_STARVATION_UPDATES=
 * 300000 for the whole 497k-prefix table) as fast as TCP allows, then goes away. Two other sessions have a
 * 3 s hold time: K1 (export policy rejects everything: it gets only KEEPALIVEs) and K2 (receives F's
 * routes). The peers run in worker threads (./starvation-worker.ts) so that their arrival times are not
 * taken on the speaker's event loop; the real JSON API (lib/api) is polled from there every 100 ms. On the
 * main thread, where btrd runs, monitorEventLoopDelay and a 10 ms interval probe measure how long the
 * speaker blocks, and the engine's applyUpdate/removePeer calls are timed.
 *
 * Asserted: btrd takes in the whole table, F's session stays up, K1 gets no route, every API request is
 * answered (within the 5 s client timeout), and F's routes leave the RIB when it goes away. Printed (one
 * JSON line per phase): max gap between KEEPALIVEs at K1/K2, hold-timer NOTIFICATIONs, event-loop delay,
 * API latency, longest engine calls.
 *
 * Also asserted, the starvation invariants proper: K1/K2 stay Established, no 4/0, KEEPALIVE gaps < 2.5 s,
 * the event loop never blocked > 1.5 s, K2 receives the table and sees it withdrawn. (They failed before
 * the speaker sent pending exports in bounded chunks paced by TCP 'drain' and withdrew a departed full
 * table in chunks, one per event-loop turn: one task used to encode or remove a whole table.)
 *
 * btrd runs with its default in-memory FIB (lib/fib): the FIB writer queues Loc-RIB changes and writes
 * them in time slices of a few ms (lib/fib/writer.ts SLICE_MS), so the flood's FIB writes and the departed
 * table's FIB deletions never hold the loop for a whole batch. (Before that change this file ran with
 * `fib: null`: the FIB's writes made the loop stall 0.6–3.5 s here on a loaded machine.)
 * BTRD_STARVATION_REPLICAS=3 runs the same with three voted replicas (a measurement knob; see bench/README.md
 * § FIB for the figures).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBtrd, type RunningBtrd } from '../interop/setup.js';
import { startApiServer, type ApiServer } from '../../lib/api/server.js';
import { dataPath } from '../helpers/corpus.js';
import type { StarvationConfig, StarvationResult } from './starvation-worker.js';

const test = suite('hardening/starvation');

const cfg: StarvationConfig = {
  btrd: { addr: '127.0.0.128', port: 18128 },
  api: { addr: '127.0.0.128', port: 18129 },
  f: { addr: '127.0.0.129', asn: 4200000129 },
  k1: { addr: '127.0.0.130', asn: 4200000130 },
  k2: { addr: '127.0.0.131', asn: 4200000131 },
  rib: dataPath('mrt/rib/routeviews.route-views.jinx.ribs.1401487200.gz'),
  // The largest jinx peer (AS 30844) has 256,185 UPDATEs / 497,321 prefixes; its first 120,000 UPDATEs
  // (~230k prefixes, the table in prefix order) keep the file well within its time budget on a busy box.
  maxUpdates: Number(process.env.BTRD_STARVATION_UPDATES ?? 120000),
};

let btrd: RunningBtrd;
let api: ApiServer;
let flooder: Worker;
let observers: Worker;
/** Longest single synchronous call into the routing engine (instrumented from the test, not in lib/). */
const engine = { applyUpdateMaxMs: 0, removePeerMs: 0 };

test.before(async () => {
  // The flooder starts reading the RIB while the speaker starts.
  flooder = new Worker(new URL('./starvation-worker.js', import.meta.url), { workerData: { ...cfg, role: 'flooder' } });
  observers = new Worker(new URL('./starvation-worker.js', import.meta.url), { workerData: { ...cfg, role: 'observers' } });
  btrd = await startBtrd(`
router-id: 10.0.0.128
asn: 4200000128
listen: [{ address: ${cfg.btrd.addr}, port: ${cfg.btrd.port} }]
api: null
replicas: ${Number(process.env.BTRD_STARVATION_REPLICAS ?? 1)}
peers:
  - { name: f, address: ${cfg.f.addr}, remote-as: ${cfg.f.asn}, passive: true }
  - { name: k1, address: ${cfg.k1.addr}, remote-as: ${cfg.k1.asn}, passive: true, hold-time: 3, export: { default: reject } }
  - { name: k2, address: ${cfg.k2.addr}, remote-as: ${cfg.k2.asn}, passive: true, hold-time: 3 }
`);
  api = await startApiServer({ listen: `${cfg.api.addr}:${cfg.api.port}`, provider: btrd.speaker, info: { routerId: '10.0.0.128', asn: 4200000128, version: 'test' } });
  const e = btrd.speaker.rib;
  const apply = e.applyUpdate.bind(e);
  const remove = e.removePeer.bind(e);
  e.applyUpdate = (id, u) => {
    const t = performance.now();
    try {
      return apply(id, u);
    } finally {
      engine.applyUpdateMaxMs = Math.max(engine.applyUpdateMaxMs, performance.now() - t);
    }
  };
  e.removePeer = (id) => {
    const t = performance.now();
    try {
      return remove(id);
    } finally {
      engine.removePeerMs = Math.max(engine.removePeerMs, performance.now() - t);
    }
  };
});

test.after(async () => {
  await flooder.terminate();
  await observers.terminate();
  await api.close();
  await btrd.stop();
});

function next<T>(worker: Worker, ev: string, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off('message', on);
      reject(new Error(`worker: no '${ev}' within ${ms} ms`));
    }, ms);
    const on = (m: { ev: string; error?: string }): void => {
      if (m.ev !== ev && m.ev !== 'error') return;
      clearTimeout(timer);
      worker.off('message', on);
      if (m.ev === 'error') reject(new Error(`worker: ${m.error}`));
      else resolve(m as T);
    };
    worker.on('message', on);
  });
}
function ask<T>(worker: Worker, cmd: string, ev: string, ms = 10000): Promise<T> {
  const p = next<T>(worker, ev, ms);
  worker.postMessage({ cmd });
  return p;
}

const figures: Record<string, Record<string, unknown>> = {};

/** A second, independent measure of event-loop blocking: the lateness of a 10 ms interval timer. */
function lagProbe(): { stop(): number } {
  let last = performance.now();
  let max = 0;
  const t = setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - 10);
    last = now;
  }, 10);
  return {
    stop: () => {
      clearInterval(t);
      return Math.round(max);
    },
  };
}
/** The FIB writer's queue: how far it lagged behind the Loc-RIB, and in how many slices it caught up. */
function fibFigures(): { entries: number; queuedMax: number; slices: number } | null {
  const st = btrd.speaker.fibTable?.stats();
  return st ? { entries: st.entries, queuedMax: st.queuedMax, slices: st.slices } : null;
}
const states: string[] = [];
let sampler: NodeJS.Timeout | null = null;
const received = (): number => btrd.speaker.neighbors().find((n) => n.name === 'f')?.prefixesReceived ?? 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** "Well under" the 3 s hold time: KEEPALIVEs are due every 1 s (hold/3, jittered down to 0.75 s). */
const MAX_KEEPALIVE_GAP_MS = 2500;
const MAX_LOOP_DELAY_MS = 1500;
const MAX_API_MS = 2000;

/** The starvation invariants: the violations (asserted empty), printed with the figures. */
function starvation(r: StarvationResult, loopMaxMs: number): string[] {
  const v: string[] = states.length > 0 ? [`btrd saw ${[...new Set(states)].join(', ')}`] : [];
  for (const [name, k] of [['K1', r.k1], ['K2', r.k2]] as const) {
    if (k.closed || k.notification) v.push(`${name} closed (NOTIFICATION ${k.notification})`);
    if (k.maxKeepaliveGapMs >= MAX_KEEPALIVE_GAP_MS) v.push(`${name} KEEPALIVE gap ${k.maxKeepaliveGapMs} ms`);
  }
  if (r.api.maxMs >= MAX_API_MS) v.push(`API latency ${r.api.maxMs} ms`);
  if (loopMaxMs >= MAX_LOOP_DELAY_MS) v.push(`event loop blocked ${loopMaxMs} ms`);
  return v;
}

test('one peer floods a full table as fast as TCP allows: btrd takes it all in and the API keeps answering (starvation figures printed)', async () => {
  await ask(observers, 'connect', 'connected', 15000);
  const { expected } = await ask<{ expected: number }>(flooder, 'connect', 'connected', 25000);
  sampler = setInterval(() => {
    for (const n of btrd.speaker.neighbors()) if (n.state !== 'established' && n.name !== 'f') states.push(`${n.name} ${n.state}`);
    btrd.speaker.summary();
  }, 50);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  await ask(observers, 'mark', 'marked');
  loop.enable();
  const probe = lagProbe();
  const t0 = performance.now();
  const written = await ask<{ ms: number; messages: number }>(flooder, 'flood', 'flood-written', 30000);
  // Until btrd has taken in the whole table, then 3.5 s more (several keepalive periods of the 3 s sessions).
  while (received() < expected && performance.now() - t0 < 30000) await sleep(100);
  const processedMs = Math.round(performance.now() - t0);
  await sleep(3500);
  loop.disable();
  const probeMaxMs = probe.stop();
  const fState = btrd.speaker.neighbors().find((n) => n.name === 'f')?.state;
  const r = await ask<StarvationResult>(observers, 'measure', 'result');
  const loopMaxMs = Math.round(loop.max / 1e6);
  figures.flood = { updates: written.messages, prefixes: expected, writtenMs: written.ms, processedMs, windowMs: r.measuredMs, k1: r.k1, k2: r.k2, api: r.api, eventLoopDelayMs: { max: loopMaxMs, p99: Math.round(loop.percentile(99) / 1e6), mean: Math.round(loop.mean / 1e6), intervalProbeMax: probeMaxMs }, engineApplyUpdateMaxMs: Math.round(engine.applyUpdateMaxMs), fib: fibFigures() };
  console.log(JSON.stringify({ ...figures.flood, starvation: starvation(r, Math.max(loopMaxMs, probeMaxMs)) }));

  assert.is(received(), expected, 'btrd took in the whole table');
  assert.is(btrd.speaker.fibTable?.size(), expected, 'and its FIB holds it');
  assert.is(fState, 'established');
  assert.is(r.k1.updates, 1, 'K1 (export: reject) got no route, only its End-of-RIB');
  assert.is(r.api.failures, 0, 'every API request answered');
  assert.equal(starvation(r, Math.max(loopMaxMs, probeMaxMs)), [], 'no starvation (XORP bug 814)');
  assert.ok(r.k2.livePrefixes > 0, 'K2 receives the flooded routes');
});

test('the flooding peer goes away: its table leaves the RIB and the API keeps answering (starvation figures printed)', async () => {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  await ask(observers, 'mark', 'marked');
  loop.enable();
  const probe = lagProbe();
  const t0 = performance.now();
  await ask(flooder, 'teardown', 'teardown-sent', 15000);
  while (btrd.speaker.summary().paths > 0 && performance.now() - t0 < 20000) await sleep(100);
  const processedMs = Math.round(performance.now() - t0);
  await sleep(3500);
  loop.disable();
  const probeMaxMs = probe.stop();
  if (sampler) clearInterval(sampler);
  const r = await ask<StarvationResult>(observers, 'measure', 'result');
  const loopMaxMs = Math.round(loop.max / 1e6);
  figures.teardown = { processedMs, windowMs: r.measuredMs, k1: r.k1, k2: r.k2, api: r.api, eventLoopDelayMs: { max: loopMaxMs, p99: Math.round(loop.percentile(99) / 1e6), mean: Math.round(loop.mean / 1e6), intervalProbeMax: probeMaxMs }, engineRemovePeerMs: Math.round(engine.removePeerMs), fib: fibFigures() };
  console.log(JSON.stringify({ ...figures.teardown, starvation: starvation(r, Math.max(loopMaxMs, probeMaxMs)) }));
  await ask(observers, 'close', 'closed');

  assert.is(btrd.speaker.summary().paths, 0, "F's routes are gone");
  assert.is(btrd.speaker.fibTable?.size(), 0, 'from the FIB too');
  assert.is(r.api.failures, 0, 'every API request answered');
  assert.equal(starvation(r, Math.max(loopMaxMs, probeMaxMs)), [], 'no starvation while a full table leaves');
  assert.is(r.k2.livePrefixes, 0, 'K2 sees the whole table withdrawn');
});

test.run();
