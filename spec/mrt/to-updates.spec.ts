import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath } from '../helpers/corpus.js';
import { bytesEqual } from '../../lib/wire/bytes.js';
import { MessageFramer } from '../../lib/wire/framing.js';
import { decodeNlri, formatPrefix, type PrefixKey } from '../../lib/wire/prefix.js';
import {
  RibToUpdates,
  abbreviateMpReach,
  appendBgp4mpMessage,
  readMrt,
  ribToUpdates,
  writeMrtFile,
  type MrtRecord,
  type PeerUpdate,
  type RibRecord,
} from '../../lib/mrt/index.js';
import { ByteWriter } from '../../lib/wire/bytes.js';
import { diffMultisets, oracleLines, runBgpdump } from './bgpdump.js';

const conv = suite('mrt/to-updates');
const dir = mkdtempSync(join(tmpdir(), 'btrd-mrt-conv-'));

async function records(rel: string): Promise<MrtRecord[]> {
  const out: MrtRecord[] = [];
  for await (const r of readMrt(dataPath(`mrt/${rel}`))) out.push(r);
  return out;
}

/**
 * Independent raw decode of an UPDATE stream: framing, then NLRI from the NLRI field and from MP_REACH_NLRI
 * (walked by hand, not with the converter's code). Returns "prefix[#pathId]" strings.
 */
function announced(stream: Uint8Array, addPath: boolean): { prefixes: string[]; messages: number; maxLength: number } {
  const framer = new MessageFramer();
  const prefixes: string[] = [];
  let maxLength = 0;
  const frames = framer.push(stream);
  assert.is(framer.buffered, 0);
  for (const f of frames) {
    assert.is(f.type, 2);
    maxLength = Math.max(maxLength, f.message.length);
    const b = f.body;
    const wl = (b[0] << 8) | b[1];
    assert.is(wl, 0);
    const tal = (b[2] << 8) | b[3];
    const keys: PrefixKey[] = [];
    const ids: number[] = [];
    for (let p = 4; p < 4 + tal; ) {
      const flags = b[p];
      const type = b[p + 1];
      const ext = (flags & 0x10) !== 0;
      const len = ext ? (b[p + 2] << 8) | b[p + 3] : b[p + 2];
      const v = p + (ext ? 4 : 3);
      if (type === 14) {
        const afi = (b[v] << 8) | b[v + 1];
        const nh = b[v + 3];
        decodeNlri(afi as 1 | 2, b, v + 4 + nh + 1, v + len, addPath, keys, ids);
      }
      p = v + len;
    }
    decodeNlri(1, b, 4 + tal, b.length, addPath, keys, ids);
    keys.forEach((k, i) => prefixes.push(addPath ? `${formatPrefix(k)}#${ids[i]}` : formatPrefix(k)));
  }
  return { prefixes, messages: frames.length, maxLength };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

for (const [rel, addPath] of [
  ['rib/rib6.20151101.0600_firstMB.complete-records.gz', false],
  ['rib/bview.ipv6_unicast_add_path.gz', true],
  ['impl-samples/quagga_rib', false],
] as const) {
  conv(`${rel}: the UPDATE stream of each peer announces exactly that peer's RIB prefixes`, async () => {
    const recs = await records(rel);
    const ribs = recs.filter((r): r is RibRecord => r.kind === 'rib');
    const expected = new Map<number, string[]>();
    for (const r of ribs)
      for (const e of r.entries) {
        const l = expected.get(e.peerIndex) ?? [];
        l.push(addPath ? `${formatPrefix(r.prefix)}#${e.pathId}` : formatPrefix(r.prefix));
        expected.set(e.peerIndex, l);
      }
    const perPeer = new Map<number, Uint8Array[]>();
    let total = 0;
    for await (const u of ribToUpdates(recs)) {
      total += u.prefixCount;
      const l = perPeer.get(u.peerIndex) ?? [];
      l.push(u.message);
      perPeer.set(u.peerIndex, l);
    }
    assert.is(total, ribs.reduce((n, r) => n + r.entries.length, 0));
    assert.equal([...perPeer.keys()].sort((a, b) => a - b), [...expected.keys()].sort((a, b) => a - b));
    for (const [peer, msgs] of perPeer) {
      const got = announced(concat(msgs), addPath);
      assert.ok(got.maxLength <= 4096, `message of ${got.maxLength} bytes`);
      // Same prefixes in the same (dump) order.
      assert.equal(got.prefixes, expected.get(peer), `peer ${peer}`);
    }
  });
}

conv('consecutive prefixes with identical attributes share an UPDATE, up to 4096 bytes', async () => {
  const recs = await records('rib/rib.20140523.0600_firstMB.complete-records.gz');
  const c = new RibToUpdates();
  const out: PeerUpdate[] = [];
  for (const r of recs) if (r.kind === 'rib') c.push(r, out);
  c.flush(out);
  const prefixes = out.reduce((n, u) => n + u.prefixCount, 0);
  assert.ok(out.length < prefixes, `${out.length} UPDATEs for ${prefixes} prefixes`);
  assert.is(c.skippedEntries, 0);
  const small = new RibToUpdates({ maxMessageLength: 128 });
  const out2: PeerUpdate[] = [];
  for (const r of recs) if (r.kind === 'rib') small.push(r, out2);
  small.flush(out2);
  assert.ok(out2.every((u) => u.message.length <= 128));
  assert.is(out2.reduce((n, u) => n + u.prefixCount, 0) + small.skippedEntries, prefixes);
});

for (const rel of ['rib/rib.20140523.0600_firstMB.complete-records.gz', 'rib/rib6.20151101.0600_firstMB.complete-records.gz', 'rib/bview.ipv4_unicast_add_path.gz']) {
  conv(`${rel} as a BGP4MP MESSAGE_AS4 file: bgpdump -m shows the RIB's routes (peer, prefix, path, next hop, ...)`, async () => {
    const out = join(dir, rel.replace(/\W/g, '_') + '.updates.mrt');
    const w = new ByteWriter(1 << 16);
    for await (const u of ribToUpdates(readMrt(dataPath(`mrt/${rel}`)))) {
      appendBgp4mpMessage(w, { timestamp: u.timestamp, peerAs: u.peer!.asn, localAs: 0, peerIp: u.peer!.ip, localIp: '0.0.0.0', addPath: u.addPath, message: u.message });
    }
    await writeMrtFile(out, [w.finish()]);
    const strip = (lines: string[]): string[] => lines.map((l) => l.split('|').slice(3).join('|'));
    const d = diffMultisets(strip(runBgpdump(out)), strip(oracleLines(rel)));
    if (d) assert.unreachable(d);
  });
}

conv('abbreviateMpReach: UPDATE form → RIB-entry form, and back through the converter unchanged', async () => {
  // RouteViews (Quagga) dumps store the full RFC 4760 MP_REACH_NLRI in RIB entries; the converter accepts
  // both forms. Abbreviate it, convert that entry to an UPDATE, abbreviate again: the same bytes.
  const recs = await records('rib/rib6.20151101.0600_firstMB.complete-records.gz');
  const rib = recs.find((r): r is RibRecord => r.kind === 'rib')!;
  const src = rib.entries[0].attributes;
  const a1 = abbreviateMpReach(src);
  assert.ok(a1.length < src.length);
  const mp = a1.findIndex((_, i) => a1[i] === 0x80 && a1[i + 1] === 14 && a1[i + 2] === 17 && a1[i + 3] === 16);
  assert.ok(mp > 0, 'abbreviated MP_REACH: flags 0x80, type 14, length 17, next-hop length 16');
  const c = new RibToUpdates();
  const [u] = c.push({ ...rib, entries: [{ ...rib.entries[0], attributes: a1 }] }, []).concat(c.flush());
  const body = u.message.subarray(19);
  const tal = (body[2] << 8) | body[3];
  assert.ok(bytesEqual(abbreviateMpReach(body.subarray(4, 4 + tal)), a1));
});

conv.after(() => rmSync(dir, { recursive: true, force: true }));
conv.run();
