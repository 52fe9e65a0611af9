import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect } from 'node:net';
import { BgpSession, type SessionDownDetail } from '../../lib/session/session.js';
import { SessionManager } from '../../lib/session/manager.js';
import type { NegotiatedSession } from '../../lib/session/types.js';
import { SessionConfigError, SessionStateError } from '../../lib/session/errors.js';
import { encodeUpdate } from '../../lib/wire/update.js';
import { parsePrefix } from '../../lib/wire/prefix.js';
import { RawListener, RawPeer, nextEvent, sessionConfig, sleep, until } from './helpers.js';

const test = suite('session/sockets');

/** Every test gets its own ports: 127.0.0.x, 179xx. */
let nextPort = 17910;
const port = (): number => nextPort++;

interface Pair {
  a: BgpSession;
  b: BgpSession;
  mb: SessionManager;
  ma: SessionManager | null;
  close(): Promise<void>;
}

/** A (127.0.0.2, AS 65001, active) connects to B (127.0.0.3, AS 65002, passive) through B's manager. */
async function pair(opts: { aHold?: number; bHold?: number; aFamilies?: { ipv4: boolean; ipv6: boolean }; bothActive?: boolean } = {}): Promise<Pair> {
  const p = port();
  const a = new BgpSession(sessionConfig({ name: 'a', remoteAddress: '127.0.0.3', remotePort: p, localAddress: '127.0.0.2', localAs: 65001, remoteAs: 65002, routerId: '10.0.0.2', holdTime: opts.aHold ?? 90, ...(opts.aFamilies ? { families: opts.aFamilies } : {}) }));
  const b = new BgpSession(sessionConfig({ name: 'b', remoteAddress: '127.0.0.2', remotePort: p, localAddress: '127.0.0.3', localAs: 65002, remoteAs: 65001, routerId: '10.0.0.3', holdTime: opts.bHold ?? 90, passive: !opts.bothActive }));
  const mb = new SessionManager({ listen: [{ address: '127.0.0.3', port: p }] });
  mb.add(b);
  await mb.listen();
  let ma: SessionManager | null = null;
  if (opts.bothActive) {
    ma = new SessionManager({ listen: [{ address: '127.0.0.2', port: p }] });
    ma.add(a);
    await ma.listen();
  }
  return {
    a,
    b,
    mb,
    ma,
    async close() {
      await Promise.all([a.stop(), b.stop()]);
      await mb.close();
      await ma?.close();
    },
  };
}

async function established(s: BgpSession, ms = 10000): Promise<NegotiatedSession> {
  if (s.state === 'Established' && s.negotiated) return s.negotiated;
  const [n] = await nextEvent<[NegotiatedSession]>(s, 'established', ms);
  return n;
}

test('active and passive sessions reach Established; hold time is min(ours, theirs) and keepalive a third of it (RFC 4271 §4.2, §10)', async () => {
  const t = await pair({ aHold: 30, bHold: 9 });
  try {
    const states: string[] = [];
    t.b.on('state', (from, to) => states.push(`${from}>${to}`));
    const both = Promise.all([established(t.a), established(t.b)]);
    t.b.start();
    t.a.start();
    const [na, nb] = await both;
    assert.is(na.holdTime, 9);
    assert.is(nb.holdTime, 9);
    assert.is(na.keepaliveTime, 3);
    assert.is(na.peerAs, 65002);
    assert.is(nb.peerAs, 65001);
    assert.is(na.peerBgpId, '10.0.0.3');
    assert.ok(na.fourOctetAs && na.routeRefresh && na.enhancedRouteRefresh && na.extendedMessage);
    assert.is(na.maxMessageLength, 65535);
    assert.equal(na.families, { ipv4: true, ipv6: true });
    assert.is(na.gracefulRestart.peerAdvertised, false, 'btrd does not advertise graceful restart');
    assert.ok(na.codec.ebgp);
    // The two ends describe the same TCP connection.
    assert.is(na.localAddress, '127.0.0.2');
    assert.is(na.remoteAddress, '127.0.0.3');
    assert.is(na.localPort, nb.remotePort);
    assert.is(nb.localPort, na.remotePort);
    assert.equal(states, ['Idle>Active', 'Active>OpenSent', 'OpenSent>OpenConfirm', 'OpenConfirm>Established']);
  } finally {
    await t.close();
  }
});

test('families are the intersection of both OPENs (RFC 4760 §8)', async () => {
  const t = await pair({ aFamilies: { ipv4: true, ipv6: false } });
  try {
    t.b.start();
    t.a.start();
    const [na, nb] = await Promise.all([established(t.a), established(t.b)]);
    assert.equal(na.families, { ipv4: true, ipv6: false });
    assert.equal(nb.families, { ipv4: true, ipv6: false });
  } finally {
    await t.close();
  }
});

test('keepalives every hold/3 keep a 3 s session up for longer than its hold time', async () => {
  const t = await pair({ aHold: 3, bHold: 3 });
  try {
    t.b.start();
    t.a.start();
    await Promise.all([established(t.a), established(t.b)]);
    const downs: string[] = [];
    t.a.on('down', (r) => downs.push(`a:${r}`));
    t.b.on('down', (r) => downs.push(`b:${r}`));
    await sleep(4500);
    assert.equal(downs, []);
    assert.is(t.a.state, 'Established');
    assert.is(t.b.state, 'Established');
  } finally {
    await t.close();
  }
});

test('End-of-RIB is recognised and not delivered as an UPDATE (RFC 4724 §2); UPDATEs are decoded with the negotiated codec', async () => {
  const t = await pair();
  try {
    t.b.start();
    t.a.start();
    const [na] = await Promise.all([established(t.a), established(t.b)]);
    const eors: string[] = [];
    const updates: number[] = [];
    t.b.on('end-of-rib', (afi, safi) => eors.push(`${afi}/${safi}`));
    t.b.on('update', (u) => updates.push(u.nlri.length));
    const update = encodeUpdate({ attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '127.0.0.2' }, nlri: [parsePrefix('192.0.2.0/24')] }, na.codec);
    assert.ok(t.a.sendUpdate(update));
    t.a.sendEndOfRib(1, 1);
    t.a.sendEndOfRib(2, 1);
    await until('two End-of-RIB markers', () => eors.length === 2);
    assert.equal(eors, ['1/1', '2/1']);
    assert.equal(updates, [1]);
  } finally {
    await t.close();
  }
});

test('ROUTE-REFRESH is delivered with AFI, SAFI and subtype (RFC 2918, RFC 7313)', async () => {
  const t = await pair();
  try {
    t.b.start();
    t.a.start();
    await Promise.all([established(t.a), established(t.b)]);
    const got = nextEvent<[number, number, number]>(t.b, 'route-refresh');
    t.a.sendRouteRefresh(2, 1);
    assert.equal(await got, [2, 1, 0]);
  } finally {
    await t.close();
  }
});

test('stop() sends Cease 6/2 with the RFC 9003 shutdown communication; the peer sees it; no restart', async () => {
  const t = await pair();
  try {
    t.b.start();
    t.a.start();
    await Promise.all([established(t.a), established(t.b)]);
    const down = nextEvent<[string, SessionDownDetail]>(t.b, 'down');
    await t.a.stop(2, 'maintenance window');
    const [reason, detail] = await down;
    assert.is(reason, 'notification-received');
    assert.is(detail.notificationReceived?.code, 6);
    assert.is(detail.notificationReceived?.subcode, 2);
    assert.is(new TextDecoder().decode(detail.notificationReceived!.data.subarray(1)), 'maintenance window');
    assert.is(t.a.state, 'Idle');
    await sleep(1500);
    assert.is(t.a.state, 'Idle', 'ManualStop does not restart');
    assert.throws(() => t.a.sendUpdate(new Uint8Array(23)), (e: unknown) => e instanceof SessionStateError);
  } finally {
    await t.close();
  }
});

test('shutdownWithNotification sends the given Cease and restarts after the idle hold back-off', async () => {
  const t = await pair();
  try {
    t.b.start();
    t.a.start();
    await Promise.all([established(t.a), established(t.b)]);
    const bDown = nextEvent<[string, SessionDownDetail]>(t.b, 'down');
    const aDown = nextEvent<[string, SessionDownDetail]>(t.a, 'down');
    t.a.shutdownWithNotification(6, 1);
    const [, detail] = await bDown;
    assert.is(detail.notificationReceived?.subcode, 1);
    const [aReason, aDetail] = await aDown;
    assert.is(aReason, 'automatic-stop');
    assert.is(aDetail.notificationSent?.subcode, 1);
    // idleHoldTime 1 s: both come back.
    await Promise.all([nextEvent(t.a, 'established', 8000), nextEvent(t.b, 'established', 8000)]);
  } finally {
    await t.close();
  }
});

test('two active sessions started together end up Established on one TCP connection (collision, RFC 4271 §6.8)', async () => {
  for (let round = 0; round < 3; round++) {
    const t = await pair({ bothActive: true });
    try {
      t.a.start();
      t.b.start();
      await until('both Established', () => t.a.state === 'Established' && t.b.state === 'Established', 15000);
      await sleep(300);
      assert.is(t.a.state, 'Established');
      assert.is(t.b.state, 'Established');
      const na = t.a.negotiated!;
      const nb = t.b.negotiated!;
      assert.is(na.localPort, nb.remotePort);
      assert.is(nb.localPort, na.remotePort);
    } finally {
      await t.close();
    }
  }
});

/** S: 127.0.0.2, AS 65001, id 10.0.0.5, active towards a raw peer on 127.0.0.4; manager on 127.0.0.2:P for incoming. */
async function collisionCase(rawId: string): Promise<{ ceaseOn: 'outgoing' | 'incoming'; survivor: NegotiatedSession; listenPort: number }> {
  const p = port();
  const s = new BgpSession(sessionConfig({ name: 's', remoteAddress: '127.0.0.4', remotePort: p, localAddress: '127.0.0.2', localAs: 65001, remoteAs: 65004, routerId: '10.0.0.5' }));
  const m = new SessionManager({ listen: [{ address: '127.0.0.2', port: p }] });
  m.add(s);
  await m.listen();
  const raw = await RawListener.listen('127.0.0.4', p);
  let incoming: RawPeer | null = null;
  try {
    s.start();
    const outgoing = await raw.accepted(); // S's outgoing connection
    await outgoing.waitFor('open');
    incoming = await RawPeer.connect('127.0.0.2', p, '127.0.0.4'); // the raw peer's own connection to S
    await incoming.waitFor('open');
    const open = { as: 65004, bgpId: rawId };
    outgoing.sendOpen(open); // S's connection → OpenConfirm
    await until('S in OpenConfirm', () => s.state === 'OpenConfirm');
    incoming.sendOpen(open); // the second OPEN: collision detection
    await until('a Cease on one connection', () => [outgoing, incoming!].some((c) => c.received.some((m) => m.type === 'notification')));
    const loser = outgoing.received.some((m) => m.type === 'notification') ? outgoing : incoming;
    const winner = loser === outgoing ? incoming : outgoing;
    const cease = await loser.waitFor('notification');
    assert.is(cease.notification.code, 6);
    assert.is(cease.notification.subcode, 7, 'Cease / Connection Collision Resolution');
    await loser.waitClosed();
    winner.sendKeepalive();
    const survivor = await established(s);
    assert.not.ok(winner.received.some((m) => m.type === 'notification'));
    return { ceaseOn: loser === outgoing ? 'outgoing' : 'incoming', survivor, listenPort: p };
  } finally {
    await s.stop();
    incoming?.destroy();
    await raw.close();
    await m.close();
  }
}

test('collision: the remote has the higher BGP identifier → our connection gets Cease 6/7, the one it initiated survives', async () => {
  const r = await collisionCase('10.0.0.9');
  assert.is(r.ceaseOn, 'outgoing');
  assert.is(r.survivor.localPort, r.listenPort, 'the surviving connection is the incoming one');
});

test('collision: we have the higher BGP identifier → the remote-initiated connection gets Cease 6/7, ours survives', async () => {
  const r = await collisionCase('10.0.0.1');
  assert.is(r.ceaseOn, 'incoming');
  assert.is(r.survivor.remotePort, r.listenPort, 'the surviving connection is our outgoing one');
});

/** A passive session for a raw peer at 127.0.0.4 and its manager on 127.0.0.3:P. */
async function passiveForRaw(over: { holdTime?: number; remoteAs?: number } = {}): Promise<{ s: BgpSession; m: SessionManager; p: number; close(): Promise<void> }> {
  const p = port();
  const s = new BgpSession(sessionConfig({ name: 'p', remoteAddress: '127.0.0.4', remotePort: p, localAddress: '127.0.0.3', localAs: 65002, remoteAs: over.remoteAs ?? 65004, routerId: '10.0.0.3', passive: true, holdTime: over.holdTime ?? 90 }));
  const m = new SessionManager({ listen: [{ address: '127.0.0.3', port: p }] });
  m.add(s);
  await m.listen();
  s.start();
  return { s, m, p, async close() { await s.stop(); await m.close(); } };
}

test('peer AS mismatch is NOTIFICATION 2/2 Bad Peer AS (RFC 4271 §6.2) and the connection closes', async () => {
  const t = await passiveForRaw({ remoteAs: 65099 });
  const raw = await RawPeer.connect('127.0.0.3', t.p, '127.0.0.4');
  try {
    await raw.waitFor('open');
    raw.sendOpen({ as: 65004, bgpId: '10.0.0.4' });
    const n = await raw.waitFor('notification');
    assert.is(n.notification.code, 2);
    assert.is(n.notification.subcode, 2);
    await raw.waitClosed();
    await until('Idle', () => t.s.state === 'Idle');
  } finally {
    raw.destroy();
    await t.close();
  }
});

test('hold timer expiry: a peer that stops sending keepalives gets NOTIFICATION 4/0 after the 3 s hold time (RFC 4271 §6.5)', async () => {
  const t = await passiveForRaw({ holdTime: 3 });
  const raw = await RawPeer.connect('127.0.0.3', t.p, '127.0.0.4');
  try {
    await raw.waitFor('open');
    raw.sendOpen({ as: 65004, bgpId: '10.0.0.4', holdTime: 3 });
    raw.sendKeepalive();
    await established(t.s);
    const t0 = Date.now();
    const [reason, detail] = await nextEvent<[string, SessionDownDetail]>(t.s, 'down', 6000);
    const elapsed = Date.now() - t0;
    assert.is(reason, 'hold-timer-expired');
    assert.is(detail.notificationSent?.code, 4);
    assert.ok(elapsed >= 2500 && elapsed < 4500, `expired after ${elapsed} ms`);
    const n = await raw.waitFor('notification');
    assert.equal([n.notification.code, n.notification.subcode], [4, 0]);
    await raw.waitClosed();
  } finally {
    raw.destroy();
    await t.close();
  }
});

test('an UPDATE in OpenSent is NOTIFICATION 5/1 (RFC 6608)', async () => {
  const t = await passiveForRaw();
  const raw = await RawPeer.connect('127.0.0.3', t.p, '127.0.0.4');
  try {
    await raw.waitFor('open');
    raw.send(encodeUpdate({}, { fourOctetAs: true }));
    const n = await raw.waitFor('notification');
    assert.equal([n.notification.code, n.notification.subcode], [5, 1]);
  } finally {
    raw.destroy();
    await t.close();
  }
});

test('a broken marker in Established is NOTIFICATION 1/1; the session survives nothing thrown', async () => {
  const t = await passiveForRaw();
  const raw = await RawPeer.connect('127.0.0.3', t.p, '127.0.0.4');
  try {
    await raw.waitFor('open');
    raw.sendOpen({ as: 65004, bgpId: '10.0.0.4' });
    raw.sendKeepalive();
    await established(t.s);
    const bad = new Uint8Array(19).fill(0xff);
    bad[3] = 0;
    bad[17] = 19;
    bad[18] = 4;
    raw.send(bad);
    const n = await raw.waitFor('notification');
    assert.equal([n.notification.code, n.notification.subcode], [1, 1]);
    await until('Idle', () => t.s.state === 'Idle');
  } finally {
    raw.destroy();
    await t.close();
  }
});

test('a connection from an unknown source is closed at once, without any BGP message', async () => {
  const t = await passiveForRaw();
  try {
    const s = connect({ host: '127.0.0.3', port: t.p, localAddress: '127.0.0.9' });
    let bytes = 0;
    s.on('data', (d: Buffer) => (bytes += d.length));
    s.on('error', () => {});
    const t0 = Date.now();
    await new Promise<void>((resolve) => s.on('close', () => resolve()));
    assert.is(bytes, 0);
    assert.ok(Date.now() - t0 < 1000);
    assert.is(t.s.state, 'Active', 'the configured session is untouched');
  } finally {
    await t.close();
  }
});

test('incoming connections are refused in Idle (RFC 4271 §8.2.2)', async () => {
  const p = port();
  const s = new BgpSession(sessionConfig({ name: 'idle', remoteAddress: '127.0.0.4', remotePort: p, localAs: 65002, remoteAs: 65004, routerId: '10.0.0.3', passive: true }));
  const m = new SessionManager({ listen: [{ address: '127.0.0.3', port: p }] });
  m.add(s);
  await m.listen();
  try {
    const raw = await RawPeer.connect('127.0.0.3', p, '127.0.0.4');
    await raw.waitClosed(2000);
    assert.is(raw.received.length, 0);
  } finally {
    await m.close();
  }
});

test('hold time 0 on one side: negotiated 0, no keepalives, the session stays up (RFC 4271 §4.2)', async () => {
  const t = await pair({ aHold: 0, bHold: 3 });
  try {
    t.b.start();
    t.a.start();
    const [na, nb] = await Promise.all([established(t.a), established(t.b)]);
    assert.is(na.holdTime, 0);
    assert.is(nb.keepaliveTime, 0);
    await sleep(3500);
    assert.is(t.a.state, 'Established');
    assert.is(t.b.state, 'Established');
  } finally {
    await t.close();
  }
});

test('sendUpdate reports back-pressure (false) and the session emits drain once the socket empties', async () => {
  const t = await pair();
  try {
    t.b.start();
    t.a.start();
    const [na] = await Promise.all([established(t.a), established(t.b)]);
    let received = 0;
    t.b.on('update', () => received++);
    // Many 24-prefix UPDATEs written synchronously overrun the socket's high-water mark.
    const nlri = Array.from({ length: 200 }, (_, i) => parsePrefix(`10.${i}.0.0/16`));
    const update = encodeUpdate({ attributes: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '127.0.0.2' }, nlri }, na.codec);
    let sent = 0;
    let ok = true;
    while (ok && sent < 100000) {
      ok = t.a.sendUpdate(update);
      sent++;
    }
    assert.not.ok(ok, 'a write returned false');
    await nextEvent(t.a, 'drain', 10000);
    await until('all UPDATEs delivered', () => received === sent, 20000);
  } finally {
    await t.close();
  }
});

test('after errors the IdleHoldTimer backs off exponentially (RFC 4271 §8.1.1 DampPeerOscillations)', async () => {
  const p = port();
  // Nobody listens on 127.0.0.3:p: every connect fails at once (Connect → Idle → back-off → Connect).
  const s = new BgpSession(sessionConfig({ name: 'flap', remoteAddress: '127.0.0.3', remotePort: p, localAddress: '127.0.0.2', localAs: 65001, remoteAs: 65002, routerId: '10.0.0.2', idleHoldTime: 0.1, connectRetryTime: 30 }));
  const restarts: number[] = [];
  s.on('state', (from, to, reason) => {
    if (from === 'Idle' && to === 'Connect' && reason === 'automatic-start') restarts.push(Date.now());
  });
  try {
    s.start();
    await until('four automatic restarts', () => restarts.length >= 4, 8000);
    const gaps = restarts.slice(1).map((t, i) => t - restarts[i]);
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] >= gaps[i - 1] * 1.5, `gaps ${gaps.join(', ')} ms double`);
  } finally {
    await s.stop();
  }
  assert.is(s.state, 'Idle');
});

test('configuration errors are typed: hold time 1–2 s (RFC 4271 §4.2), duplicate peers in a manager', () => {
  assert.throws(() => new BgpSession(sessionConfig({ name: 'x', remoteAddress: '127.0.0.4', remotePort: 179, localAs: 1, remoteAs: 2, routerId: '1.1.1.1', holdTime: 2 })), (e: unknown) => e instanceof SessionConfigError && e.path === 'holdTime');
  const m = new SessionManager({ listen: [] });
  const mk = (name: string): BgpSession => new BgpSession(sessionConfig({ name, remoteAddress: '127.0.0.4', remotePort: 179, localAs: 1, remoteAs: 2, routerId: '1.1.1.1' }));
  m.add(mk('one'));
  assert.throws(() => m.add(mk('two')), (e: unknown) => e instanceof SessionConfigError);
  assert.ok(m.get('one'));
});

test.run();
