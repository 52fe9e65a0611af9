/**
 * Only configured peers may connect, and a configured peer with a wrong OPEN gets the RFC 4271 §6.2
 * NOTIFICATION — over real TCP against the running speaker (in-process, real YAML config).
 *
 *  - An unknown source address: the connection is closed at once, nothing is sent back (not even an OPEN
 *    or a NOTIFICATION), and no session state appears (btrd's neighbors() is identical before and after,
 *    also after a burst of 50 such connections).
 *  - OPEN with a wrong AS → 2/2 (both with the 4-octet AS capability and in the 2-octet My AS field);
 *    BGP identifier 0.0.0.0 → 2/3, an internal peer using btrd's own identifier → 2/3 (RFC 6286 §2.2);
 *    version 5 → 2/1 with data 0x0004 (the largest version btrd supports below the bid, RFC 4271 §6.2),
 *    version 3 → 2/1; hold time 1 and 2 → 2/6; an unrecognized optional parameter → 2/4.
 *    In each case btrd's OPEN comes first, then the NOTIFICATION, then the close; the session never
 *    reaches Established, and a correctly configured peer stays Established throughout.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startBtrd, type RunningBtrd } from '../interop/setup.js';
import { connectPeer, standardOpen, TestPeer, type TestPeerOptions } from './peer.js';
import { encodeOpen, type OpenMessage } from '../../lib/wire/open.js';
import { AS_TRANS } from '../../lib/wire/iana.js';

const test = suite('hardening/access');

const BTRD = { addr: '127.0.0.116', port: 18116, asn: 4200000116, id: '10.0.0.116' };
const GOOD = { addr: '127.0.0.117', asn: 4200000117 };
const UNKNOWN = '127.0.0.126';

interface OpenCase {
  name: string;
  addr: string;
  /** Configured remote AS. */
  asn: number;
  open: (o: OpenMessage) => OpenMessage;
  notification: [number, number];
  data?: number[];
}

const fourOctet = (asn: number) => ({ kind: 'four-octet-as' as const, asn });
const cases: OpenCase[] = [
  { name: 'a wrong AS in the 4-octet AS capability → 2/2', addr: '127.0.0.118', asn: 4200000118, open: (o) => ({ ...o, capabilities: [...o.capabilities.filter((c) => c.kind !== 'four-octet-as'), fourOctet(4200000999)] }), notification: [2, 2] },
  { name: 'a wrong AS in the 2-octet My AS field (no 4-octet capability) → 2/2', addr: '127.0.0.119', asn: 4200000119, open: (o) => ({ ...o, myAs: 65119, capabilities: o.capabilities.filter((c) => c.kind !== 'four-octet-as') }), notification: [2, 2] },
  { name: 'BGP identifier 0.0.0.0 → 2/3 (RFC 6286 §2.1)', addr: '127.0.0.120', asn: 4200000120, open: (o) => ({ ...o, bgpId: '0.0.0.0' }), notification: [2, 3] },
  { name: "an internal peer using btrd's own BGP identifier → 2/3 (RFC 6286 §2.2)", addr: '127.0.0.121', asn: BTRD.asn, open: (o) => ({ ...o, bgpId: BTRD.id }), notification: [2, 3] },
  { name: 'version 5 → 2/1 with data 4, the largest supported version below the bid (RFC 4271 §6.2)', addr: '127.0.0.122', asn: 4200000122, open: (o) => ({ ...o, version: 5 }), notification: [2, 1], data: [0, 4] },
  { name: 'version 3 → 2/1', addr: '127.0.0.123', asn: 4200000123, open: (o) => ({ ...o, version: 3 }), notification: [2, 1] },
  { name: 'hold time 1 → 2/6 (RFC 4271 §6.2)', addr: '127.0.0.124', asn: 4200000124, open: (o) => ({ ...o, holdTime: 1 }), notification: [2, 6] },
  { name: 'hold time 2 → 2/6 (RFC 4271 §6.2)', addr: '127.0.0.125', asn: 4200000125, open: (o) => ({ ...o, holdTime: 2 }), notification: [2, 6] },
  { name: 'an unrecognized optional parameter (type 1) → 2/4 (RFC 4271 §6.2)', addr: '127.0.0.127', asn: 4200000127, open: (o) => ({ ...o, optionalParameters: [{ type: 1, value: Uint8Array.from([0, 1, 2]) }] }), notification: [2, 4] },
];

let btrd: RunningBtrd;
let good: TestPeer;
const peers: TestPeer[] = [];
const violations: string[] = [];
let sampler: NodeJS.Timeout | null = null;

const neighborView = (): string => JSON.stringify(btrd.speaker.neighbors().map((n) => [n.name, n.address, n.remoteAs, n.state, n.prefixesReceived]));

test.before(async () => {
  btrd = await startBtrd(`
router-id: ${BTRD.id}
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
peers:
  - { name: good, address: ${GOOD.addr}, remote-as: ${GOOD.asn}, passive: true }
${cases.map((c, i) => `  - { name: c${i}, address: ${c.addr}, remote-as: ${c.asn}, passive: true }`).join('\n')}
`);
  good = await connectPeer({ host: BTRD.addr, port: BTRD.port, localAddress: GOOD.addr, asn: GOOD.asn, routerId: '10.0.0.117', holdTime: 9 });
  peers.push(good);
  sampler = setInterval(() => {
    const s = btrd.speaker.neighbors().find((n) => n.name === 'good')?.state;
    if (s !== 'established') violations.push(String(s));
  }, 20);
});

test.after(async () => {
  if (sampler) clearInterval(sampler);
  for (const p of peers) await p.close().catch(() => undefined);
  await btrd.stop();
});

test('a connection from an unknown source is closed at once: nothing sent back, no session state', async () => {
  const before = neighborView();
  const p = new TestPeer({ host: BTRD.addr, port: BTRD.port, localAddress: UNKNOWN, asn: 4200000126, routerId: '10.0.0.126' });
  peers.push(p);
  await p.waitClosed(3000);
  assert.is(p.bytesReceived, 0, 'not a single octet came back (no OPEN, no NOTIFICATION)');
  assert.is(p.established, false);
  assert.is(neighborView(), before, 'neighbors() unchanged: no session was created for the unknown source');
  assert.ok(btrd.logs.some((l) => l.includes('connection from an unknown source refused') && l.includes(UNKNOWN)), 'the refusal is logged');
});

test('a burst of 50 connections from an unknown source leaves no state and does not disturb the configured peer', async () => {
  const before = neighborView();
  const burst = Array.from({ length: 50 }, () => new TestPeer({ host: BTRD.addr, port: BTRD.port, localAddress: UNKNOWN, asn: 4200000126, routerId: '10.0.0.126' }));
  peers.push(...burst);
  await Promise.all(burst.map((p) => p.waitClosed(5000)));
  assert.equal(burst.map((p) => p.bytesReceived), new Array(50).fill(0));
  assert.is(neighborView(), before);
  assert.equal(violations, [], 'the configured peer stayed Established');
  assert.is(good.closed, false);
});

cases.forEach((c, i) => {
  test(`OPEN with ${c.name}; the connection closes and the session never comes up`, async () => {
    const base: TestPeerOptions = { host: BTRD.addr, port: BTRD.port, localAddress: c.addr, asn: c.asn, routerId: `10.1.0.${i + 1}` };
    const open = c.open(standardOpen(base));
    const p = new TestPeer({ ...base, rawOpen: encodeOpen(open) });
    peers.push(p);
    await p.waitClosed(5000);
    assert.ok(p.notification, `a NOTIFICATION before the close (received ${p.frames.map((f) => f.type).join(',')}; error ${p.error?.message ?? 'none'})`);
    assert.equal([p.notification!.code, p.notification!.subcode], c.notification, `got ${p.notification!.code}/${p.notification!.subcode}`);
    if (c.data) assert.equal([...p.notification!.data], c.data);
    // btrd's OPEN first (it sends its OPEN on accepting the connection), then the NOTIFICATION, nothing else.
    assert.equal(p.frames.map((f) => f.type), [1, 3]);
    assert.is(p.established, false);
    const s = btrd.speaker.neighbors().find((n) => n.name === `c${i}`)?.state;
    assert.ok(s !== 'established' && s !== 'open-confirm', `c${i} is ${s}`);
    assert.equal(violations, [], 'the configured peer stayed Established');
  });
});

test('the 2-octet My AS field carries AS_TRANS for a 4-octet AS, and a correct OPEN is accepted (control)', async () => {
  assert.is(good.peerOpen?.myAs, AS_TRANS);
  assert.is(good.peerOpen?.capabilities.find((c) => c.kind === 'four-octet-as')?.kind, 'four-octet-as');
  assert.is(btrd.speaker.neighbors().find((n) => n.name === 'good')?.state, 'established');
  assert.is(good.notification, null);
});

test.run();
