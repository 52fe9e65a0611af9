/**
 * btrd's session layer against a real BIRD 2 (Debian bird2) on 127.0.0.20/21, both directions, and a
 * Cease that BIRD must report. BIRD runs as a child process started and killed by PID (spec/helpers/bird.ts).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Bird, type BirdPeer } from '../helpers/bird.js';
import { hasCommand, waitFor } from '../helpers/processes.js';
import { BgpSession } from '../../lib/session/session.js';
import { SessionManager } from '../../lib/session/manager.js';
import type { NegotiatedSession } from '../../lib/session/types.js';
import { formatPrefix } from '../../lib/wire/prefix.js';
import { nextEvent, sessionConfig } from './helpers.js';

const test = suite('session/bird');

const BIRD_ADDRESS = '127.0.0.20';
const BTRD_ADDRESS = '127.0.0.21';

/** A static route BIRD exports to btrd, to see an UPDATE cross the session. */
const STATIC = 'protocol static s4 { ipv4; route 198.51.100.0/24 via "lo"; }';

async function run(birdPassive: boolean, birdPort: number, btrdPort: number): Promise<void> {
  const peer: BirdPeer = { name: 'btrd', neighbor: BTRD_ADDRESS, neighborPort: btrdPort, asn: 65021, passive: birdPassive, holdTime: 9, ipv4: { import: 'all', export: 'all' } };
  const bird = await Bird.start({ routerId: '10.0.0.20', asn: 65020, localAddress: BIRD_ADDRESS, localPort: birdPort, peers: [peer], extra: STATIC });
  const session = new BgpSession(
    sessionConfig({
      name: 'bird',
      remoteAddress: BIRD_ADDRESS,
      remotePort: birdPort,
      localAddress: BTRD_ADDRESS,
      localAs: 65021,
      remoteAs: 65020,
      routerId: '10.0.0.21',
      holdTime: 30,
      passive: !birdPassive,
    }),
  );
  const manager = new SessionManager({ listen: [{ address: BTRD_ADDRESS, port: btrdPort }] });
  manager.add(session);
  try {
    await manager.listen();
    const prefixes: string[] = [];
    session.on('update', (u) => prefixes.push(...u.nlri.map(formatPrefix)));
    const established = nextEvent<[NegotiatedSession]>(session, 'established', 20000);
    session.start();
    const [n] = await established;
    assert.is(n.peerAs, 65020);
    assert.is(n.peerBgpId, '10.0.0.20');
    assert.is(n.holdTime, 9, 'min(30, BIRD 9)');
    assert.ok(n.fourOctetAs && n.routeRefresh);
    assert.equal(n.families, { ipv4: true, ipv6: false }, 'BIRD has only an ipv4 channel');
    if (birdPassive) assert.is(n.remotePort, birdPort, 'btrd connected to BIRD');
    else assert.is(n.localPort, btrdPort, 'BIRD connected to btrd');
    await bird.waitEstablished('btrd');
    assert.match(bird.birdc('show protocols all btrd'), /BGP state:\s+Established/);
    await waitFor('the static route from BIRD', () => (prefixes.includes('198.51.100.0/24') ? true : undefined), 10000);

    await session.stop(2, 'btrd session test');
    assert.is(session.state, 'Idle');
    const shown = await waitFor(
      'BIRD to report the Cease',
      () => {
        const out = bird.birdc('show protocols all btrd');
        return /Administrative shutdown/i.test(out) ? out : undefined;
      },
      10000,
    );
    assert.match(shown, /Received: Administrative shutdown/);
    assert.match(shown, /btrd session test/);
  } finally {
    await session.stop();
    await manager.close();
    await bird.stop();
  }
}

test('BIRD active, btrd passive: Established on both sides, UPDATE received, Cease 6/2 reported by BIRD', async () => {
  await run(false, 17850, 17851);
});

test('btrd active, BIRD passive: Established on both sides, UPDATE received, Cease 6/2 reported by BIRD', async () => {
  await run(true, 17852, 17853);
});

if (hasCommand('bird') && hasCommand('birdc')) test.run();
else console.log('session/bird: bird2 not installed, skipped');
