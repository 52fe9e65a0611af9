/** lib/progress.ts: rate and ETA from a fake clock; TTY redraws in place, non-TTY prints a line per interval. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Progress, formatSeconds } from '../lib/progress.js';

const p = suite('progress');

p('rate, percentage and ETA follow the clock', () => {
  let now = 0;
  const out: string[] = [];
  const pr = new Progress({ label: 'load', unit: 'prefixes', total: 1000, stream: { write: (s) => out.push(s), isTTY: true }, now: () => now });
  now = 2000;
  pr.add(400);
  assert.is(pr.rate(), 200);
  assert.is(pr.eta(), 3);
  assert.match(out.at(-1)!, /^\r\x1b\[Kload {2}400\/1,000 prefixes {2}200\/s {2}40 % {2}ETA 3 s$/);
  now = 2100;
  pr.add(1); // within 200 ms: no redraw on a TTY
  assert.is(out.length, 1);
  now = 5000;
  pr.add(599);
  pr.finish();
  assert.match(out.at(-1)!, /load {2}1,000 prefixes in 5\.0 s \(200\/s\)\n$/);
});

p('non-TTY: one line per interval, none for a short job', () => {
  let now = 0;
  const out: string[] = [];
  const pr = new Progress({ label: 'x', unit: 'msgs', stream: { write: (s) => out.push(s) }, intervalMs: 5000, now: () => now });
  now = 1000;
  pr.add(10);
  assert.is(out.length, 0);
  now = 6000;
  pr.add(10);
  assert.is(out.length, 1);
  assert.not.match(out[0], /ETA|\r/);
  assert.is(formatSeconds(125), '2 min 5 s');
});

p.run();
