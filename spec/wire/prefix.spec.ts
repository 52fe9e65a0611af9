import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { formatIpv6, parseIpv6, formatIpv4, parseIpv4 } from '../../lib/wire/address.js';
import { decodeNlri, encodeNlri, formatPrefix, ipv4Key, ipv6Key, parsePrefix, prefixContains, prefixLength, prefixAfi } from '../../lib/wire/prefix.js';
import { ByteWriter } from '../../lib/wire/bytes.js';
import { UpdateMessageError } from '../../lib/wire/errors.js';

const prefix = suite('wire/prefix');

prefix('IPv6 text matches the WHATWG URL parser (an independent RFC 5952-style formatter)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 6 }), (b, zeroWords) => {
      for (const w of zeroWords) b[w * 2] = b[w * 2 + 1] = 0;
      const ours = formatIpv6(b);
      const theirs = new URL(`http://[${ours}]/`).hostname.slice(1, -1);
      // WHATWG prints IPv4-mapped addresses in hex; compare those through our parser instead.
      if (!ours.includes('.')) assert.is(ours, theirs);
      assert.equal([...parseIpv6(ours)], [...b]);
      assert.equal([...parseIpv6(theirs)], [...b]);
    }),
    { numRuns: 2000, seed: 5952 },
  );
});

prefix('IPv4 text round-trips', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => parseIpv4(formatIpv4(v)) === v), { numRuns: 1000 });
  assert.throws(() => parseIpv4('1.2.3.256'), TypeError);
  assert.throws(() => parseIpv4('1.2.3'), TypeError);
});

prefix('keys clear host bits, sort by address then length, and round-trip through text', () => {
  assert.is(formatPrefix(parsePrefix('10.1.2.3/8')), '10.0.0.0/8');
  assert.is(formatPrefix(parsePrefix('2001:db8:ffff::1/32')), '2001:db8::/32');
  assert.is(prefixLength(parsePrefix('::/0')), 0);
  assert.is(prefixAfi(parsePrefix('::/0')), 2);
  assert.ok((parsePrefix('10.0.0.0/8') as number) < (parsePrefix('10.0.0.0/9') as number));
  assert.ok((parsePrefix('10.0.0.0/9') as number) < (parsePrefix('10.128.0.0/9') as number));
  assert.ok((parsePrefix('2001:db8::/32') as string) < (parsePrefix('2001:db8:8000::/33') as string));
  assert.throws(() => parsePrefix('10.0.0.0/33'), TypeError);
  assert.throws(() => parsePrefix('::/129'), TypeError);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (a, l) => {
      const k = ipv4Key(a, l);
      return parsePrefix(formatPrefix(k)) === k;
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), (b, l) => {
      const k = ipv6Key(b, 0, l);
      return parsePrefix(formatPrefix(k)) === k;
    }),
  );
});

prefix('NLRI encode/decode are inverse, with and without ADD-PATH path identifiers', () => {
  const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, l]) => ipv4Key(a, l));
  fc.assert(
    fc.property(fc.array(v4, { maxLength: 40 }), fc.boolean(), (keys, addPath) => {
      const ids = keys.map((_, i) => i * 7 + 1);
      const w = new ByteWriter();
      encodeNlri(w, keys, addPath ? ids : null);
      const b = w.finish();
      const out: (number | string)[] = [];
      const outIds: number[] = [];
      decodeNlri(1, b, 0, b.length, addPath, out, addPath ? outIds : null);
      assert.equal(out, keys);
      if (addPath) assert.equal(outIds, ids);
    }),
  );
});

prefix('a prefix longer than the family allows is Invalid Network Field (3/10)', () => {
  const b = Uint8Array.from([33, 1, 2, 3, 4, 5]);
  try {
    decodeNlri(1, b, 0, b.length, false, [], null);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, UpdateMessageError);
    assert.equal([(e as UpdateMessageError).notification.code, (e as UpdateMessageError).notification.subcode], [3, 10]);
  }
});

prefix('containment', () => {
  assert.ok(prefixContains(parsePrefix('10.0.0.0/8'), parsePrefix('10.1.0.0/16')));
  assert.not.ok(prefixContains(parsePrefix('10.1.0.0/16'), parsePrefix('10.0.0.0/8')));
  assert.not.ok(prefixContains(parsePrefix('10.0.0.0/8'), parsePrefix('11.0.0.0/16')));
  assert.ok(prefixContains(parsePrefix('::/0'), parsePrefix('2001:db8::/32')));
  assert.not.ok(prefixContains(parsePrefix('0.0.0.0/0'), parsePrefix('2001:db8::/32')));
});

prefix.run();
