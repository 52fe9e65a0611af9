/**
 * Profile of the FIB writer alone (what the speaker pays per Loc-RIB change): the jinx table through
 * `FibWriter.applyLocRib` in batches of 2,000, with a CPU profile of just that window.
 *
 *   npm run -s build && node dist/bench/fib/writer-profile.js [out.cpuprofile]
 *
 * Prints routes/s for the fill, a full rewrite (every prefix, another next hop), a withdrawal of all, and
 * the first digest after the fill; writes the profile of the fill + rewrite when a path is given.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { PrefixKey } from '../../lib/wire/prefix.js';
import type { Route } from '../../lib/rib/types.js';
import type { PathAttributes } from '../../lib/wire/types.js';
import { FibWriter } from '../../lib/fib/writer.js';
import { ipv4Rows } from './jinx-table.js';

const rows = await ipv4Rows();
const attrs: PathAttributes[] = [];
const mk = (hopOf: (i: number, hop: string) => string): { prefix: PrefixKey; best: Route | null }[] =>
  rows.map(([prefix, hop], i) => {
    if (i % 50 === 0 && attrs.length <= i / 50) attrs.push({ origin: 0, asPath: [{ type: 2, asns: [64512 + (i % 1000), 3356, i % 65000] }] } as unknown as PathAttributes);
    const nextHop = hopOf(i, hop);
    return { prefix, best: { peerId: 1 + (i % 4), prefix, pathId: 0, attributes: attrs[Math.floor(i / 50)], nextHop } as Route };
  });
const fill = mk((_, h) => h);
const rewrite = mk((i) => `192.0.2.${1 + (i % 7)}`);
const withdraw = rows.map(([prefix]) => ({ prefix, best: null }));

const quiet = { info() {}, warn() {}, error() {} };
const writer = new FibWriter({ backends: ['memory'] }, quiet);
const out = process.argv[2];
const session = new Session();
if (out) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const run = (changes: typeof fill): number => {
  const t0 = performance.now();
  for (let at = 0; at < changes.length; at += 2000) writer.applyLocRib(changes.slice(at, at + 2000));
  return performance.now() - t0;
};
const fillMs = run(fill);
let t0 = performance.now();
writer.fib.digest();
const digestMs = performance.now() - t0;
const rewriteMs = run(rewrite);
t0 = performance.now();
writer.fib.digest();
const redigestMs = performance.now() - t0;
if (out) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
}
const withdrawMs = run(withdraw);
const rate = (ms: number): string => `${Math.round(rows.length / (ms / 1000)).toLocaleString('en-US')} routes/s (${Math.round(ms)} ms)`;
console.log(`prefixes                     ${rows.length.toLocaleString('en-US')}`);
console.log(`fill (applyLocRib)           ${rate(fillMs)}`);
console.log(`first digest after the fill  ${Math.round(digestMs)} ms`);
console.log(`rewrite every prefix         ${rate(rewriteMs)}`);
console.log(`digest after the rewrite     ${Math.round(redigestMs)} ms`);
console.log(`withdraw every prefix        ${rate(withdrawMs)}`);
