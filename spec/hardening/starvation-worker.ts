/**
 * The peers of spec/hardening/starvation.spec.ts, in worker threads so that their clocks and sockets do
 * not share the event loop of the speaker under test (btrd runs in-process on the main thread). Two roles
 * (workerData.role), each in its own thread so that flooding does not delay the measurements:
 *
 *   - 'flooder': F floods the largest peer table of the route-views.jinx RIB (lib/mrt ribToUpdates) as
 *     fast as TCP allows (write until back-pressure, resume on 'drain'), then later goes away (Cease).
 *   - 'observers': K1 and K2 hold sessions with a 3 s hold time; K1's export policy rejects everything (it
 *     receives only KEEPALIVEs), K2 receives F's routes (kept raw, decoded only at the end, so this thread
 *     stays idle and arrival times are exact). The real JSON API (lib/api) is polled every 100 ms and each
 *     request's latency recorded.
 *
 * Commands (postMessage {cmd}) and answers ({ev}): flooder: connect → connected {expected}, flood →
 * flood-written {ms, messages}, teardown → teardown-sent, close → closed. observers: connect → connected,
 * mark → marked (start of a measurement window, this thread's clock), measure → result, close → closed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { request } from 'node:http';
import { readMrt } from '../../lib/mrt/reader.js';
import { ribToUpdates } from '../../lib/mrt/to-updates.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { decodeUpdate, encodeEndOfRib } from '../../lib/wire/update.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import { connectPeer, type TestPeer } from './peer.js';

export interface StarvationConfig {
  role?: 'flooder' | 'observers';
  btrd: { addr: string; port: number };
  api: { addr: string; port: number };
  f: { addr: string; asn: number };
  k1: { addr: string; asn: number };
  k2: { addr: string; asn: number };
  rib: string;
  /** Stop reading the RIB once one peer has this many UPDATEs (the table is in prefix order). */
  maxUpdates: number;
}

export interface PeerGaps {
  /** Max gap between consecutive KEEPALIVEs received during the measurement window (ms). */
  maxKeepaliveGapMs: number;
  /** Max gap between consecutive messages of any type (ms). */
  maxMessageGapMs: number;
  keepalives: number;
  updates: number;
  livePrefixes: number;
  closed: boolean;
  notification: string | null;
}

export interface StarvationResult {
  ev: 'result';
  measuredMs: number;
  k1: PeerGaps;
  k2: PeerGaps;
  api: { requests: number; failures: number; maxMs: number; p99Ms: number };
}

const cfg = workerData as StarvationConfig;
const port = parentPort!;
const common = { host: cfg.btrd.addr, port: cfg.btrd.port };

function reply(f: (msg: { cmd: string }) => Promise<void>): void {
  port.on('message', (msg: { cmd: string }) => {
    f(msg).catch((e: unknown) => port.postMessage({ ev: 'error', error: e instanceof Error ? e.stack ?? e.message : String(e) }));
  });
}

// ── flooder ─────────────────────────────────────────────────────────────────────────────────────────

async function loadFeed(): Promise<{ messages: Uint8Array[]; prefixes: number }> {
  const per = new Map<number, Uint8Array[]>();
  for await (const u of ribToUpdates(readMrt(cfg.rib))) {
    let l = per.get(u.peerIndex);
    if (!l) per.set(u.peerIndex, (l = []));
    l.push(u.message);
    if (l.length >= cfg.maxUpdates) break;
  }
  const messages = [...per.values()].sort((a, b) => b.length - a.length)[0];
  const seen = new Set<string>();
  for (const m of messages) {
    const u = decodeUpdate(frameMessage(m).body, { fourOctetAs: true }, null);
    for (const k of u.nlri) seen.add(formatPrefix(k));
    for (const k of u.mpReach?.nlri ?? []) seen.add(formatPrefix(k));
  }
  return { messages, prefixes: seen.size };
}

function flooder(): void {
  const feed = loadFeed();
  let f: TestPeer;
  reply(async (msg) => {
    if (msg.cmd === 'connect') {
      const { prefixes } = await feed;
      f = await connectPeer({ ...common, localAddress: cfg.f.addr, asn: cfg.f.asn, routerId: '10.9.0.3', holdTime: 90 });
      port.postMessage({ ev: 'connected', expected: prefixes });
    } else if (msg.cmd === 'flood') {
      const { messages } = await feed;
      const t0 = performance.now();
      await f.send(messages);
      await f.send([encodeEndOfRib(1, 1)]);
      port.postMessage({ ev: 'flood-written', ms: Math.round(performance.now() - t0), messages: messages.length, closed: f.closed });
    } else if (msg.cmd === 'teardown') {
      await f.close();
      port.postMessage({ ev: 'teardown-sent' });
    } else if (msg.cmd === 'close') {
      await f.close().catch(() => undefined);
      port.postMessage({ ev: 'closed' });
    }
  });
}

// ── observers ───────────────────────────────────────────────────────────────────────────────────────

function gaps(p: TestPeer, from: number, to: number): PeerGaps {
  const inWindow = (t: number): boolean => t >= from && t <= to;
  const maxGap = (times: number[]): number => {
    // The gaps running into the window's start and out of its end count too.
    const all = [from, ...times.filter(inWindow), to];
    let m = 0;
    for (let i = 1; i < all.length; i++) m = Math.max(m, all[i] - all[i - 1]);
    return Math.round(m);
  };
  const ka = p.frames.filter((f) => f.type === 4).map((f) => f.at);
  return {
    maxKeepaliveGapMs: maxGap(ka),
    maxMessageGapMs: maxGap(p.frames.map((f) => f.at)),
    keepalives: ka.filter(inWindow).length,
    updates: p.frames.filter((f) => f.type === 2).length,
    livePrefixes: [...p.table().values()].filter((a) => a !== null).length,
    closed: p.closed,
    notification: p.notification ? `${p.notification.code}/${p.notification.subcode}` : null,
  };
}

function get(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: cfg.api.addr, port: cfg.api.port, path, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function observers(): void {
  let k1: TestPeer, k2: TestPeer;
  let mark = 0;
  let polling = false;
  const apiTimes: { at: number; ms: number }[] = [];
  let apiFailures = 0;
  const poll = async (): Promise<void> => {
    for (let i = 0; polling; i++) {
      const t0 = performance.now();
      try {
        await get(i % 2 === 0 ? '/neighbors' : '/rib/summary');
        apiTimes.push({ at: t0, ms: performance.now() - t0 });
      } catch {
        apiFailures++;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  reply(async (msg) => {
    if (msg.cmd === 'connect') {
      k1 = await connectPeer({ ...common, localAddress: cfg.k1.addr, asn: cfg.k1.asn, routerId: '10.9.0.1', holdTime: 3 });
      k2 = await connectPeer({ ...common, localAddress: cfg.k2.addr, asn: cfg.k2.asn, routerId: '10.9.0.2', holdTime: 3, lazyUpdates: true });
      polling = true;
      void poll();
      port.postMessage({ ev: 'connected' });
    } else if (msg.cmd === 'mark') {
      mark = performance.now();
      apiFailures = 0;
      port.postMessage({ ev: 'marked' });
    } else if (msg.cmd === 'measure') {
      const end = performance.now();
      const times = apiTimes.filter((t) => t.at >= mark).map((t) => t.ms).sort((a, b) => a - b);
      const result: StarvationResult = {
        ev: 'result',
        measuredMs: Math.round(end - mark),
        k1: gaps(k1, mark, end),
        k2: gaps(k2, mark, end),
        api: { requests: times.length, failures: apiFailures, maxMs: Math.round(times[times.length - 1] ?? -1), p99Ms: Math.round(times[Math.floor(times.length * 0.99)] ?? -1) },
      };
      port.postMessage(result);
    } else if (msg.cmd === 'close') {
      polling = false;
      for (const p of [k1, k2]) await p.close().catch(() => undefined);
      port.postMessage({ ev: 'closed' });
    }
  });
}

if (cfg.role === 'flooder') flooder();
else observers();
