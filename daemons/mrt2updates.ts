#!/usr/bin/env node
/**
 * mrt2updates — turn a TABLE_DUMP_V2 RIB into BGP UPDATE streams, per peer (benchmark input).
 * Thin CLI over lib/mrt/to-updates.ts.
 *
 *   mrt2updates RIB OUT.mrt[.gz]        one BGP4MP MESSAGE_AS4 MRT file (default; readable by bgpdump)
 *   mrt2updates --raw RIB DIR           DIR/peer-<index>-AS<asn>-<ip>.bgp: concatenated raw messages
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { ByteWriter } from '../lib/wire/bytes.js';
import { Progress } from '../lib/progress.js';
import { appendBgp4mpMessage, readMrt, ribToUpdates, writeMrtFile, type PeerUpdate } from '../lib/mrt/index.js';

const HELP = `Usage: mrt2updates [options] RIB OUT

Convert a TABLE_DUMP_V2 RIB (plain, .gz or .bz2) into UPDATE messages per peer: consecutive prefixes
with identical attributes share an UPDATE; IPv6 goes in a rebuilt MP_REACH_NLRI; attributes stay in the
4-octet-AS form (for 4-octet-AS sessions).

Output (default): OUT is one BGP4MP MESSAGE_AS4 MRT file (gzip if it ends in .gz), peers interleaved in
dump order, each record carrying its peer's address and AS.
  --raw             OUT is a directory; one file of concatenated BGP messages per peer
  --max-message N   largest UPDATE in bytes (default 4096; 65535 for RFC 8654)
  --local-as N      local AS written in BGP4MP records (default 0)
  --local-ip ADDR   local address written in BGP4MP records (default 0.0.0.0 / ::)
  --no-addpath      drop ADD-PATH path identifiers
  -h, --help
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      raw: { type: 'boolean' },
      'max-message': { type: 'string' },
      'local-as': { type: 'string' },
      'local-ip': { type: 'string' },
      'no-addpath': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 2) {
    process[values.help ? 'stdout' : 'stderr'].write(HELP);
    return values.help ? 0 : 2;
  }
  const [input, output] = positionals as [string, string];
  const maxMessageLength = Number(values['max-message'] ?? 4096);
  if (!Number.isInteger(maxMessageLength) || maxMessageLength < 64 || maxMessageLength > 65535) {
    process.stderr.write(`mrt2updates: bad --max-message ${values['max-message']}\n`);
    return 2;
  }
  const localAs = Number(values['local-as'] ?? 0);
  const localIp = values['local-ip'] ?? '0.0.0.0';
  let errors = 0;
  async function* records() {
    for await (const rec of readMrt(input)) {
      if (rec.kind === 'error') {
        errors++;
        process.stderr.write(`mrt2updates: ${input}: ${rec.reason} at offset ${rec.offset}: ${rec.message}\n`);
      }
      yield rec;
    }
  }
  const updates = ribToUpdates(records(), { maxMessageLength, addPath: !values['no-addpath'] });
  const t0 = performance.now();
  let messages = 0;
  let prefixes = 0;
  // Prefixes/s on a TTY (rewritten line), a line every 5 s otherwise; no ETA: the record count is unknown up front.
  const progress = new Progress({ label: `mrt2updates ${input}`, unit: 'prefixes' });
  const count = (u: PeerUpdate): void => {
    messages++;
    prefixes += u.prefixCount;
    progress.add(u.prefixCount);
  };

  if (values.raw) {
    mkdirSync(output, { recursive: true });
    const files = new Map<number, WriteStream>();
    for await (const u of updates) {
      count(u);
      let f = files.get(u.peerIndex);
      if (!f) {
        const name = `peer-${u.peerIndex}-AS${u.peer?.asn ?? 0}-${(u.peer?.ip ?? 'unknown').replace(/:/g, '_')}.bgp`;
        f = createWriteStream(join(output, name));
        files.set(u.peerIndex, f);
      }
      if (!f.write(u.message)) await once(f, 'drain');
    }
    await Promise.all([...files.values()].map((f) => new Promise((resolve, reject) => f.end((e?: Error | null) => (e ? reject(e) : resolve(undefined))))));
  } else {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const w = new ByteWriter(1 << 21);
      for await (const u of updates) {
        count(u);
        appendBgp4mpMessage(w, {
          timestamp: u.timestamp,
          peerAs: u.peer?.asn ?? 0,
          localAs,
          peerIp: u.peer?.ip ?? '0.0.0.0',
          localIp,
          addPath: u.addPath,
          message: u.message,
        });
        if (w.length >= 1 << 20) {
          yield w.finish();
          w.length = 0;
        }
      }
      if (w.length > 0) yield w.finish();
    }
    await writeMrtFile(output, chunks());
  }
  progress.finish();
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  process.stderr.write(`mrt2updates: ${messages} UPDATEs, ${prefixes} prefixes in ${s} s${errors ? `, ${errors} damaged records` : ''}\n`);
  return errors > 0 ? 1 : 0;
}

process.exitCode = await main();
