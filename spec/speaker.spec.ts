/**
 * The speaker end to end over real TCP sessions with in-repo injectors (raw BGP speakers built on lib/wire,
 * not on lib/session): route propagation with End-of-RIB, RFC 7606 treat-as-withdraw keeping the session
 * up, ROUTE-REFRESH answered with the Adj-RIB-Out, max-prefix Cease (RFC 4486) and a malformed header
 * that resets only its own session.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Injector } from '../lib/inject/injector.js';
import { encodeUpdate, decodeUpdate } from '../lib/wire/update.js';
import { encodeRouteRefresh } from '../lib/wire/route-refresh.js';
import { frameMessage } from '../lib/wire/framing.js';
import { formatPrefix, parsePrefix } from '../lib/wire/prefix.js';
import type { Message } from '../lib/wire/message.js';
import type { PathAttributes } from '../lib/wire/types.js';
import { waitFor } from './helpers/processes.js';
import { startBtrd, type RunningBtrd } from './interop/setup.js';

/** Decision replicas: 1 here; spec/speaker-replicated.spec.ts runs the same tests with 3 voted replicas. */
const REPLICAS = Number(process.env.BTRD_SPEC_REPLICAS ?? 1);
const NET = REPLICAS === 1 ? '127.0.0.' : '127.0.1.';
const speaker = suite(REPLICAS === 1 ? 'speaker' : `speaker (${REPLICAS} replicas)`);

const BTRD = { addr: `${NET}80`, port: 17980 + REPLICAS, asn: 4200000080 };
const A = { addr: `${NET}81`, asn: 4200000081 };
const B = { addr: `${NET}82`, asn: 4200000082 };
const C = { addr: `${NET}83`, asn: 4200000083 };
const D = { addr: `${NET}84`, asn: 4200000084 };
const E = { addr: `${NET}85`, asn: 4200000085 };
const F = { addr: `${NET}86`, asn: 4200000086 };

let btrd: RunningBtrd;
const open: Injector[] = [];

const attrs = (asn: number, nextHop: string): PathAttributes => ({ origin: 0, asPath: [{ type: 2, asns: [asn, 3356] }], nextHop });
const prefixes = (n: number, second: number): string[] => Array.from({ length: n }, (_, i) => `10.${second}.${i}.0/24`);

function announced(received: readonly Message[]): Map<string, PathAttributes | null> {
  const table = new Map<string, PathAttributes | null>();
  for (const m of received) {
    if (m.type !== 'update') continue;
    for (const k of m.update.withdrawn) table.set(formatPrefix(k), null);
    for (const k of m.update.nlri) table.set(formatPrefix(k), m.update.attributes);
  }
  return table;
}
const live = (t: Map<string, PathAttributes | null>): string[] => [...t].filter(([, a]) => a !== null).map(([p]) => p).sort();

async function connect(who: { addr: string; asn: number }): Promise<Injector> {
  const inj = await Injector.connect({ remoteAddress: BTRD.addr, remotePort: BTRD.port, localAddress: who.addr, localAs: who.asn, routerId: who.addr.replace('127.', '10.') });
  open.push(inj);
  return inj;
}

speaker.before(async () => {
  btrd = await startBtrd(`
router-id: 10.0.0.80
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
replicas: ${REPLICAS}
peers:
  - { name: a, address: ${A.addr}, remote-as: ${A.asn}, passive: true }
  - { name: b, address: ${B.addr}, remote-as: ${B.asn}, passive: true, next-hop-address: { ipv4: 198.51.100.80 } }
  - { name: c, address: ${C.addr}, remote-as: ${C.asn}, passive: true, max-prefixes: { limit: 10, warning-percent: 50 } }
  - { name: d, address: ${D.addr}, remote-as: ${D.asn}, passive: true }
  - { name: f, address: ${F.addr}, remote-as: ${F.asn}, passive: true, import: { default: reject, terms: [] } }
  - { name: e, address: ${E.addr}, remote-as: ${E.asn}, passive: true, export: { default: accept, terms: [{ action: accept, set: { prepend: 32 } }] } }
`);
});

speaker.after(async () => {
  for (const i of open) await i.close().catch(() => undefined);
  await btrd.stop();
});

speaker('routes from A reach B with btrd prepended and next hop rewritten; End-of-RIB follows the initial table', async () => {
  const a = await connect(A);
  const b = await connect(B);
  const ps = prefixes(50, 1);
  await a.send([encodeUpdate({ attributes: attrs(A.asn, '192.0.2.81'), nlri: ps.map(parsePrefix) }, { fourOctetAs: true })]);
  await waitFor('B to receive 50 routes', () => (live(announced(b.received)).length === 50 ? true : undefined), 10000, 50);
  const table = announced(b.received);
  assert.equal(live(table), [...ps].sort());
  const one = table.get(ps[0])!;
  assert.equal(one.asPath, [{ type: 2, asns: [BTRD.asn, A.asn, 3356] }]);
  assert.is(one.nextHop, '198.51.100.80');
  // RFC 4724 §2: the End-of-RIB marker (an empty UPDATE) arrived right after B's (empty) initial table.
  const firstUpdate = b.received.find((m) => m.type === 'update');
  assert.ok(firstUpdate && firstUpdate.type === 'update' && firstUpdate.update.nlri.length === 0 && firstUpdate.update.attributes === null);
});

speaker('a peer\'s initial table is reported as progress, ending at its End-of-RIB (issue 7)', async () => {
  const f = await connect(F);
  const msgs = Array.from({ length: 7 }, (_, i) => encodeUpdate({ attributes: attrs(F.asn, '192.0.2.86'), nlri: prefixes(3, 140 + i).map(parsePrefix) }, { fourOctetAs: true }));
  await f.send(msgs);
  await f.sendEndOfRib();
  const done = (): string | undefined => btrd.logs.find((l) => l.includes('initial table from f: done'));
  await waitFor('the initial-table progress to finish', () => (done() ? true : undefined), 10000, 50);
  assert.is(JSON.parse(done()!).done, 7, 'one count per UPDATE received before End-of-RIB');
});

speaker('a malformed ORIGIN is treat-as-withdraw (RFC 7606 §7.1): the route is withdrawn downstream, the session stays up', async () => {
  const [a, b] = open;
  const victim = prefixes(50, 1)[7];
  const good = encodeUpdate({ attributes: attrs(A.asn, '192.0.2.81'), nlri: [parsePrefix(victim)] }, { fourOctetAs: true });
  // Re-write ORIGIN's value to 7 (undefined) in the encoded message.
  const bad = good.slice();
  const body = frameMessage(bad).body;
  const originAt = 19 + 4 + 3; // header, withdrawn length + attribute length fields, ORIGIN flags/type/length
  assert.is(bad[originAt - 2], 1, 'ORIGIN is the first attribute');
  bad[originAt] = 7;
  assert.is(decodeUpdate(body, { fourOctetAs: true }, null).treatment, 'treat-as-withdraw');
  await a.send([bad]);
  await waitFor('B to see the withdrawal', () => (announced(b.received).get(victim) === null ? true : undefined), 10000, 50);
  assert.is(a.closed, null, 'A is still connected');
  assert.is(btrd.speaker.neighbors().find((n) => n.name === 'a')?.state, 'established');
});

speaker('ROUTE-REFRESH is answered by re-sending the Adj-RIB-Out (RFC 2918 §4)', async () => {
  const b = open[1];
  const before = b.received.length;
  await b.send([encodeRouteRefresh({ afi: 1, subtype: 0, safi: 1 })]);
  await waitFor('the table again', () => (live(announced(b.received.slice(before))).length === 49 ? true : undefined), 10000, 50);
});

speaker('more prefixes than max-prefixes closes the session with Cease 6/1 and the limit as data (RFC 4486 §4)', async () => {
  const c = await connect(C);
  const b = open[1];
  await c.send([encodeUpdate({ attributes: attrs(C.asn, '192.0.2.83'), nlri: prefixes(20, 3).map(parsePrefix) }, { fourOctetAs: true })]);
  await waitFor('C to be closed', () => (c.closed ? true : undefined), 10000, 50);
  const n = c.received.find((m) => m.type === 'notification');
  assert.ok(n && n.type === 'notification', `C closed with ${String(c.closed)}; received ${c.received.map((m) => m.type).join(',')}; ${btrd.logs.filter((l) => l.includes('"c"')).slice(-5).join('')}`);
  assert.equal([n.notification.code, n.notification.subcode], [6, 1]);
  assert.equal([...n.notification.data], [0, 1, 1, 0, 0, 0, 10]);
  // Nothing of C's stays at B.
  await waitFor('no route of C at B', () => (live(announced(b.received)).every((p) => !p.startsWith('10.3.')) ? true : undefined), 10000, 50);
  assert.ok(btrd.logs.some((l) => l.includes('max-prefix warning threshold reached')));
});

speaker('a broken message header resets only that session (NOTIFICATION 1/1); the others stay up', async () => {
  const d = await connect(D);
  // Send 19 zero octets on D's own session: a marker that is not all ones (RFC 4271 §6.1).
  await d.send([new Uint8Array(19)]);
  await waitFor('D to be closed', () => (d.closed ? true : undefined), 10000, 50);
  const n = d.received.find((m) => m.type === 'notification');
  assert.ok(n && n.type === 'notification');
  assert.equal([n.notification.code, n.notification.subcode], [1, 1]);
  assert.is(btrd.speaker.neighbors().find((x) => x.name === 'a')?.state, 'established');
  assert.is(btrd.speaker.neighbors().find((x) => x.name === 'b')?.state, 'established');
});

speaker('a route whose attributes no longer fit in 4096 octets for a peer is not sent to it; nothing crashes (fuzz finding)', async () => {
  const a = open[0];
  const e = await connect(E);
  const before = e.received.length;
  // 1,000 4-octet ASNs (4,000 octets) fit A's message and B's; btrd's own AS plus E's export prepend (32) do not.
  const long = encodeUpdate({ attributes: { origin: 0, asPath: [{ type: 2, asns: Array.from({ length: 1000 }, (_, i) => 4200001000 + i) }], nextHop: '192.0.2.81' }, nlri: [parsePrefix('10.9.0.0/16')] }, { fourOctetAs: true });
  assert.ok(long.length <= 4096 && long.length > 4000, `message of ${long.length} octets`);
  const fine = encodeUpdate({ attributes: attrs(A.asn, '192.0.2.81'), nlri: [parsePrefix('10.9.1.0/24')] }, { fourOctetAs: true });
  await a.send([long, fine]);
  await waitFor('E to get the route that fits', () => (live(announced(e.received.slice(before))).includes('10.9.1.0/24') ? true : undefined), 10000, 50);
  assert.not.ok(live(announced(e.received)).includes('10.9.0.0/16'), 'the oversized route is not advertised to E');
  assert.ok(btrd.logs.some((l) => l.includes('route attributes too large for this peer')));
  assert.is(e.closed, null);
  assert.is(btrd.speaker.neighbors().find((n) => n.name === 'e')?.state, 'established');
  // B (no prepend) still gets the long route: it fits there.
  await waitFor('B to get the long route', () => (live(announced(open[1].received)).includes('10.9.0.0/16') ? true : undefined), 10000, 50);
});

speaker.run();
