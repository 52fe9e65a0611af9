/**
 * Import limits (issue 8): `limits: { max-as-path-length }` and `max-attribute-bytes`. A real UPDATE (the
 * first IPv4 announcement of a 4-octet-AS session in the RIPE updates.20160811.1600 dump) is sent as is,
 * and re-encoded with an AS_PATH of 320 ASNs (the long-AS-path incidents): the long one is not accepted —
 * not in btrd's accepted count, never propagated to the observer — and when it replaces an accepted route
 * of the same prefix it acts as a withdraw. Normal routes still pass. Run with replicas 1 (the engine's
 * import path) and 3 (the replicas' import path, lib/decision/variant-b too): one shared function.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readMrt } from '../../lib/mrt/reader.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';
import { formatPrefix, parsePrefix } from '../../lib/wire/prefix.js';
import { AsPathSegmentType, type PathAttributes } from '../../lib/wire/types.js';
import { checkImportLimits } from '../../lib/policy/limits.js';
import { renderMetrics, setMetricsSource } from '../../lib/metrics/index.js';
import { startBtrd, type RunningBtrd } from '../interop/setup.js';
import { dataPath } from '../helpers/corpus.js';
import { connectPeer, type TestPeer } from './peer.js';

const test = suite('hardening/limits');
const CODEC = { fourOctetAs: true };
let real: PathAttributes;
let realPrefix: string;

test.before(async () => {
  for await (const r of readMrt(dataPath('mrt/updates/updates.20160811.1600.gz'))) {
    if (r.kind !== 'bgp4mp-message' || !r.as4 || r.local || r.message[18] !== 2) continue;
    const u = decodeUpdate(r.message.subarray(19), CODEC, null);
    if (u.attributes && u.nlri.length > 0 && !u.mpReach && (u.attributes.asPath?.length ?? 0) > 0) {
      real = u.attributes;
      realPrefix = formatPrefix(u.nlri[0]);
      break;
    }
  }
});

/** The real attributes with an AS_PATH of `n` ASNs: the real path, then the last ASN repeated (prepending). */
function longPath(a: PathAttributes, n: number): PathAttributes {
  const asns = a.asPath!.flatMap((s) => s.asns);
  while (asns.length < n) asns.push(asns[asns.length - 1]);
  const segs = [];
  for (let i = 0; i < asns.length; i += 255) segs.push({ type: AsPathSegmentType.AsSequence, asns: asns.slice(i, i + 255) });
  const { wire: _w, as4Path: _p, ...rest } = a;
  return { ...rest, asPath: segs };
}

const announce = (a: PathAttributes, prefix: string): Uint8Array => encodeUpdate({ attributes: a, nlri: [parsePrefix(prefix)] }, CODEC);

test('the shared check: 320 ASNs is over max-as-path-length 100, the real path is within it; attribute bytes measured on the wire encoding', () => {
  const long = longPath(real, 320);
  assert.is(long.asPath!.reduce((n, s) => n + s.asns.length, 0), 320);
  assert.is(checkImportLimits(long, { maxAsPathLength: 100 }, CODEC), 'as-path-too-long');
  assert.is(checkImportLimits(real, { maxAsPathLength: 100 }, CODEC), 'within-limits');
  assert.is(checkImportLimits(long, undefined, CODEC), 'within-limits');
  // 320 4-octet ASNs alone are 1,280 octets of AS_PATH.
  assert.is(checkImportLimits(long, { maxAttributeBytes: 1024 }, CODEC), 'attributes-too-large');
  assert.is(checkImportLimits(real, { maxAttributeBytes: 1024 }, CODEC), 'within-limits');
});

async function run(replicas: number, last: number): Promise<void> {
  const addr = `127.0.5.${last}`;
  let btrd: RunningBtrd | null = null;
  let a: TestPeer | null = null;
  let o: TestPeer | null = null;
  try {
    btrd = await startBtrd(`
router-id: 10.0.5.${last}
asn: 4200005060
listen: [{ address: ${addr}, port: ${25000 + last} }]
api: null
replicas: ${replicas}
limits: { max-as-path-length: 100 }
peers:
  - { name: a, address: 127.0.5.${last + 1}, remote-as: 4200005061, passive: true }
  - { name: o, address: 127.0.5.${last + 2}, remote-as: 4200005062, passive: true }
`);
    const common = { host: addr, port: 25000 + last };
    o = await connectPeer({ ...common, localAddress: `127.0.5.${last + 2}`, asn: 4200005062, routerId: '10.0.5.162' });
    a = await connectPeer({ ...common, localAddress: `127.0.5.${last + 1}`, asn: 4200005061, routerId: '10.0.5.161' });
    const long = longPath(real, 320);
    // 1. the real route (prefix P) and, for prefix Q, the same real attributes with 320 ASNs.
    await a.send([announce(real, realPrefix), announce(long, '198.51.100.0/24')]);
    await o.until(`${realPrefix} at the observer`, () => o!.route(realPrefix) !== undefined, 15000);
    await btrd.speaker.settled();
    const n1 = btrd.speaker.neighbors().find((n) => n.name === 'a')!;
    assert.is(n1.prefixesReceived, 2, 'both are in the pre-policy Adj-RIB-In');
    assert.is(n1.prefixesAccepted, 1, 'only the normal route is accepted');
    // 2. P re-announced with the long path: acts as a withdraw of P.
    await a.send([announce(long, realPrefix)]);
    await o.until(`${realPrefix} withdrawn at the observer`, () => o!.table().get(realPrefix) === null, 15000);
    await btrd.speaker.settled();
    const n2 = btrd.speaker.neighbors().find((n) => n.name === 'a')!;
    assert.is(n2.prefixesAccepted, 0);
    // 3. a normal route after all that still passes.
    await a.send([announce(real, '203.0.113.0/24')]);
    await o.until('203.0.113.0/24 at the observer', () => o!.route('203.0.113.0/24') !== undefined, 15000);
    const t = o.table();
    assert.not.ok(t.has('198.51.100.0/24'), 'the long-path route was never propagated');
    for (const [p, attrs] of t) if (attrs) assert.ok(attrs.asPath!.reduce((n, s) => n + s.asns.length, 0) <= 101, `${p}: nothing long reached the observer`);
    // Counted once per announced prefix over the limit (Q, then P): with replicas = 1 on the main thread,
    // with replicas > 1 from the replicas' voted input errors (not once per replica).
    assert.is(n2.limitRejected, 2, `counted per announced prefix (replicas = ${replicas})`);
    assert.ok(btrd.logs.some((l) => l.includes('route over an import limit')), 'logged');
    setMetricsSource(btrd.speaker);
    try {
      const { body } = await renderMetrics();
      assert.match(body, /btrd_import_limit_rejected_prefixes_total\{peer="a"\} 2\n/, 'in /metrics');
      assert.match(body, /btrd_import_limit_rejected_prefixes_total\{peer="o"\} 0\n/);
    } finally {
      setMetricsSource(null);
    }
  } finally {
    await a?.close().catch(() => undefined);
    await o?.close().catch(() => undefined);
    await btrd?.stop();
  }
}

test('replicas: 1 — a real UPDATE with 320 ASNs is not accepted nor propagated, replaces as a withdraw; normal routes pass', async () => {
  await run(1, 60);
});

test('replicas: 3 — the same through the voted replicas (both decision implementations)', async () => {
  await run(3, 70);
});

test.run();
