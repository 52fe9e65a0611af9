/**
 * Bounded input with one engine (replicas: 1), on the path where UPDATEs do wait (issue 8, "a peer that
 * sends faster than btrd can process is slowed down, not buffered without bound"). With the synchronous
 * engine a received chunk is processed at once — except while the peer's previous session's table is still
 * leaving the engine (lib/speaker.ts withdrawPeer: a full table is withdrawn in chunks, one per event-loop
 * turn). Meanwhile the new session's UPDATEs are deferred (`rt.deferred`), counted in the peer's input
 * budget, and reading pauses at the bound: the kernel's receive window slows the peer.
 *
 * Peer F first announces a big synthetic table (OLD_TABLE /32s in 10.0.0.0/8, 800 per UPDATE: quick to send,
 * slow to withdraw — 5,000 prefixes per turn), closes (Cease), reconnects as soon as btrd's IdleHoldTimer
 * (1 s here) lets it, and floods the first FEED UPDATEs of the real AS 30844 table (route-views jinx RIB,
 * default 20,000 ≈ 40k prefixes) as fast as TCP allows while the old table is still being withdrawn.
 * Witness W (3 s hold time) receives F's routes. Asserted: btrd's input gauge (sampled every 10 ms, and its exact peak) never exceeds the
 * bound; the first flood never queued (the synchronous path) and the second paused reading at least once
 * (the deferral hit the bound); F's sends were receive-window limited (ss -i, Linux tcp_info); nothing is
 * lost — after the old table left, every prefix of the new session is in the Adj-RIB-In and at W; W stayed
 * up with KEEPALIVE gaps < 3 s.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readMrt } from '../../lib/mrt/reader.js';
import { ribToUpdates } from '../../lib/mrt/to-updates.js';
import { frameMessage } from '../../lib/wire/framing.js';
import { decodeUpdate, encodeEndOfRib } from '../../lib/wire/update.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import { startBtrd, type RunningBtrd } from '../interop/setup.js';
import { dataPath } from '../helpers/corpus.js';
import { attr, connectPeer, drainOrClose, u32, updateBody, type TestPeer } from './peer.js';
import { encodeMessage } from '../../lib/wire/framing.js';

const test = suite('hardening/backpressure-deferral');

const BOUND = Number(process.env.BTRD_DEFERRAL_BOUND ?? 131072);
const FEED = Number(process.env.BTRD_DEFERRAL_UPDATES ?? 20000);
const OLD_TABLE = Number(process.env.BTRD_DEFERRAL_OLD_TABLE ?? 400000);
const RIB = 'mrt/rib/routeviews.route-views.jinx.ribs.1401487200.gz';
/** Below W's 3 s hold time (W runs on btrd's thread: a stall counts twice; see backpressure.spec.ts). */
const MAX_KEEPALIVE_GAP_MS = 3000;
const ADDR = { btrd: '127.0.10.101', f: '127.0.10.102', w: '127.0.10.103' };
const PORT = 20101;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let messages: Uint8Array[] = [];
let prefixes = 0;

test.before(async () => {
  const per = new Map<number, Uint8Array[]>();
  for await (const u of ribToUpdates(readMrt(dataPath(RIB)))) {
    let l = per.get(u.peerIndex);
    if (!l) per.set(u.peerIndex, (l = []));
    l.push(u.message);
    if (l.length >= FEED) break;
  }
  messages = [...per.values()].sort((a, b) => b.length - a.length)[0];
  const seen = new Set<string>();
  for (const m of messages) for (const k of decodeUpdate(frameMessage(m).body, { fourOctetAs: true }, null).nlri) seen.add(formatPrefix(k));
  prefixes = seen.size;
});

/** OLD_TABLE host routes 10.x.y.z/32, 800 per UPDATE, AS_PATH [F], NEXT_HOP F (4-octet-AS session). */
function syntheticTable(): Uint8Array[] {
  const attrs = [attr(0x40, 1, [0]), attr(0x40, 2, [2, 1, ...u32(4200010102)]), attr(0x40, 3, [127, 0, 10, 102])];
  const out: Uint8Array[] = [];
  for (let at = 0; at < OLD_TABLE; at += 800) {
    const nlri: number[] = [];
    for (let i = at; i < Math.min(OLD_TABLE, at + 800); i++) nlri.push(32, 10, (i >> 16) & 255, (i >> 8) & 255, i & 255);
    out.push(encodeMessage(2, updateBody(attrs, nlri)));
  }
  return out;
}

/** Write everything as fast as TCP allows (wait for 'drain' whenever the socket says so). */
async function flood(p: TestPeer, what: readonly Uint8Array[]): Promise<{ ms: number; drainWaits: number }> {
  const t0 = performance.now();
  let drainWaits = 0;
  for (const m of [...what, encodeEndOfRib(1, 1)]) {
    if (p.closed) throw new Error('flooding peer closed');
    if (!p.socket.write(m)) {
      drainWaits++;
      await drainOrClose(p.socket);
    }
  }
  return { ms: Math.round(performance.now() - t0), drainWaits };
}

/** ms the kernel held the flooder's sends back for btrd's receive window (tcpi_rwnd_limited). */
function rwndLimitedMs(local: string): { ms: number; line: string } {
  const line = execFileSync('ss', ['-tinH', 'src', local], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  return { ms: Number(/rwnd_limited:(\d+)ms/.exec(line)?.[1] ?? 0), line };
}

test('replicas: 1 — a reconnecting peer floods while its old table is still leaving: deferred input stays under the bound, TCP slows the peer, nothing lost', async () => {
  let btrd: RunningBtrd | null = null;
  let f: TestPeer | null = null;
  let w: TestPeer | null = null;
  try {
    btrd = await startBtrd(`
router-id: 10.0.10.101
asn: 4200010100
listen: [{ address: ${ADDR.btrd}, port: ${PORT} }]
api: null
replicas: 1
limits: { max-queued-input-bytes: ${BOUND} }
peers:
  - { name: f, address: ${ADDR.f}, remote-as: 4200010102, passive: true, idle-hold-time: 1 }
  - { name: w, address: ${ADDR.w}, remote-as: 4200010103, passive: true, hold-time: 3 }
`);
    const speaker = btrd.speaker;
    const common = { host: ADDR.btrd, port: PORT };
    const peerF = { ...common, localAddress: ADDR.f, asn: 4200010102, routerId: '10.0.10.102', holdTime: 90 };
    const nf = (): ReturnType<typeof speaker.neighbors>[number] => speaker.neighbors().find((n) => n.name === 'f')!;
    w = await connectPeer({ ...common, localAddress: ADDR.w, asn: 4200010103, routerId: '10.0.10.103', holdTime: 3, lazyUpdates: true });
    f = await connectPeer(peerF);
    const t0 = performance.now();
    await flood(f, syntheticTable());
    while (nf().prefixesReceived < OLD_TABLE && performance.now() - t0 < 60000) await sleep(50);
    assert.is(nf().prefixesReceived, OLD_TABLE, 'the old table taken in');
    const first = nf().input!;
    assert.is(first.pauses, 0, 'the synchronous engine queued nothing during the first flood');

    // F goes away and comes back at once: its old table leaves in chunks while the new session floods.
    await f.close();
    while (nf().state === 'established' && performance.now() - t0 < 60000) await sleep(5);
    f = await connectPeer(peerF);
    const oldTableLeaving = speaker.summary().paths > 0;
    let sampledMax = 0;
    const sampler = setInterval(() => (sampledMax = Math.max(sampledMax, nf().input!.queuedBytes)), 10);
    const t1 = performance.now();
    const written = await flood(f, messages);
    const tcp = rwndLimitedMs(ADDR.f);
    while (nf().prefixesReceived < prefixes && performance.now() - t1 < 60000) await sleep(50);
    const processedMs = Math.round(performance.now() - t1);
    // W's copy: wait until it has received nothing new for 1 s (frames counted, not decoded: same thread).
    await w.waitQuiet(t1);
    const end = performance.now();
    clearInterval(sampler);
    const s = nf().input!;
    const kas = [t0, ...w.frames.filter((x) => x.type === 4 && x.at >= t0).map((x) => x.at), end];
    let gap = 0;
    for (let i = 1; i < kas.length; i++) gap = Math.max(gap, kas[i] - kas[i - 1]);
    const wPrefixes = [...w.table().values()].filter((a) => a !== null).length;
    console.log(JSON.stringify({ oldTable: OLD_TABLE, updates: messages.length, prefixes, boundBytes: BOUND, oldTableLeaving, peakQueuedBytes: s.peakQueuedBytes, sampledMaxQueuedBytes: sampledMax, pauses: s.pauses, pausedMs: s.pausedMs, flooder: { ...written, rwndLimitedMs: tcp.ms }, processedMs, witness: { maxKeepaliveGapMs: Math.round(gap), prefixes: wPrefixes } }));

    assert.ok(oldTableLeaving, 'the reconnect raced the withdrawal of the old table');
    assert.ok(s.pauses >= 1, 'the deferred input reached the bound and reading paused');
    assert.ok(s.peakQueuedBytes <= BOUND, `queued input peaked at ${s.peakQueuedBytes} > bound ${BOUND}`);
    assert.ok(sampledMax <= BOUND, `sampled queued input ${sampledMax} > bound ${BOUND}`);
    assert.ok(s.peakQueuedBytes > BOUND / 2, 'input was really queued (deferral path taken)');
    assert.is(s.paused, false, 'reading resumed');
    assert.is(s.queuedBytes, 0, 'nothing left queued');
    assert.ok(tcp.ms > 0, `the flooder was receive-window limited (ss: ${tcp.line})`);
    assert.is(nf().state, 'established');
    assert.is(nf().prefixesReceived, prefixes, "every prefix of the new session is in the Adj-RIB-In (nothing deferred was lost, nothing of the old table left)");
    assert.is(speaker.summary().paths, prefixes, 'the Loc-RIB holds exactly the new copy');
    assert.is(wPrefixes, prefixes, 'and W has it');
    assert.is(w.closed, false, 'the 3 s hold-time witness stayed up');
    assert.is(w.notification, null);
    assert.ok(gap < MAX_KEEPALIVE_GAP_MS, `witness KEEPALIVE gap ${Math.round(gap)} ms`);
  } finally {
    await f?.close().catch(() => undefined);
    await w?.close().catch(() => undefined);
    await btrd?.stop();
  }
});

test.run();
