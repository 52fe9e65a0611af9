/**
 * Route queries (lib/api/routes.ts) over a real RoutingEngine fed real routes, against a brute-force
 * oracle: longest match = the longest covering prefix among all Loc-RIB prefixes, computed by scanning.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RoutingEngine } from '../../lib/rib/engine.js';
import { engineRouteSource, queryRoutes, parseAddressOrPrefix, RouteQueryError } from '../../lib/api/routes.js';
import { formatPrefix, parsePrefix, prefixContains, prefixLength } from '../../lib/wire/prefix.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { frameMessage } from '../../lib/wire/framing.js';
import type { EnginePeer } from '../../lib/rib/types.js';
import { peerFeed } from '../interop/setup.js';

const r = suite('api/routes');

r('lookup = brute-force longest match over the Loc-RIB; prefix and all queries agree with the engine', async () => {
  const feed = await peerFeed('mrt/rib/rib.20140523.0600_firstMB.complete-records.gz', (peers) => peers.find((p) => p.ip === '167.142.3.6')?.index ?? peers[0].index);
  const e = new RoutingEngine({ asn: 4200000001, routerId: '10.0.0.1', alwaysCompareMed: false, deterministicMed: true, resolveNextHop: () => ({ igpCost: 0 }) });
  const codec = { fourOctetAs: true, addPath: { ipv4: false, ipv6: false } } as unknown as EnginePeer['codec'];
  const peer: EnginePeer = { id: 1, name: 'p', address: '10.0.0.2', asn: feed.peer.asn, localAs: 4200000001, routerId: '10.0.0.2', ebgp: true, routeReflectorClient: false, routeServerClient: false, families: { ipv4: true, ipv6: false }, codec, nextHopSelf: false, localAddress: { ipv4: '10.0.0.1' }, importPolicy: { terms: [], default: 'accept' }, exportPolicy: { terms: [], default: 'accept' } };
  e.addPeer(peer);
  for (const m of feed.messages) e.applyUpdate(1, decodeUpdate(frameMessage(m).body, codec));
  const src = engineRouteSource(e);
  const all = queryRoutes(src, { kind: 'all', limit: 1_000_000 });
  assert.is(all.total, feed.routes.size);
  assert.is(all.entries.length, feed.routes.size);
  const keys = all.entries.map((x) => parsePrefix(x.prefix));
  // Addresses: one inside each 20th prefix, its broadcast, and addresses outside every prefix.
  const probes = all.entries.filter((_, i) => i % 20 === 0).flatMap((x) => {
    const [a] = x.prefix.split('/');
    const o = a.split('.').map(Number);
    return [`${o[0]}.${o[1]}.${o[2]}.${(o[3] + 1) & 255}`, `${o[0]}.${o[1]}.${o[2]}.255`];
  });
  probes.push('240.0.0.1', '0.0.0.1');
  for (const ip of probes) {
    const host = parsePrefix(`${ip}/32`);
    let want: string | null = null;
    let wantLen = -1;
    for (const k of keys) if (prefixContains(k, host) && prefixLength(k) > wantLen) [want, wantLen] = [formatPrefix(k), prefixLength(k)];
    const got = queryRoutes(src, { kind: 'lookup', address: ip });
    assert.is(got.entries[0]?.prefix ?? null, want, ip);
  }
  const one = feed.routes.keys().next().value as string;
  const q = queryRoutes(src, { kind: 'prefix', prefix: one });
  assert.is(q.entries[0].best?.asPath, feed.routes.get(one)!.asPath);
  assert.is(q.entries[0].candidates?.length, 1);
  assert.is(queryRoutes(src, { kind: 'peer', peerId: 1, table: 'best', limit: 10 }).total, feed.routes.size);
});

r('operator input is validated with a readable error', () => {
  assert.throws(() => parseAddressOrPrefix('10.0.0.300'), (e: unknown) => e instanceof RouteQueryError && /not an IP address/.test((e as Error).message));
  assert.is(formatPrefix(parseAddressOrPrefix('10.1.2.3')), '10.1.2.3/32');
  assert.is(formatPrefix(parseAddressOrPrefix('2001:db8::1')), '2001:db8::1/128');
});

r.run();
