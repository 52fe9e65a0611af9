import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeRouteRefresh, encodeRouteRefresh, isIgnoredRouteRefresh } from '../../lib/wire/route-refresh.js';
import { encodeKeepalive } from '../../lib/wire/keepalive.js';
import { RouteRefreshMessageError } from '../../lib/wire/errors.js';
import { frameMessage, encodeMessage } from '../../lib/wire/framing.js';
import { ErrorCode, RouteRefreshSubcode } from '../../lib/wire/iana.js';
import { fromHex, toHex } from '../../lib/wire/bytes.js';
import { readCorpusMessages } from '../helpers/corpus.js';
import { field, prefetchTshark, tsharkPdus } from '../helpers/tshark.js';

const rr = suite('wire/route-refresh');

const REFRESHES = readCorpusMessages().filter((m) => m.type === 5 && m.marker_ok && m.len === m.hdr_len);

rr.before(async () => {
  await prefetchTshark(REFRESHES.map((m) => m.src));
});

rr('every corpus ROUTE-REFRESH decodes and re-encodes byte-exact', () => {
  assert.ok(REFRESHES.length >= 10, `${REFRESHES.length} ROUTE-REFRESHes`);
  for (const m of REFRESHES) {
    assert.is(toHex(encodeRouteRefresh(decodeRouteRefresh(frameMessage(fromHex(m.hex)).body))), m.hex, `${m.src}#${m.frame}`);
  }
});

rr('AFI, subtype and SAFI agree with tshark; ORF entries are kept (RFC 5291 §4)', () => {
  const subtypes = new Set<number>();
  let withOrf = 0;
  for (const m of REFRESHES) {
    const where = `${m.src}#${m.frame}`;
    const t = tsharkPdus(m.src).get(m.frame)?.[m.idx];
    assert.ok(t, `${where}: tshark shows the PDU`);
    assert.is(Number(field(t, 'bgp.length')), m.len, where);
    const r = decodeRouteRefresh(frameMessage(fromHex(m.hex)).body);
    assert.is(r.afi, Number(field(t, 'bgp.route_refresh.afi')), `${where} afi`);
    assert.is(r.subtype, Number(field(t, 'bgp.route_refresh.subtype')), `${where} subtype`);
    assert.is(r.safi, Number(field(t, 'bgp.route_refresh.safi')), `${where} safi`);
    assert.is(r.orf !== undefined, 'bgp.route_refresh.orf' in t, `${where} ORF`);
    if (r.orf) withOrf++;
    subtypes.add(r.subtype);
  }
  assert.equal([...subtypes].sort(), [0, 1, 2], 'normal, BoRR and EoRR are all covered');
  assert.ok(withOrf >= 2);
});

function expectInvalidLength(body: Uint8Array): void {
  try {
    decodeRouteRefresh(body);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, RouteRefreshMessageError);
    const n = (e as RouteRefreshMessageError).notification;
    assert.equal([n.code, n.subcode], [ErrorCode.RouteRefreshMessage, RouteRefreshSubcode.InvalidMessageLength]);
    // RFC 7313 §5: "The Data field of the NOTIFICATION message MUST contain the complete ROUTE-REFRESH message."
    assert.is(toHex(n.data), toHex(encodeMessage(5, body)));
  }
}

rr('BoRR and EoRR with a length other than 4 are Invalid Message Length with the whole message as data (RFC 7313 §5)', () => {
  expectInvalidLength(fromHex('0001010100'));
  expectInvalidLength(fromHex('000102010000'));
});

rr('a body shorter than 4 octets is Invalid Message Length whatever the subtype (RFC 7313 §5)', () => {
  expectInvalidLength(fromHex('000100'));
  expectInvalidLength(fromHex('00'));
  expectInvalidLength(new Uint8Array());
});

rr('the corpus BoRR is rejected once padded, with the padded message as data', () => {
  const m = REFRESHES.find((x) => x.hex.slice(42, 44) === '01');
  assert.ok(m, 'a BoRR in the corpus');
  const body = Uint8Array.from([...frameMessage(fromHex(m.hex)).body, 0]);
  expectInvalidLength(body);
});

rr('subtypes other than 0, 1, 2 decode and are marked ignored (RFC 7313 §5)', () => {
  const r = decodeRouteRefresh(fromHex('00010301'));
  assert.is(r.subtype, 3);
  assert.ok(isIgnoredRouteRefresh(r));
  assert.ok(isIgnoredRouteRefresh(decodeRouteRefresh(fromHex('0002ff01'))));
  assert.not.ok(isIgnoredRouteRefresh(decodeRouteRefresh(fromHex('00010201'))));
});

rr('a KEEPALIVE is the 19-octet header alone (RFC 4271 §4.4)', () => {
  assert.is(toHex(encodeKeepalive()), 'ff'.repeat(16) + '001304');
  assert.is(frameMessage(encodeKeepalive()).type, 4);
  const corpus = readCorpusMessages().find((m) => m.type === 4 && m.marker_ok);
  assert.is(toHex(encodeKeepalive()), corpus?.hex);
});

rr.run();
