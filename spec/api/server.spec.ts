import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startApiServer, ApiListenError, type ApiServer } from '../../lib/api/server.js';
import type { ApiProvider, NeighborStatus } from '../../lib/api/types.js';

const api = suite('api/server');

const NEIGHBORS: NeighborStatus[] = [
  { name: 'a', address: '127.0.0.2', remoteAs: 65002, state: 'established', uptimeSeconds: 12, prefixesReceived: 10, prefixesAccepted: 9 },
];

class FakeProvider implements ApiProvider {
  fail = false;
  summary(): { paths: number; best: number } {
    if (this.fail) throw new Error('boom');
    return { paths: 1234, best: 1000 };
  }
  neighbors(): NeighborStatus[] {
    return NEIGHBORS;
  }
}

const provider = new FakeProvider();
let server: ApiServer;
const url = (p: string): string => `http://127.0.0.1:${server.port}${p}`;

api.before(async () => {
  server = await startApiServer({ listen: '127.0.0.1:0', provider, info: { routerId: '10.0.0.1', asn: 65000, version: 'test' } });
});
api.after(async () => {
  await server.close();
});

api('binds only the configured loopback address', () => {
  assert.is(server.address, '127.0.0.1');
  assert.ok(server.port > 0);
});

api('GET /rib/summary returns {paths, best} from the provider', async () => {
  const res = await fetch(url('/rib/summary'));
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(await res.json(), { paths: 1234, best: 1000 });
});

api('GET /neighbors returns the provider list', async () => {
  const res = await fetch(url('/neighbors'));
  assert.equal(await res.json(), NEIGHBORS);
});

api('GET /status reports router id, AS and version', async () => {
  const body = (await (await fetch(url('/status'))).json()) as Record<string, unknown>;
  assert.is(body.status, 'ok');
  assert.is(body.routerId, '10.0.0.1');
  assert.is(body.asn, 65000);
  assert.is(body.version, 'test');
  assert.type(body.uptimeSeconds, 'number');
});

api('unknown paths are 404 JSON; writes are 405', async () => {
  const r404 = await fetch(url('/rib/everything'));
  assert.is(r404.status, 404);
  assert.equal(await r404.json(), { error: 'not-found', path: '/rib/everything' });
  const r405 = await fetch(url('/rib/summary'), { method: 'POST', body: '{}' });
  assert.is(r405.status, 405);
  assert.equal(await r405.json(), { error: 'method-not-allowed' });
});

api('a provider that throws gives 500 JSON and the server keeps serving', async () => {
  provider.fail = true;
  const res = await fetch(url('/rib/summary'));
  assert.is(res.status, 500);
  assert.equal(await res.json(), { error: 'internal' });
  provider.fail = false;
  assert.is((await fetch(url('/rib/summary'))).status, 200);
});

api('listening on a busy port is an ApiListenError', async () => {
  try {
    await startApiServer({ listen: `127.0.0.1:${server.port}`, provider, info: { routerId: '10.0.0.1', asn: 1, version: 't' } });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ApiListenError);
    assert.is((e as ApiListenError).code, 'BTRD_ERR_API_LISTEN');
  }
});

api.run();
