import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dataPath } from '../helpers/corpus.js';
import { MrtError, MrtParser, parseMrt, readMrt, type MrtRecord } from '../../lib/mrt/index.js';
import { UpdateMessageError } from '../../lib/wire/errors.js';
import { decodeUpdate } from '../../lib/wire/update.js';
import { diffMultisets, keyColumns, renderBgpdump, runBgpdump } from './bgpdump.js';
import { timedSuite, readAll } from './common.js';

const { test: reader, run } = timedSuite('mrt/reader');

function kinds(recs: readonly MrtRecord[]): Record<string, number> {
  const k: Record<string, number> = {};
  for (const r of recs) k[r.kind] = (k[r.kind] ?? 0) + 1;
  return k;
}

function same(actual: string[], expected: string[], what: string): void {
  const d = diffMultisets(actual, expected);
  if (d) assert.unreachable(`${what}: ${d}`);
}

reader('bzip2 (spawned bzip2 -dc) and gzip give the same records', async () => {
  const a = await readAll('edge/ryu.rib.20161101.0000_pick.bz2');
  const b = await readAll('edge/ryu.rib.20161101.0000_pick.gz');
  assert.equal(renderBgpdump(a, true), renderBgpdump(b, true));
  assert.is(a.length, 3);
});

// RIB-type files small enough to run bgpdump on; all columns compared.
const RIB_FILES = [
  'rib/bview.ipv4_unicast_add_path.gz',
  'rib/bview.ipv6_unicast_add_path.gz',
  'rib/bview.64k_stream_overflow.gz',
  'impl-samples/bird-mrtdump_rib',
  'impl-samples/bird6-mrtdump_rib',
  'impl-samples/quagga_rib',
  'impl-samples/openbgpd_rib_table-v2',
  'edge/ryu.rib.20161101.0000_pick.gz',
  'edge/bview.20140112.1600_3samples.gz',
];
for (const rel of RIB_FILES) {
  reader(`${rel}: entries match bgpdump -m`, async () => {
    const recs = await readAll(rel);
    assert.is(recs.filter((r) => r.kind === 'error').length, 0);
    same(renderBgpdump(recs, true), runBgpdump(dataPath(`mrt/${rel}`)), rel);
  });
}

reader('RIB record larger than 64 KiB (32-bit MRT length) and RIB_GENERIC reported as unsupported', async () => {
  const big = (await readAll('rib/bview.64k_stream_overflow.gz')).find((r) => r.kind === 'rib')!;
  assert.ok(big.length > 65535);
  const v2 = await readAll('impl-samples/openbgpd_rib_table-v2');
  const unk = v2.filter((r) => r.kind === 'unknown');
  assert.is(unk.length, 2);
  assert.ok(unk.every((r) => r.kind === 'unknown' && r.reason === 'unsupported' && r.subtype === 6));
});

reader('legacy TABLE_DUMP with IPv4 and IPv6 (openbgpd): key columns match bgpdump', async () => {
  const recs = await readAll('impl-samples/openbgpd_rib_table');
  assert.equal(kinds(recs), { 'table-dump': 31 });
  // Attribute columns differ on one line where bgpdump reads a 4-octet AGGREGATOR as 2-octet.
  same(renderBgpdump(recs, false), keyColumns(runBgpdump(dataPath('mrt/impl-samples/openbgpd_rib_table'))), 'keys');
});

// BGP4MP / BGP4MP_ET update files: every announced/withdrawn prefix and state change (UPDATEs decoded by lib/wire).
const UPDATE_FILES = [
  'updates/updates.20100722.2015.gz',
  'updates/ris.rrc06.updates.1401488100.gz',
  'updates/ris.rrc06.updates.1427846400.gz',
  'updates/bgpipe-sample.mrt',
  'updates/ryu.updates.20161101.0000.bz2',
  'updates/updates.20020722.2238.gz',
  'updates/updates.20071015.1505.gz',
  'updates/updates.20160811.1600.gz',
  'updates/routeviews.route-views.jinx.updates.1427846400.gz',
  'impl-samples/bird-mrtdump_bgp',
  'impl-samples/bird6-mrtdump_bgp',
  'impl-samples/openbgpd_bgp',
  'impl-samples/quagga_bgp',
  'impl-samples/openbgpd_rib_table-mp',
  'edge/updates.long_withdrawal.gz',
];
for (const rel of UPDATE_FILES) {
  reader(`${rel}: announcements, withdrawals and state changes match bgpdump -m`, async () => {
    const recs = await readAll(rel);
    assert.is(recs.filter((r) => r.kind === 'error').length, 0);
    same(renderBgpdump(recs, true), runBgpdump(dataPath(`mrt/${rel}`)), rel);
  });
}

reader('rrc15 (AS4 transition, AS4_PATH with a 2-octet AGGREGATOR): every column matches bgpdump', async () => {
  // RFC 6793 §4.2.3: AS4_PATH is ignored only when BOTH AGGREGATOR (non-AS_TRANS) and AS4_AGGREGATOR are present.
  const recs = await readAll('updates/rrc15.updates.20100227.1600.gz');
  same(renderBgpdump(recs, true), runBgpdump(dataPath('mrt/updates/rrc15.updates.20100227.1600.gz')), 'lines');
});

reader('deprecated type 5 (BGP) records: announcements match bgpdump; withdrawals counted', async () => {
  const recs = await readAll('edge/rrc00.updates.19991214.1621.gz');
  const ours = renderBgpdump(recs, false);
  const theirs = runBgpdump(dataPath('mrt/edge/rrc00.updates.19991214.1621.gz'));
  // bgpdump prints the peer address in place of withdrawn prefixes of type 5 records: compare counts only.
  same(keyColumns(ours.filter((l) => !l.includes('|W|'))), keyColumns(theirs.filter((l) => !l.includes('|W|'))), 'A/STATE');
  assert.is(ours.filter((l) => l.includes('|W|')).length, theirs.filter((l) => l.includes('|W|')).length);
  const msg = recs.find((r) => r.kind === 'bgp4mp-message')!;
  assert.ok(msg.kind === 'bgp4mp-message' && msg.message.length === ((msg.message[16] << 8) | msg.message[17]));
});

reader('edge: NLRI with a truncated trailing prefix — record fields match, lib/wire rejects the UPDATE', async () => {
  const recs = await readAll('edge/updates.nlri_mask_trailing_bits.gz');
  assert.is(recs.length, 1);
  const r = recs[0];
  assert.ok(r.kind === 'bgp4mp-message');
  if (r.kind !== 'bgp4mp-message') return;
  const [line] = runBgpdump(dataPath('mrt/edge/updates.nlri_mask_trailing_bits.gz'));
  assert.is(`BGP4MP|${r.timestamp}|A|${r.peerIp}|${r.peerAs}`, line.split('|').slice(0, 5).join('|'));
  assert.throws(() => decodeUpdate(r.message.subarray(19), { fourOctetAs: false }, null), (e: unknown) => e instanceof UpdateMessageError);
});

reader('edge: historically corrupted BGP4MP records are malformed-record errors, reading continues', async () => {
  const recs = await readAll('edge/rrc01.updates.20001104.0124.gz');
  const errors = recs.filter((r) => r.kind === 'error');
  assert.is(recs.length, 1286); // every record framed
  assert.ok(errors.length > 0 && errors.every((e) => e.kind === 'error' && e.reason === 'malformed-record' && !e.fatal && e.offset > 0));
  // bgpdump prints these STATE_CHANGE records as 0.0.0.0 AS 0; everything else matches.
  const theirs = runBgpdump(dataPath('mrt/edge/rrc01.updates.20001104.0124.gz'));
  const bogus = theirs.filter((l) => l.includes('|STATE|0.0.0.0|0|'));
  same(renderBgpdump(recs, true), theirs.filter((l) => !l.includes('|STATE|0.0.0.0|0|')), 'rest');
  assert.is(bogus.length, errors.filter((e) => e.kind === 'error' && e.subtype === 0).length);
});

reader('edge: garbage header → unknown record, then an implausible length stops reading (fatal, with offset)', async () => {
  const recs = await readAll('edge/rrc00.updates.20000325.0345.gz');
  assert.equal(kinds(recs), { 'bgp4mp-message': 5, unknown: 1, error: 1 });
  const u = recs.find((r) => r.kind === 'unknown')!;
  assert.ok(u.kind === 'unknown' && u.reason === 'unknown-type' && u.type === 32305);
  const e = recs[recs.length - 1];
  assert.ok(e.kind === 'error' && e.reason === 'bad-record-length' && e.fatal);
  assert.is(e.offset, u.offset + 12 + u.length + recs.filter((r) => r.offset > u.offset && r.kind !== 'error').reduce((n, r) => n + 12 + (r as { length: number }).length, 0));
});

reader('edge: RIB records without a PEER_INDEX_TABLE keep their entries, peerTable null', async () => {
  const recs = await readAll('edge/bview.20140112.1600_3samples.gz');
  assert.is(recs.length, 3);
  assert.ok(recs.every((r) => r.kind === 'rib' && r.peerTable === null && r.entries.length > 0));
});

reader('truncated bzip2 stream: complete records, then a fatal decompress-failed error', async () => {
  const recs = await readAll('rib/rib.20140523.0600_firstMB.bz2');
  const last = recs[recs.length - 1];
  assert.ok(last.kind === 'error' && last.reason === 'decompress-failed' && last.fatal);
  assert.ok(recs.filter((r) => r.kind === 'rib').length > 9000);
  assert.is(recs.filter((r) => r.kind === 'error').length, 1);
});

reader('truncated plain input: truncated-record error at the record offset; errors: throw raises MrtError', async () => {
  const bytes = gunzipSync(readFileSync(dataPath('mrt/edge/ryu.rib.20161101.0000_pick.gz')));
  const whole = parseMrt(bytes);
  const cut = bytes.subarray(0, bytes.length - 5);
  const recs = parseMrt(cut);
  assert.is(recs.length, whole.length);
  const e = recs[recs.length - 1];
  assert.ok(e.kind === 'error' && e.reason === 'truncated-record' && e.fatal);
  assert.is(e.offset, whole[whole.length - 1].offset);
  assert.throws(() => parseMrt(cut, { errors: 'throw' }), (x: unknown) => x instanceof MrtError && x.code === 'BTRD_ERR_MRT_TRUNCATED_RECORD' && x.offset === e.offset);
  // Streaming: the same via readMrt over a buffer, and a header cut short.
  const streamed: MrtRecord[] = [];
  for await (const r of readMrt(bytes.subarray(0, 7))) streamed.push(r);
  assert.equal(streamed.map((r) => r.kind === 'error' && r.reason), ['truncated-record']);
});

reader('chunk boundaries anywhere give identical records (incremental parser)', () => {
  const bytes = gunzipSync(readFileSync(dataPath('mrt/rib/bview.ipv6_unicast_add_path.gz')));
  const ref = renderBgpdump(parseMrt(bytes), true);
  for (const size of [1, 7, 12, 13, 100, 4096]) {
    const p = new MrtParser();
    const out: MrtRecord[] = [];
    for (let i = 0; i < bytes.length; i += size) p.push(bytes.subarray(i, i + size), out);
    p.end(out);
    assert.equal(renderBgpdump(out, true), ref, `chunk size ${size}`);
  }
});

reader('breaking out of a bzip2 read ends cleanly', async () => {
  let n = 0;
  for await (const r of readMrt(dataPath('mrt/rib/routeviews.route-views.jinx.ribs.1401487200.bz2'))) {
    if (r.kind === 'rib' && ++n === 10) break;
  }
  assert.is(n, 10);
});

reader('a missing file is an io-error record (or MrtError in throw mode)', async () => {
  const recs: MrtRecord[] = [];
  for await (const r of readMrt('/nonexistent/file.mrt')) recs.push(r);
  assert.ok(recs.length === 1 && recs[0].kind === 'error' && recs[0].reason === 'io-error');
  try {
    for await (const _ of readMrt('/nonexistent/file.mrt', { errors: 'throw' })) void _;
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MrtError);
  }
});

run();
