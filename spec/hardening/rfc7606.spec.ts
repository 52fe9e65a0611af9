/**
 * RFC 7606 end to end, over real TCP sessions with the running speaker (in-process, real YAML config).
 *
 * Hostile peers (raw BGP peers from ./peer.ts, not lib/session) first announce a prefix cleanly, then send
 * one malformation of the classes in spec/wire/rfc7606.spec.ts, rebuilt for 4-octet-AS sessions. A witness
 * W (eBGP, IPv4 + IPv6) receives btrd's exports. Each case asserts the treatment end to end:
 *   - session reset: the hostile peer receives the exact NOTIFICATION code/subcode (and data where the
 *     RFCs define it), its connection closes, and its routes are withdrawn at W;
 *   - treat-as-withdraw: the hostile session stays up (no NOTIFICATION), the prefix is withdrawn at W, the
 *     peer's other routes stay;
 *   - attribute discard: the session stays up and the route is re-exported to W (with the UPDATE's new AS
 *     path, so the UPDATE was applied) without the discarded attribute.
 * Throughout, W, a bystander B and the hostile peers that were not reset stay Established (sampled every
 * 20 ms in btrd's own neighbors()), and every UPDATE W receives decodes cleanly: nothing malformed is
 * ever propagated (in particular no malformed optional transitive attribute).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startBtrd, type RunningBtrd } from '../interop/setup.js';
import { attr, connectPeer, nlri4, u32, updateBody, type TestPeer, type TestPeerOptions } from './peer.js';
import { formatPrefix, parsePrefix } from '../../lib/wire/prefix.js';
import type { PathAttributes } from '../../lib/wire/types.js';

/**
 * Decision replicas: 1 here; rfc7606-replicated.spec.ts runs every case again with 3 voted replicas, where
 * the main thread only frames UPDATEs and the replicas' parsers classify the errors (DESIGN principle 1):
 * the NOTIFICATIONs and treatments must be exactly the same.
 */
const REPLICAS = Number(process.env.BTRD_SPEC_REPLICAS ?? 1);
const NET = REPLICAS === 1 ? '127.0.0.' : '127.0.8.';
const test = suite(REPLICAS === 1 ? 'hardening/rfc7606' : `hardening/rfc7606 (${REPLICAS} replicas)`);

const BTRD = { addr: `${NET}100`, port: 18100 + (REPLICAS === 1 ? 0 : 800), asn: 4200000100 };
const W = { addr: `${NET}101`, asn: 4200000101 };
const H = { addr: `${NET}102`, asn: 4200000102 };
const HI = { addr: `${NET}103`, asn: BTRD.asn };
const B = { addr: `${NET}115`, asn: 4200000115 };
const R = Array.from({ length: 11 }, (_, i) => ({ addr: `${NET}${104 + i}`, asn: 4200000104 + i }));

let btrd: RunningBtrd;
let w: TestPeer;
let h: TestPeer;
let hi: TestPeer;
let b: TestPeer;
const peers: TestPeer[] = [];
const stateViolations: string[] = [];
let sampler: NodeJS.Timeout | null = null;
/** Peers that must be Established at every sample. */
const mustStayUp = new Set(['w', 'h', 'hi', 'b']);

const opts = (who: { addr: string; asn: number }, extra: Partial<TestPeerOptions> = {}): TestPeerOptions => ({
  host: BTRD.addr,
  port: BTRD.port,
  localAddress: who.addr,
  asn: who.asn,
  routerId: who.addr.replace('127.', '10.'),
  ipv6: true,
  ...extra,
});

async function connect(who: { addr: string; asn: number }): Promise<TestPeer> {
  const p = await connectPeer(opts(who));
  peers.push(p);
  return p;
}

// ── attribute building blocks (4-octet AS sessions) ──────────────────────────────────────────────────

const ORIGIN = (v: number): Uint8Array => attr(0x40, 1, [v]);
const AS_PATH = (...asns: number[]): Uint8Array => attr(0x40, 2, [2, asns.length, ...asns.flatMap(u32)]);
const NEXT_HOP = (ip: string): Uint8Array => attr(0x40, 3, ip.split('.').map(Number));
const MED = (v: number): Uint8Array => attr(0x80, 4, u32(v));
const LOCAL_PREF = (v: number): Uint8Array => attr(0x40, 5, u32(v));
const typeOf = (a: Uint8Array): number => a[1];

/** H's clean attributes: ORIGIN EGP (1), AS_PATH [H, 3356], NEXT_HOP, MED. */
const cleanH = (): Uint8Array[] => [ORIGIN(1), AS_PATH(H.asn, 3356), NEXT_HOP('192.0.2.102'), MED(10)];
/** The same with a longer AS path [H, 174, 3356]: an applied UPDATE shows at W as a new path. */
const changedH = (): Uint8Array[] => [ORIGIN(1), AS_PATH(H.asn, 174, 3356), NEXT_HOP('192.0.2.102'), MED(10)];
/** HI's clean iBGP attributes. */
const cleanHI = (): Uint8Array[] => [ORIGIN(0), AS_PATH(3356), NEXT_HOP('192.0.2.103'), LOCAL_PREF(100)];
function replace(attrs: Uint8Array[], t: number, by: Uint8Array | null): Uint8Array[] {
  return attrs.flatMap((a) => (typeOf(a) === t ? (by ? [by] : []) : [a]));
}

/** MP_REACH_NLRI for IPv6 unicast with a 16-octet next hop and one prefix. */
const v6 = (i: number): string => formatPrefix(parsePrefix(`2001:db8:${i.toString(16)}::/48`));
const mpReachV6 = (i: number, nhLen = 16, prefixLen = 48): Uint8Array =>
  attr(0x80, 14, [0, 2, 1, nhLen, ...[0x20, 0x01, 0x0d, 0xb8, ...new Array(12).fill(0)].slice(0, nhLen), ...new Array(Math.max(0, nhLen - 16)).fill(0), 0, prefixLen, 0x20, 0x01, 0x0d, 0xb8, 0, i, ...new Array(Math.max(0, Math.ceil(Math.min(prefixLen, 128) / 8) - 6)).fill(0)]);

const asns = (a: PathAttributes | undefined): number[] => (a?.asPath ?? []).flatMap((s) => [...s.asns]);

// ── waiting on the witness ───────────────────────────────────────────────────────────────────────────

const atW = (prefix: string, check: (a: PathAttributes) => boolean = () => true, ms = 5000): Promise<void> =>
  w.until(`${prefix} at W`, () => {
    const a = w.route(prefix);
    return a !== undefined && check(a);
  }, ms);
const goneAtW = (prefix: string, ms = 5000): Promise<void> => w.until(`${prefix} withdrawn at W`, () => w.table().get(prefix) === null, ms);

function state(name: string): string | undefined {
  return btrd.speaker.neighbors().find((n) => n.name === name)?.state;
}

test.before(async () => {
  const reset = R.map((r, i) => `  - { name: r${i}, address: ${r.addr}, remote-as: ${r.asn}, passive: true, families: [ipv4-unicast, ipv6-unicast] }`).join('\n');
  btrd = await startBtrd(`
router-id: 10.0.0.100
asn: ${BTRD.asn}
listen: [{ address: ${BTRD.addr}, port: ${BTRD.port} }]
api: null
replicas: ${REPLICAS}
peers:
  - { name: w, address: ${W.addr}, remote-as: ${W.asn}, passive: true, families: [ipv4-unicast, ipv6-unicast] }
  - { name: h, address: ${H.addr}, remote-as: ${H.asn}, passive: true, families: [ipv4-unicast, ipv6-unicast] }
  - { name: hi, address: ${HI.addr}, remote-as: ${HI.asn}, passive: true }
  - { name: b, address: ${B.addr}, remote-as: ${B.asn}, passive: true }
${reset}
`);
  w = await connect(W);
  b = await connect(B);
  h = await connect(H);
  hi = await connect({ ...HI });
  // Canaries: one route of each peer that must stay at W while its session is up.
  await b.sendUpdateBody(updateBody([ORIGIN(0), AS_PATH(B.asn), NEXT_HOP('192.0.2.115')], nlri4('10.115.0.0/24')));
  await h.sendUpdateBody(updateBody(cleanH(), nlri4('10.102.255.0/24')));
  await hi.sendUpdateBody(updateBody(cleanHI(), nlri4('10.103.255.0/24')));
  await atW('10.115.0.0/24');
  await atW('10.102.255.0/24');
  await atW('10.103.255.0/24');
  sampler = setInterval(() => {
    for (const n of btrd.speaker.neighbors()) if (mustStayUp.has(n.name) && n.state !== 'established') stateViolations.push(`${n.name} ${n.state}`);
  }, 20);
});

test.after(async () => {
  if (sampler) clearInterval(sampler);
  for (const p of peers) await p.close().catch(() => undefined);
  await btrd.stop();
});

/** After every case: nothing else moved. */
async function othersIntact(): Promise<void> {
  assert.equal(stateViolations, [], 'W, B, H and HI stayed Established');
  for (const p of [w, b, h, hi]) {
    assert.is(p.closed, false, `${p.opts.localAddress} still connected`);
    assert.is(p.notification, null, `${p.opts.localAddress} received no NOTIFICATION`);
  }
  for (const c of ['10.115.0.0/24', '10.102.255.0/24', '10.103.255.0/24']) assert.ok(w.route(c), `canary ${c} still at W`);
  assert.equal(w.decodeErrors.map((e) => e.error), [], 'every message W received decodes cleanly');
}

// ── treat-as-withdraw (RFC 7606 §2, §3, §4, §7) ─────────────────────────────────────────────────────

interface WithdrawCase {
  name: string;
  peer: 'h' | 'hi';
  /** The malformed UPDATE body for the given NLRI bytes. */
  body: (nlri: number[]) => Uint8Array;
}

const E = (attrs: Uint8Array[]) => (n: number[]) => updateBody(attrs, n);
const withdrawCases: WithdrawCase[] = [
  { name: 'ORIGIN of length 2 (§7.1)', peer: 'h', body: E(replace(cleanH(), 1, attr(0x40, 1, [0, 0]))) },
  { name: 'ORIGIN of length 0 (§7.1)', peer: 'h', body: E(replace(cleanH(), 1, attr(0x40, 1, []))) },
  { name: 'an undefined ORIGIN value 3 (§7.1)', peer: 'h', body: E(replace(cleanH(), 1, ORIGIN(3))) },
  { name: 'an AS_PATH segment overrunning the attribute (§7.2)', peer: 'h', body: E(replace(cleanH(), 2, attr(0x40, 2, [2, 3, ...u32(H.asn)]))) },
  { name: 'a zero-length AS_PATH segment (§7.2)', peer: 'h', body: E(replace(cleanH(), 2, attr(0x40, 2, [2, 0]))) },
  { name: 'an unknown AS_PATH segment type 9 (§7.2)', peer: 'h', body: E(replace(cleanH(), 2, attr(0x40, 2, [9, 1, ...u32(H.asn)]))) },
  { name: 'NEXT_HOP of length 5 (§7.3)', peer: 'h', body: E(replace(cleanH(), 3, attr(0x40, 3, [192, 0, 2, 102, 1]))) },
  { name: 'NEXT_HOP of length 0 (§7.3)', peer: 'h', body: E(replace(cleanH(), 3, attr(0x40, 3, []))) },
  { name: 'MED of length 3 (§7.4)', peer: 'h', body: E(replace(cleanH(), 4, attr(0x80, 4, [0, 0, 1]))) },
  { name: 'COMMUNITIES of length 0 (§7.8)', peer: 'h', body: E([...cleanH(), attr(0xc0, 8, [])]) },
  { name: 'COMMUNITIES of length 5 (§7.8)', peer: 'h', body: E([...cleanH(), attr(0xc0, 8, [0, 1, 0, 2, 9])]) },
  { name: 'EXTENDED_COMMUNITIES of length 7 (§7.14)', peer: 'h', body: E([...cleanH(), attr(0xc0, 16, [0, 2, 0, 1, 0, 0, 0])]) },
  { name: 'LARGE_COMMUNITY of length 11 (RFC 8092 §6)', peer: 'h', body: E([...cleanH(), attr(0xc0, 32, new Array(11).fill(1))]) },
  { name: 'ORIGIN flagged optional (§3 c)', peer: 'h', body: E(replace(cleanH(), 1, attr(0xc0, 1, [0]))) },
  { name: 'MED flagged transitive (§3 c)', peer: 'h', body: E(replace(cleanH(), 4, attr(0xc0, 4, u32(1)))) },
  { name: 'an attribute overrunning Total Path Attribute Length (§4)', peer: 'h', body: E([...cleanH(), Uint8Array.from([0xc0, 8, 12, 0, 1, 0, 2])]) },
  { name: 'trailing octets too short for an attribute header (§4)', peer: 'h', body: E([...cleanH(), Uint8Array.from([0xc0, 8])]) },
  { name: 'a missing ORIGIN (§3 d)', peer: 'h', body: E(replace(cleanH(), 1, null)) },
  { name: 'a missing AS_PATH (§3 d)', peer: 'h', body: E(replace(cleanH(), 2, null)) },
  { name: 'a missing NEXT_HOP with NLRI (§3 d)', peer: 'h', body: E(replace(cleanH(), 3, null)) },
  { name: 'LOCAL_PREF of length 2 from iBGP (§7.5)', peer: 'hi', body: E(replace(cleanHI(), 5, attr(0x40, 5, [0, 100]))) },
  { name: 'ORIGINATOR_ID of length 3 from iBGP (§7.9)', peer: 'hi', body: E([...cleanHI(), attr(0x80, 9, [1, 2, 3])]) },
  { name: 'CLUSTER_LIST of length 6 from iBGP (§7.10)', peer: 'hi', body: E([...cleanHI(), attr(0x80, 10, [1, 2, 3, 4, 5, 6])]) },
];

withdrawCases.forEach((c, i) => {
  test(`treat-as-withdraw: ${c.name} — the prefix is withdrawn at W, the session stays up`, async () => {
    const p = c.peer === 'h' ? h : hi;
    const prefix = `10.${c.peer === 'h' ? 102 : 103}.${i}.0/24`;
    await p.sendUpdateBody(updateBody(c.peer === 'h' ? cleanH() : cleanHI(), nlri4(prefix)));
    await atW(prefix);
    await p.sendUpdateBody(c.body(nlri4(prefix)));
    await goneAtW(prefix);
    assert.is(state(c.peer), 'established');
    await othersIntact();
  });
});

// ── attribute discard (RFC 7606 §2, §3 g, §7) ───────────────────────────────────────────────────────

interface DiscardCase {
  name: string;
  attrs: Uint8Array[];
  /** What must hold of the route W receives. */
  check: (a: PathAttributes) => string | null;
}

const noAttr = (key: keyof PathAttributes) => (a: PathAttributes): string | null => (a[key] === undefined ? null : `${key} propagated: ${JSON.stringify(a[key])}`);
const discardCases: DiscardCase[] = [
  { name: 'ATOMIC_AGGREGATE of length 1 (§7.6)', attrs: [...changedH(), attr(0x40, 6, [1])], check: noAttr('atomicAggregate') },
  { name: 'ATOMIC_AGGREGATE flagged optional (§3 c, §7.6)', attrs: [...changedH(), attr(0xc0, 6, [])], check: noAttr('atomicAggregate') },
  { name: 'AGGREGATOR of 6 octets on a 4-octet session (§7.7, optional transitive)', attrs: [...changedH(), attr(0xc0, 7, [0, 1, 10, 0, 0, 1])], check: noAttr('aggregator') },
  { name: 'AGGREGATOR of length 5 (§7.7, optional transitive)', attrs: [...changedH(), attr(0xc0, 7, [0, 1, 10, 0, 0])], check: noAttr('aggregator') },
  {
    name: 'a duplicate ORIGIN: the first is kept (§3 g)',
    attrs: [ORIGIN(0), ...replace(changedH(), 1, null), ORIGIN(2)],
    check: (a) => (a.origin === 0 ? null : `ORIGIN ${a.origin}, expected the first occurrence (0)`),
  },
  { name: 'LOCAL_PREF from eBGP (RFC 4271 §5.1.5, §7.5)', attrs: [...changedH(), LOCAL_PREF(999)], check: noAttr('localPref') },
  { name: 'ORIGINATOR_ID from eBGP (§7.9)', attrs: [...changedH(), attr(0x80, 9, [1, 2, 3, 4])], check: noAttr('originatorId') },
  {
    name: 'AS4_PATH on a 4-octet session (RFC 6793 §6): not merged, not propagated',
    attrs: [...changedH(), attr(0xc0, 17, [2, 2, ...u32(H.asn), ...u32(9999)])],
    check: (a) => (a.as4Path !== undefined ? 'AS4_PATH propagated' : asns(a).includes(9999) ? 'AS4_PATH merged into the path' : null),
  },
  { name: 'a malformed AS4_PATH (RFC 6793 §6, optional transitive)', attrs: [...changedH(), attr(0xc0, 17, [2, 5, 0, 0])], check: noAttr('as4Path') },
  { name: 'AS4_PATH with a confederation segment (RFC 6793 §6)', attrs: [...changedH(), attr(0xc0, 17, [3, 1, ...u32(H.asn)])], check: noAttr('as4Path') },
];

discardCases.forEach((c, i) => {
  test(`attribute discard: ${c.name} — the route is still exported to W without it`, async () => {
    const prefix = `10.102.${100 + i}.0/24`;
    await h.sendUpdateBody(updateBody(cleanH(), nlri4(prefix)));
    await atW(prefix);
    await h.sendUpdateBody(updateBody(c.attrs, nlri4(prefix)));
    // The UPDATE was applied: W gets the new AS path.
    await atW(prefix, (a) => asns(a).includes(174));
    const a = w.route(prefix)!;
    assert.equal(asns(a), [BTRD.asn, H.asn, 174, 3356]);
    assert.is(c.check(a), null);
    assert.is(state('h'), 'established');
    await othersIntact();
  });
});

test('controls: a well-formed AGGREGATOR and an unknown optional transitive attribute are propagated (Partial set); an unknown non-transitive is not (RFC 4271 §5)', async () => {
  const prefix = '10.102.200.0/24';
  await h.sendUpdateBody(updateBody([...cleanH(), attr(0xc0, 7, [...u32(H.asn), 10, 0, 0, 102]), attr(0xc0, 99, [1, 2]), attr(0x80, 98, [3])], nlri4(prefix)));
  await atW(prefix);
  const a = w.route(prefix)!;
  assert.equal(a.aggregator, { asn: H.asn, address: '10.0.0.102' });
  assert.equal(a.unknown?.map((x) => [x.flags & 0xf0, x.type, [...x.value]]), [[0xe0, 99, [1, 2]]]);
  await othersIntact();
});

// ── session reset (RFC 4271 §6.3, RFC 7606 §3 g, §5.3, §7.11) ───────────────────────────────────────

interface ResetCase {
  name: string;
  body: (i: number, prefix: string) => Uint8Array;
  notification: [number, number];
  /** Expected NOTIFICATION data, where the RFCs define it. */
  data?: (i: number) => number[];
  ipv6?: boolean;
}

const mpWellKnown = (): Uint8Array => attr(0x40, 14, [0, 2, 1, 16, ...new Array(16).fill(0x20), 0]);
const mpOverrun = (): Uint8Array => attr(0x80, 14, [0, 2, 1, 200, 1, 2]);
const base = (i: number): Uint8Array[] => [ORIGIN(0), AS_PATH(R[i].asn, 3356), NEXT_HOP(`192.0.2.${104 + i}`)];
const resetCases: ResetCase[] = [
  { name: 'an unrecognized well-known attribute → 3/2 with the attribute as data (RFC 4271 §6.3)', body: (i, p) => updateBody([...base(i), attr(0x40, 99, [1, 2])], nlri4(p)), notification: [3, 2], data: () => [0x40, 99, 2, 1, 2] },
  { name: 'an NLRI prefix length of 33 → 3/10 (RFC 7606 §5.3)', body: (i) => updateBody(base(i), [33, 1, 2, 3, 4, 5]), notification: [3, 10] },
  { name: 'a truncated NLRI → 3/10 (RFC 7606 §5.3)', body: (i) => updateBody(base(i), [24, 10, 0]), notification: [3, 10] },
  { name: 'a withdrawn prefix length of 40 → 3/10 (RFC 7606 §5.3)', body: (i, p) => updateBody(base(i), nlri4(p), [40, 1, 2, 3, 4, 5]), notification: [3, 10] },
  { name: 'Total Path Attribute Length overrunning the message → 3/1 (RFC 4271 §6.3)', body: () => Uint8Array.from([0, 0, 0x10, 0, 0x40, 1, 1, 0]), notification: [3, 1] },
  { name: 'Withdrawn Routes Length overrunning the message → 3/1 (RFC 4271 §6.3)', body: () => Uint8Array.from([0x10, 0, 0, 0]), notification: [3, 1] },
  { name: 'a duplicate MP_REACH_NLRI → 3/1 (RFC 7606 §3 g)', body: (i) => updateBody([mpReachV6(i), mpReachV6(i), ...base(i)]), notification: [3, 1], ipv6: true },
  { name: 'MP_REACH_NLRI flagged well-known → 3/4 with the attribute as data (RFC 7606 §3 c, §7.11; RFC 4271 §6.3)', body: (i) => updateBody([mpWellKnown(), ...base(i)]), notification: [3, 4], data: () => [...mpWellKnown()], ipv6: true },
  { name: 'an MP_REACH_NLRI IPv6 next hop of 5 octets → 3/9 with the attribute as data (RFC 7606 §7.11; RFC 4271 §6.3)', body: (i) => updateBody([mpReachV6(i, 5), ...base(i)]), notification: [3, 9], data: (i) => [...mpReachV6(i, 5)], ipv6: true },
  { name: 'an MP_REACH_NLRI IPv6 prefix of length 129 → 3/9 with the attribute as data (RFC 4760 §7)', body: (i) => updateBody([mpReachV6(i, 16, 129), ...base(i)]), notification: [3, 9], data: (i) => [...mpReachV6(i, 16, 129)], ipv6: true },
  { name: 'an MP_REACH_NLRI next-hop length overrunning the attribute → 3/9 with the attribute as data (RFC 7606 §7.11)', body: (i) => updateBody([mpOverrun(), ...base(i)]), notification: [3, 9], data: () => [...mpOverrun()], ipv6: true },
];

resetCases.forEach((c, i) => {
  test(`session reset: ${c.name}; the peer's routes are withdrawn at W, the others stay up`, async () => {
    const r = await connect(R[i]);
    const prefix = `10.${104 + i}.0.0/24`;
    await r.sendUpdateBody(updateBody(base(i), nlri4(prefix)));
    if (c.ipv6) await r.sendUpdateBody(updateBody([mpReachV6(i), ...replace(base(i), 3, null)]));
    await atW(prefix);
    if (c.ipv6) await atW(v6(i));
    await r.sendUpdateBody(c.body(i, prefix));
    await r.waitClosed();
    assert.ok(r.notification, `a NOTIFICATION before the close (error: ${r.error?.message ?? 'none'})`);
    assert.equal([r.notification!.code, r.notification!.subcode], c.notification, `NOTIFICATION ${r.notification!.code}/${r.notification!.subcode} data ${Buffer.from(r.notification!.data).toString('hex')}`);
    if (c.data) assert.equal([...r.notification!.data], c.data(i));
    await goneAtW(prefix);
    if (c.ipv6) await goneAtW(v6(i));
    assert.not.equal(state(`r${i}`), 'established');
    await othersIntact();
  });
});

test('W never received anything malformed, and its view of the peers is exactly what the treatments leave', async () => {
  await othersIntact();
  const t = w.table();
  const live = [...t].filter(([, a]) => a !== null).map(([p]) => p).sort();
  const expected = [
    '10.115.0.0/24',
    '10.102.255.0/24',
    '10.103.255.0/24',
    ...discardCases.map((_, i) => `10.102.${100 + i}.0/24`),
    '10.102.200.0/24',
  ].sort();
  assert.equal(live, expected);
  // Malformed optional transitive attributes never reached W: every AGGREGATOR/unknown attribute W saw
  // came from the well-formed control UPDATE.
  for (const m of w.messages) {
    if (m.type !== 'update' || !m.update.attributes) continue;
    const a = m.update.attributes;
    assert.ok(a.communities === undefined && a.extCommunities === undefined && a.largeCommunities === undefined && a.as4Path === undefined, 'no community or AS4_PATH was propagated');
    if (a.aggregator) assert.equal(a.aggregator, { asn: H.asn, address: '10.0.0.102' });
    for (const u of a.unknown ?? []) assert.equal([u.type, [...u.value]], [99, [1, 2]]);
  }
});

if (REPLICAS > 1) {
  test('replicated: the resets came from the replicas\' voted verdicts, not from a main-thread parser', () => {
    const voted = btrd.logs.filter((l) => l.includes('malformed UPDATE (voted by the replicas)')).length;
    assert.is(voted, resetCases.length, 'one voted session reset per reset case');
    assert.ok(btrd.logs.some((l) => l.includes('RFC 7606 error handling applied')), 'treat-as-withdraw / discard reported by the replicas');
  });
}

test.run();
