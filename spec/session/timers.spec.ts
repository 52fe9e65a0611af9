import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SessionTimers } from '../../lib/session/timers.js';
import type { TimerName } from '../../lib/session/fsm.js';
import { sleep } from './helpers.js';

const test = suite('session/timers');

function make(): { timers: SessionTimers; fired: { name: TimerName; at: number }[]; t0: number } {
  const fired: { name: TimerName; at: number }[] = [];
  const t0 = Date.now();
  const timers = new SessionTimers((name) => fired.push({ name, at: Date.now() - t0 }), () => 1);
  return { timers, fired, t0 };
}

test('a timer fires once after its duration', async () => {
  const { timers, fired } = make();
  timers.start('hold', 0.1);
  assert.ok(timers.isRunning('hold'));
  await sleep(250);
  assert.is(fired.length, 1);
  assert.ok(fired[0].at >= 95, `fired at ${fired[0].at}`);
  assert.not.ok(timers.isRunning('hold'));
});

test('restarting moves the deadline (the Hold timer restarts on each message, RFC 4271 §4.4)', async () => {
  const { timers, fired } = make();
  timers.start('hold', 0.15);
  for (let i = 0; i < 5; i++) {
    await sleep(60);
    timers.start('hold', 0.15);
  }
  assert.is(fired.length, 0, 'kept alive by restarts');
  await sleep(250);
  assert.is(fired.length, 1);
  assert.ok(fired[0].at >= 440, `fired at ${fired[0].at}`);
});

test('restarting to an earlier deadline takes effect', async () => {
  const { timers, fired } = make();
  timers.start('hold', 10);
  timers.start('hold', 0.05);
  await sleep(150);
  assert.is(fired.length, 1);
});

test('0 seconds does not start a timer and stops a running one (hold time 0, RFC 4271 §4.2)', async () => {
  const { timers, fired } = make();
  timers.start('keepalive', 0.05);
  timers.start('keepalive', 0);
  assert.not.ok(timers.isRunning('keepalive'));
  await sleep(100);
  assert.is(fired.length, 0);
});

test('stopAll cancels everything', async () => {
  const { timers, fired } = make();
  timers.start('hold', 0.05);
  timers.start('keepalive', 0.05);
  timers.start('connect-retry', 0.05);
  assert.equal(timers.running().sort(), ['connect-retry', 'hold', 'keepalive']);
  timers.stopAll();
  await sleep(120);
  assert.is(fired.length, 0);
});

test('keepalive and connect-retry are jittered into [0.75, 1] of their value (RFC 4271 §10); hold is not', async () => {
  const fired: { name: TimerName; at: number }[] = [];
  const t0 = Date.now();
  const timers = new SessionTimers((name) => fired.push({ name, at: Date.now() - t0 }), () => 0);
  timers.start('keepalive', 0.4);
  timers.start('hold', 0.4);
  await sleep(550);
  const at = Object.fromEntries(fired.map((f) => [f.name, f.at]));
  assert.ok(at.keepalive! >= 290 && at.keepalive! < 380, `keepalive at ${at.keepalive}`);
  assert.ok(at.hold! >= 395, `hold at ${at.hold}`);
});

test('timers do not keep the process alive (unref)', () => {
  const { timers } = make();
  timers.start('idle-hold', 3600);
  // If this timer were ref'd, this spec process would hang for an hour after the suite ends (the
  // runner would time out); it is left running on purpose.
  assert.ok(timers.isRunning('idle-hold'));
});

test.run();
