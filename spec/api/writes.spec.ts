/**
 * API write operations and errors against a fake provider (no BGP): writes disabled → 403, enabled →
 * 401 without or with a wrong token, 200 with it; bad parameters → 400; provider ApiRequestError statuses
 * pass through; /metrics answers in Prometheus text format.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startApiServer, tokenMatches, type ApiServer } from '../../lib/api/server.js';
import { ApiRequestError, type ApiProvider, type NeighborStatus, type ResetMode } from '../../lib/api/types.js';
import type { RouteQuery, RouteQueryResult } from '../../lib/api/routes.js';

const w = suite('api/writes');
const TOKEN = 'a-long-enough-write-token';

class Provider implements ApiProvider {
  resets: [string, ResetMode][] = [];
  queries: RouteQuery[] = [];
  summary() {
    return { paths: 3, best: 2 };
  }
  neighbors(): NeighborStatus[] {
    return [{ name: 'p1', address: '127.0.4.2', remoteAs: 65002, state: 'established', uptimeSeconds: 1, prefixesReceived: 3, prefixesAccepted: 3 }];
  }
  peerId(name: string) {
    return name === 'p1' ? 1 : undefined;
  }
  async routes(q: RouteQuery): Promise<RouteQueryResult> {
    this.queries.push(q);
    return { total: 0, entries: [], replica: null };
  }
  async resetNeighbor(name: string, mode: ResetMode): Promise<void> {
    if (name !== 'p1') throw new ApiRequestError(`no neighbour named ${name}`, 404, 'no-such-neighbor');
    this.resets.push([name, mode]);
  }
}

let ro: ApiServer;
let rw: ApiServer;
let reloads = 0;
const provider = new Provider();

w.before(async () => {
  ro = await startApiServer({ listen: '127.0.4.1:0', provider, info: { routerId: '10.0.0.1', asn: 65000, version: 't' } });
  rw = await startApiServer({ listen: '127.0.4.1:0', provider, info: { routerId: '10.0.0.1', asn: 65000, version: 't' }, write: { enabled: true, token: TOKEN }, actions: { reload: async () => void reloads++ } });
});
w.after(async () => {
  await ro.close();
  await rw.close();
});

const post = (s: ApiServer, path: string, token?: string) =>
  fetch(`http://127.0.4.1:${s.port}${path}`, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

w('writes are 403 when disabled, whatever the token', async () => {
  const r = await post(ro, '/neighbors/p1/reset', TOKEN);
  assert.is(r.status, 403);
  assert.is(((await r.json()) as { error: string }).error, 'writes-disabled');
  assert.equal(provider.resets, []);
});

w('writes need the exact bearer token', async () => {
  assert.is((await post(rw, '/neighbors/p1/reset')).status, 401);
  assert.is((await post(rw, '/neighbors/p1/reset', `${TOKEN}x`)).status, 401);
  assert.is((await post(rw, '/neighbors/p1/reset', TOKEN.slice(0, -1))).status, 401);
  assert.equal(provider.resets, []);
  const ok = await post(rw, '/neighbors/p1/reset?mode=soft-in', TOKEN);
  assert.is(ok.status, 200);
  assert.equal(provider.resets, [['p1', 'soft-in']]);
  assert.is((await post(rw, '/reload', TOKEN)).status, 200);
  assert.is(reloads, 1);
});

w('bad mode → 400, unknown neighbour → 404, replica restart without a provider method → 501', async () => {
  assert.is((await post(rw, '/neighbors/p1/reset?mode=sideways', TOKEN)).status, 400);
  assert.is((await post(rw, '/neighbors/nobody/reset', TOKEN)).status, 404);
  assert.is((await post(rw, '/replicas/1/restart', TOKEN)).status, 501);
});

w('route queries: parameters become typed queries; bad ones are 400', async () => {
  const base = `http://127.0.4.1:${ro.port}`;
  assert.is((await fetch(`${base}/routes?prefix=10.0.0.0/8`)).status, 200);
  assert.is((await fetch(`${base}/routes?peer=p1&table=advertised&limit=5`)).status, 200);
  assert.is((await fetch(`${base}/lookup?ip=10.1.2.3`)).status, 200);
  assert.equal(provider.queries, [
    { kind: 'prefix', prefix: '10.0.0.0/8' },
    { kind: 'peer', peerId: 1, table: 'advertised', limit: 5 },
    { kind: 'lookup', address: '10.1.2.3' },
  ]);
  assert.is((await fetch(`${base}/routes?peer=nobody`)).status, 404);
  assert.is((await fetch(`${base}/routes?limit=-1`)).status, 400);
  assert.is((await fetch(`${base}/routes?peer=p1&table=weird`)).status, 400);
  assert.is((await fetch(`${base}/lookup`)).status, 400);
});

w('GET /metrics is Prometheus text', async () => {
  const r = await fetch(`http://127.0.4.1:${ro.port}/metrics`);
  assert.is(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
  assert.match(await r.text(), /# TYPE btrd_replica_round_seconds histogram/);
});

w('tokenMatches compares whole tokens', () => {
  assert.ok(tokenMatches(TOKEN, TOKEN));
  assert.not.ok(tokenMatches(undefined, TOKEN));
  assert.not.ok(tokenMatches('', TOKEN));
  assert.not.ok(tokenMatches(TOKEN.toUpperCase(), TOKEN));
});

w.run();
