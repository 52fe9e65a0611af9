import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath } from '../helpers/corpus.js';
import { bytesEqual } from '../../lib/wire/bytes.js';
import {
  TableDumpV2Encoder,
  encodeBgp4mpMessage,
  parseMrt,
  readMrt,
  writeTableDumpV2,
  type MrtRecord,
  type RibDumpRoute,
  type RibRecord,
} from '../../lib/mrt/index.js';
import { diffMultisets, oracleLines, runBgpdump } from './bgpdump.js';

const writer = suite('mrt/writer');
const dir = mkdtempSync(join(tmpdir(), 'btrd-mrt-writer-'));

async function ribOf(rel: string): Promise<{ recs: MrtRecord[]; ribs: RibRecord[] }> {
  const recs: MrtRecord[] = [];
  for await (const r of readMrt(dataPath(`mrt/${rel}`))) recs.push(r);
  return { recs, ribs: recs.filter((r): r is RibRecord => r.kind === 'rib') };
}

/** Write the RIB records of a dump back out with our writer (entries and attribute bytes unchanged). */
async function rewrite(rel: string, out: string): Promise<RibRecord[]> {
  const { ribs } = await ribOf(rel);
  const table = ribs[0].peerTable!;
  const routes: RibDumpRoute[] = ribs.map((r) => ({ prefix: r.prefix, entries: r.entries, timestamp: r.timestamp }));
  const res = await writeTableDumpV2(out, table.peers, routes, { timestamp: table.timestamp, collectorBgpId: table.collectorBgpId, viewName: table.viewName });
  assert.is(res.records, ribs.length + 1);
  return ribs;
}

for (const [rel, gz] of [
  ['rib/rib.20140523.0600_firstMB.complete-records.gz', true],
  ['rib/bview.ipv4_unicast_add_path.gz', true],
  ['rib/bview.ipv6_unicast_add_path.gz', false],
  ['rib/bview.64k_stream_overflow.gz', false],
] as const) {
  writer(`rewritten ${rel} reads the same in bgpdump -m (${gz ? 'gzip' : 'plain'})`, async () => {
    const out = join(dir, rel.replace(/\W/g, '_') + (gz ? '.mrt.gz' : '.mrt'));
    const ribs = await rewrite(rel, out);
    const d = diffMultisets(runBgpdump(out), oracleLines(rel));
    if (d) assert.unreachable(d);
    // And our reader gets the same prefixes, peers and attribute bytes back.
    const back: RibRecord[] = [];
    for await (const r of readMrt(out)) if (r.kind === 'rib') back.push(r);
    assert.is(back.length, ribs.length);
    for (let i = 0; i < ribs.length; i += 97) {
      assert.is(back[i].prefix, ribs[i].prefix);
      assert.is(back[i].sequence, i);
      assert.is(back[i].entries.length, ribs[i].entries.length);
      for (let j = 0; j < ribs[i].entries.length; j++) {
        const [a, b] = [back[i].entries[j], ribs[i].entries[j]];
        assert.ok(a.peerIndex === b.peerIndex && a.originatedTime === b.originatedTime && a.pathId === b.pathId && bytesEqual(a.attributes, b.attributes));
      }
    }
    const t0 = back[0].peerTable!.peers;
    const t1 = ribs[0].peerTable!.peers;
    assert.equal(t0.map((p) => [p.bgpId, p.ip, p.asn, p.as4]), t1.map((p) => [p.bgpId, p.ip, p.asn, true]));
  });
}

writer('peer index out of range and oversized records are rejected', () => {
  const enc = new TableDumpV2Encoder({ timestamp: 1 });
  enc.encodePeerIndexTable([{ bgpId: '1.1.1.1', ip: '10.0.0.1', asn: 65000 }]);
  assert.throws(() => enc.encodeRib({ prefix: 10 * 64 + 8, entries: [{ peerIndex: 1, originatedTime: 0, attributes: new Uint8Array(0) }] }), RangeError);
  assert.throws(() => enc.encodeRib({ prefix: 10 * 64 + 8, entries: [{ peerIndex: 0, originatedTime: 0, attributes: new Uint8Array(70000) }] }), RangeError);
});

writer('BGP4MP MESSAGE_AS4 and BGP4MP_ET records read back with every field', () => {
  const msg = new Uint8Array(23).fill(0xff);
  msg.set([0, 23, 2, 0, 0, 0, 0], 16);
  const a = encodeBgp4mpMessage({ timestamp: 100, peerAs: 4200000000, localAs: 65001, ifIndex: 3, peerIp: '2001:db8::1', localIp: '2001:db8::2', message: msg });
  const b = encodeBgp4mpMessage({ timestamp: 101, microseconds: 42, peerAs: 1, localAs: 2, peerIp: '192.0.2.1', localIp: '192.0.2.2', addPath: true, message: msg });
  const recs = parseMrt(new Uint8Array([...a, ...b]));
  const [x, y] = recs;
  assert.ok(x.kind === 'bgp4mp-message' && y.kind === 'bgp4mp-message');
  if (x.kind !== 'bgp4mp-message' || y.kind !== 'bgp4mp-message') return;
  assert.equal([x.type, x.subtype, x.peerAs, x.localAs, x.ifIndex, x.afi, x.peerIp, x.localIp, x.as4, x.addPath], [16, 4, 4200000000, 65001, 3, 2, '2001:db8::1', '2001:db8::2', true, false]);
  assert.equal([y.type, y.subtype, y.microseconds, y.afi, y.peerIp, y.addPath, y.timestamp], [17, 9, 42, 1, '192.0.2.1', true, 101]);
  assert.ok(bytesEqual(x.message, msg) && bytesEqual(y.message, msg));
  void readFileSync;
});

writer.after(() => rmSync(dir, { recursive: true, force: true }));
writer.run();
