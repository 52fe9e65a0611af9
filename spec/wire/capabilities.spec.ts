import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  decodeCapabilities,
  decodeCapabilityValue,
  encodeCapabilities,
  encodeCapability,
  findCapability,
  type Capability,
} from '../../lib/wire/capabilities.js';
import { OpenMessageError } from '../../lib/wire/errors.js';
import { ErrorCode } from '../../lib/wire/iana.js';
import { fromHex, toHex } from '../../lib/wire/bytes.js';
import { readCorpusMessages } from '../helpers/corpus.js';

const caps = suite('wire/capabilities');

/** The value of every Capabilities parameter of the well-formed (non-RFC 9072) corpus OPENs, walked by hand. */
function corpusCapabilityParameters(): { where: string; value: Uint8Array }[] {
  const out: { where: string; value: Uint8Array }[] = [];
  for (const m of readCorpusMessages()) {
    if (m.type !== 1 || !m.marker_ok || m.len !== m.hdr_len) continue;
    const b = fromHex(m.hex).subarray(19);
    if (b[0] !== 4 || b[10] === 255) continue;
    for (let at = 10; at < b.length; at += 2 + b[at + 1]) {
      if (b[at] === 2) out.push({ where: `${m.src}#${m.frame}@${at}`, value: b.subarray(at + 2, at + 2 + b[at + 1]) });
    }
  }
  return out;
}

caps('every Capabilities parameter of the corpus decodes and re-encodes byte-exact, capability by capability', () => {
  const params = corpusCapabilityParameters();
  assert.ok(params.length > 60, `${params.length} parameters`);
  for (const { where, value } of params) {
    const list = decodeCapabilities(value);
    assert.is(toHex(encodeCapabilities(list)), toHex(value), where);
    let at = 0;
    for (const c of list) {
      const one = encodeCapability(c);
      assert.is(toHex(one), toHex(value.subarray(at, at + one.length)), `${where} ${c.kind}`);
      at += one.length;
    }
  }
});

const MALFORMED: [string, string][] = [
  ['multiprotocol of length 3 (RFC 4760 §8)', '0103000101'],
  ['route refresh of length 1 (RFC 2918 §2)', '020100'],
  ['enhanced route refresh of length 1 (RFC 7313 §3)', '460100'],
  ['extended message of length 1 (RFC 8654 §3)', '060100'],
  ['four-octet AS of length 2 (RFC 6793 §3)', '41020001'],
  ['graceful restart of length 0 (RFC 4724 §3)', '4000'],
  ['graceful restart of length 5 (RFC 4724 §3)', '40050078000101'],
  ['add-path of length 0 (RFC 7911 §4)', '4500'],
  ['add-path of length 3 (RFC 7911 §4)', '4503000101'],
  ['capability length past the parameter (RFC 5492 §4)', '41050000fde8'],
  ['a lone capability code (RFC 5492 §4)', '02'],
];

for (const [name, hex] of MALFORMED) {
  caps(`${name} is OPEN Message Error / Unspecific (RFC 4271 §6.2)`, () => {
    try {
      decodeCapabilities(fromHex(hex));
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, OpenMessageError);
      const n = (e as OpenMessageError).notification;
      assert.equal([n.code, n.subcode, n.data.length], [ErrorCode.OpenMessage, 0, 0]);
    }
  });
}

caps('add-path with a Send/Receive value outside 1..3 is kept raw, i.e. not understood (RFC 7911 §4)', () => {
  const c = decodeCapabilityValue(69, fromHex('00010104'));
  assert.equal(c, { kind: 'unknown', code: 69, value: fromHex('00010104') });
  assert.is(toHex(encodeCapability(c)), '450400010104');
});

caps('graceful restart flags and per-family F bit (RFC 4724 §3, N bit RFC 8538 §2)', () => {
  const c = decodeCapabilityValue(64, fromHex('c12c' + '00010180' + '00020100'));
  assert.equal(c, {
    kind: 'graceful-restart',
    restartState: true,
    notification: true,
    restartTime: 300,
    families: [
      { afi: 1, safi: 1, forwardingPreserved: true },
      { afi: 2, safi: 1, forwardingPreserved: false },
    ],
  });
});

caps('reserved bits and octets survive the round trip (byte-exact for non-canonical senders)', () => {
  for (const hex of ['010400010501', '40063078000101ff']) {
    const value = fromHex(hex).subarray(2);
    assert.is(toHex(encodeCapability(decodeCapabilityValue(fromHex(hex)[0], value))), hex);
  }
});

caps('unknown capabilities are kept raw', () => {
  const c = decodeCapabilityValue(73, fromHex('0361626300'));
  assert.equal(c, { kind: 'unknown', code: 73, value: fromHex('0361626300') });
});

caps('findCapability returns the first capability of a kind, typed', () => {
  const list = decodeCapabilities(fromHex('02004104fde80000' + '41040000fde9'));
  assert.is(findCapability(list, 'four-octet-as')?.asn, 0xfde80000);
  assert.is(findCapability(list, 'add-path'), undefined);
});

caps('property: encode then decode gives the same capabilities', () => {
  const u8 = fc.integer({ min: 0, max: 255 });
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const cap: fc.Arbitrary<Capability> = fc.oneof(
    fc.record({ kind: fc.constant('multiprotocol' as const), afi: u16, safi: u8 }),
    fc.constant({ kind: 'route-refresh' as const }),
    fc.constant({ kind: 'enhanced-route-refresh' as const }),
    fc.constant({ kind: 'extended-message' as const }),
    fc.record({ kind: fc.constant('four-octet-as' as const), asn: fc.integer({ min: 0, max: 0xffffffff }) }),
    fc.record({
      kind: fc.constant('graceful-restart' as const),
      restartState: fc.boolean(),
      notification: fc.boolean(),
      restartTime: fc.integer({ min: 0, max: 0xfff }),
      families: fc.array(fc.record({ afi: u16, safi: u8, forwardingPreserved: fc.boolean() }), { maxLength: 10 }),
    }),
    fc.record({
      kind: fc.constant('add-path' as const),
      families: fc.array(fc.record({ afi: u16, safi: u8, sendReceive: fc.constantFrom(1 as const, 2 as const, 3 as const) }), { minLength: 1, maxLength: 10 }),
    }),
    fc.record({
      kind: fc.constant('unknown' as const),
      code: fc.constantFrom(0, 3, 7, 71, 73, 128, 255),
      value: fc.uint8Array({ maxLength: 40 }),
    }),
  );
  fc.assert(
    fc.property(fc.array(cap, { maxLength: 8 }), (generated) => {
      const list = structuredClone(generated); // plain prototypes, as the decoder builds them
      assert.equal(decodeCapabilities(encodeCapabilities(list)), list);
    }),
  );
});

caps('property: arbitrary bytes either decode (and re-encode exactly) or throw OpenMessageError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        const list = decodeCapabilities(b);
        assert.is(toHex(encodeCapabilities(list)), toHex(b));
      } catch (e) {
        if (!(e instanceof OpenMessageError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});

caps.run();
