/**
 * Property tests (fast-check) for the UPDATE decoder: over random bytes, mutated real messages and the
 * public fuzz corpora it never throws anything but a typed BGP error, never takes long, and its memory
 * use is bounded; and decode(encode(x)) == x for generated attribute sets.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCorpusMessages, dataPath } from '../helpers/corpus.js';
import { decodeUpdate, encodeUpdate } from '../../lib/wire/update.js';
import { MessageFramer, frameMessage } from '../../lib/wire/framing.js';
import { BgpProtocolError } from '../../lib/wire/errors.js';
import { ipv4Key, ipv6Key } from '../../lib/wire/prefix.js';
import type { CodecContext, PathAttributes, AsPathSegment } from '../../lib/wire/types.js';

const robust = suite('wire/decode-robustness');
// A hang detector, not a speed test (speed is measured in bench/): generous enough for a loaded CI machine.
const MAX_MS = 1000;

function decodeSafely(body: Uint8Array, ctx: CodecContext): void {
  const t0 = performance.now();
  try {
    decodeUpdate(body, ctx, null);
  } catch (e) {
    if (!(e instanceof BgpProtocolError)) throw new Error(`untyped ${String(e)} on ${Buffer.from(body).toString('hex')}`);
  }
  const ms = performance.now() - t0;
  if (ms > MAX_MS) throw new Error(`decode took ${ms.toFixed(1)} ms on ${body.length} octets`);
}

const contexts: CodecContext[] = [{ fourOctetAs: true }, { fourOctetAs: false, ebgp: true }, { fourOctetAs: true, addPathIpv4: true, addPathIpv6: true }];
const realBodies = readCorpusMessages()
  .filter((m) => m.type === 2 && m.marker_ok && m.hdr_len === m.len)
  .map((m) => new Uint8Array(Buffer.from(m.hex, 'hex')).subarray(19));

robust('random bytes decode to a result or a typed error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(...contexts), (b, ctx) => decodeSafely(b, ctx)),
    { numRuns: 3000, seed: 7606 },
  );
});

robust('mutated real UPDATEs decode to a result or a typed error', () => {
  const mutation = fc.record({
    msg: fc.integer({ min: 0, max: realBodies.length - 1 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat()),
    ctx: fc.constantFrom(...contexts),
  });
  fc.assert(
    fc.property(mutation, ({ msg, flips, cut, ctx }) => {
      const b = realBodies[msg].slice();
      for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
      decodeSafely(cut === null ? b : b.subarray(0, cut % (b.length + 1)), ctx);
    }),
    { numRuns: 20000, seed: 4271 },
  );
});

robust('every message of the FRR AFL and GoBGP crash corpora frames and decodes to a result or a typed error', () => {
  const dirs = ['corpus/frr-bgpd-afl/gen', 'corpus/frr-bgpd-afl/seed', 'corpus/gobgp-bad-len'];
  let n = 0;
  for (const d of dirs) {
    const dir = dataPath(d);
    for (const f of readdirSync(dir)) {
      const raw = new Uint8Array(readFileSync(join(dir, f)));
      n++;
      // Through the streaming framer as a TCP peer would deliver it, then the UPDATE decoder.
      try {
        for (const frame of new MessageFramer(65535).push(raw)) if (frame.type === 2) for (const ctx of contexts) decodeSafely(frame.body, ctx);
      } catch (e) {
        if (!(e instanceof BgpProtocolError)) throw e;
      }
      // And the body alone, whatever its header says.
      if (raw.length > 19) for (const ctx of contexts) decodeSafely(raw.subarray(19), ctx);
    }
  }
  assert.ok(n > 3000, `corpus files: ${n}`);
});

robust('decoding a maximal 65535-octet UPDATE allocates a bounded amount of memory', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  // 16383 host routes fill an extended message: the worst case for objects per octet.
  const nlri = new Uint8Array(65535 - 19 - 4 - 31);
  for (let i = 0; i + 5 <= nlri.length; i += 5) nlri.set([32, 10, (i >> 16) & 255, (i >> 8) & 255, i & 255], i);
  const attrs = [0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0, 0, 0, 1, 0x40, 3, 4, 10, 0, 0, 1];
  const body = Uint8Array.from([0, 0, 0, attrs.length, ...attrs, ...nlri.subarray(0, Math.floor(nlri.length / 5) * 5)]);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const u = decodeUpdate(body, { fourOctetAs: true }, null);
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(u.nlri.length > 12000);
  assert.ok(grown < 8 * 1024 * 1024, `heap grew ${grown} bytes`);
  assert.ok(frameMessage(encodeUpdate(u, { fourOctetAs: true })).message.length <= 65535);
});

const segment: fc.Arbitrary<AsPathSegment> = fc.record({
  type: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
  asns: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 300 }),
}, { noNullPrototype: true });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const attributes: fc.Arbitrary<PathAttributes> = fc.record(
  {
    origin: fc.constantFrom(0 as const, 1 as const, 2 as const),
    asPath: fc.array(segment, { maxLength: 4 }),
    nextHop: ipv4,
    med: fc.integer({ min: 0, max: 0xffffffff }),
    localPref: fc.integer({ min: 0, max: 0xffffffff }),
    atomicAggregate: fc.constant(true),
    aggregator: fc.record({ asn: fc.integer({ min: 0, max: 0xffffffff }), address: ipv4 }, { noNullPrototype: true }),
    communities: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 80 }),
    originatorId: ipv4,
    clusterList: fc.array(ipv4, { minLength: 1, maxLength: 5 }),
    extCommunities: fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')), { minLength: 1, maxLength: 5 }),
    largeCommunities: fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })), { minLength: 1, maxLength: 30 }),
  },
  { requiredKeys: ['origin', 'asPath', 'nextHop'], noNullPrototype: true },
);

robust('decode(encode(x)) == x for generated attributes and NLRI (4-octet AS session)', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, l]) => ipv4Key(a, l));
  const v6 = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 })).map(([b, l]) => ipv6Key(b, 0, l));
  fc.assert(
    fc.property(attributes, fc.array(v4, { maxLength: 50 }), fc.array(v4, { maxLength: 50 }), fc.array(v6, { maxLength: 20 }), (attrs, nlri, withdrawn, nlri6) => {
      const ctx: CodecContext = { fourOctetAs: true };
      const mpReach = nlri6.length > 0 ? { afi: 2, safi: 1, nextHop: { global: '2001:db8::1', linkLocal: 'fe80::1' }, nlri: nlri6, reserved: 0 } : undefined;
      const msg = encodeUpdate({ attributes: attrs, nlri, withdrawn, ...(mpReach ? { mpReach } : {}) }, ctx);
      const u = decodeUpdate(frameMessage(msg).body, ctx, null);
      assert.is(u.treatment, 'none');
      assert.equal(u.nlri, nlri);
      assert.equal(u.withdrawn, withdrawn);
      if (mpReach) {
        assert.equal(u.mpReach?.nlri, nlri6);
        assert.equal(u.mpReach?.nextHop, mpReach.nextHop);
      }
      const { wire: _w, asPathEffective: _e, aggregatorEffective: _g, ...got } = u.attributes!;
      // Segments longer than 255 ASes are split on the wire (RFC 4271 §4.3); compare the AS sequence of each type run.
      const merged = (p: readonly AsPathSegment[] | undefined): string[] =>
        (p ?? []).reduce<string[]>((acc, seg, i, all) => {
          const text = seg.asns.join(',');
          if (i > 0 && all[i - 1].type === seg.type) acc[acc.length - 1] += ',' + text;
          else acc.push(`${seg.type}:${text}`);
          return acc;
        }, []);
      assert.equal(merged(got.asPath), merged(attrs.asPath));
      assert.equal({ ...got, asPath: undefined }, { ...attrs, asPath: undefined });
    }),
    { numRuns: 400, seed: 4760 },
  );
});

robust.run();
