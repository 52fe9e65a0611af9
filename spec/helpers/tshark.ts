/**
 * tshark as an independent oracle: golden tests compare our decoding with Wireshark's own dissection of
 * the source captures instead of numbers typed by hand. Requires tshark (CI installs it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath } from './corpus.js';

/** One BGP PDU as tshark's JSON shows it (field name → string, nested object or array). */
export type TsharkNode = { readonly [field: string]: TsharkValue };
export type TsharkValue = string | TsharkNode | readonly TsharkValue[];

let checked = false;
function requireTshark(): void {
  if (checked) return;
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('tshark is not installed: the wire golden tests compare against tshark\'s decoding (apt-get install tshark)');
  }
  checked = true;
}

/** Captures whose BGP runs on a non-standard port (see ../shared/data/README.md, bgp-rs). */
function decodeAs(src: string): string[] {
  return src.startsWith('bgp-rs/') ? ['-d', 'tcp.port==1179,bgp'] : [];
}

function args(file: string, extra: string[], filter: string): string[] {
  return ['-r', file, ...extra, '-Y', filter, '-T', 'json', '--no-duplicate-keys', '-J', 'frame bgp'];
}

function run(file: string, extra: string[], filter: string): Map<number, TsharkNode[]> {
  requireTshark();
  const out = execFileSync('tshark', args(file, extra, filter), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return parse(out);
}

function parse(out: string): Map<number, TsharkNode[]> {
  const packets = JSON.parse(out) as { _source: { layers: { frame: TsharkNode; bgp?: TsharkValue } } }[];
  const byFrame = new Map<number, TsharkNode[]>();
  for (const p of packets) {
    const { frame, bgp } = p._source.layers;
    if (bgp === undefined) continue;
    const pdus = (Array.isArray(bgp) ? bgp : [bgp]) as TsharkNode[];
    byFrame.set(Number(frame['frame.number']), pdus);
  }
  return byFrame;
}

const cache = new Map<string, Map<number, TsharkNode[]>>();

/**
 * tshark's BGP PDUs of a capture under ../shared/data/pcap, by frame number; index i of a frame's array
 * is the corpus message with `idx` i.
 */
export function tsharkPdus(src: string, filter = 'bgp'): Map<number, TsharkNode[]> {
  const key = `${src}\0${filter}`;
  let r = cache.get(key);
  if (!r) {
    r = run(dataPath(`pcap/${src}`), decodeAs(src), filter);
    cache.set(key, r);
  }
  return r;
}

/** Run tshark over several captures in parallel (tshark costs ~1 s to start); later `tsharkPdus` calls hit the cache. */
export async function prefetchTshark(srcs: Iterable<string>, filter = 'bgp', jobs = 8): Promise<void> {
  requireTshark();
  const queue = [...new Set(srcs)].filter((src) => !cache.has(`${src}\0${filter}`));
  const exec = promisify(execFile);
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (let src = queue.shift(); src !== undefined; src = queue.shift()) {
        const { stdout } = await exec('tshark', args(dataPath(`pcap/${src}`), decodeAs(src), filter), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
        cache.set(`${src}\0${filter}`, parse(stdout));
      }
    }),
  );
}

/**
 * Dissect messages that exist only in memory: each becomes one Ethernet/IPv4/TCP (port 179) frame of a
 * temporary pcap. Used where the source capture needs a dissector newer than the installed tshark.
 */
export function tsharkDissect(messages: readonly Uint8Array[]): TsharkNode[] {
  const dir = mkdtempSync(join(tmpdir(), 'btrd-tshark-'));
  try {
    const file = join(dir, 'm.pcap');
    const chunks: Buffer[] = [];
    const global = Buffer.alloc(24);
    global.writeUInt32LE(0xa1b2c3d4, 0);
    global.writeUInt16LE(2, 4);
    global.writeUInt16LE(4, 6);
    global.writeUInt32LE(65535, 16);
    global.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    chunks.push(global);
    let seq = 1000;
    messages.forEach((m, i) => {
      const eth = Buffer.from('020000000002020000000001' + '0800', 'hex');
      const tcp = Buffer.alloc(20);
      tcp.writeUInt16BE(40000 + i, 0);
      tcp.writeUInt16BE(179, 2);
      tcp.writeUInt32BE(seq, 4);
      tcp[12] = 5 << 4;
      tcp[13] = 0x18; // PSH, ACK
      tcp.writeUInt16BE(65535, 14);
      seq += m.length;
      const ip = Buffer.alloc(20);
      ip[0] = 0x45;
      ip.writeUInt16BE(20 + 20 + m.length, 2);
      ip[8] = 64;
      ip[9] = 6;
      Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(ip, 12);
      let sum = 0;
      for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
      ip.writeUInt16BE(~sum & 0xffff, 10);
      const frame = Buffer.concat([eth, ip, tcp, Buffer.from(m)]);
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(i + 1, 0);
      rec.writeUInt32LE(frame.length, 8);
      rec.writeUInt32LE(frame.length, 12);
      chunks.push(rec, frame);
    });
    writeFileSync(file, Buffer.concat(chunks));
    const byFrame = run(file, [], 'bgp');
    return [...byFrame.keys()].sort((a, b) => a - b).flatMap((k) => byFrame.get(k) ?? []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A field as a string ('' when absent). */
export function field(node: TsharkNode, name: string): string {
  const v = node[name];
  return typeof v === 'string' ? v : '';
}

/** A field that may repeat, as a list of strings. */
export function fieldList(node: TsharkNode, name: string): string[] {
  const v = node[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** Every nested object that has `key`, in document order (e.g. each 'bgp.cap' of an OPEN). */
export function collect(value: TsharkValue, key: string, out: TsharkNode[] = []): TsharkNode[] {
  if (typeof value === 'string') return out;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, key, out);
    return out;
  }
  const node = value as TsharkNode;
  if (key in node) out.push(node);
  for (const v of Object.values(node)) collect(v, key, out);
  return out;
}

/** tshark's "aa:bb:cc" bytes as a plain hex string. */
export function hexField(s: string): string {
  return s.replace(/:/g, '');
}
