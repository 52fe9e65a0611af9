/**
 * lib/session/input-budget.ts and BgpConnection.pause(): the parts of input back-pressure that do not need
 * a daemon (spec/hardening/backpressure.spec.ts floods a real one).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { InputBudget } from '../../lib/session/input-budget.js';
import { BgpConnection } from '../../lib/session/connection.js';
import { encodeKeepalive } from '../../lib/wire/keepalive.js';
import type { Frame } from '../../lib/wire/framing.js';

const test = suite('session/input-budget');

test('pauses before one more maximum-size message could cross the bound, resumes at half, never above the bound', () => {
  const calls: string[] = [];
  const b = new InputBudget({ pauseInput: () => calls.push('pause'), resumeInput: () => calls.push('resume') }, 100_000);
  // A stream of messages of sizes 19..4096 taken while not paused, released in FIFO order when paused.
  const queued: number[] = [];
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 20000; i++) {
    if (!b.status().paused) {
      const n = 19 + Math.floor(rnd() * (4096 - 19));
      queued.push(n);
      b.take(n, 4096);
      assert.ok(b.status().queuedBytes <= 100_000, `queued ${b.status().queuedBytes} over the bound`);
    } else b.release(queued.shift()!);
  }
  assert.ok(b.status().peakQueuedBytes <= 100_000);
  assert.ok(b.status().peakQueuedBytes > 100_000 - 2 * 4096, 'the budget is actually used up to near the bound');
  assert.ok(b.status().pauses > 10);
  // Strictly alternating pause/resume, never two of a kind.
  for (let i = 1; i < calls.length; i++) assert.is.not(calls[i], calls[i - 1]);
  assert.is(calls[0], 'pause');
});

test('a paused connection hands over no more frames, not even the rest of the chunk being framed; resume delivers them in order', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(25001, '127.0.5.1', () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect({ host: '127.0.5.1', port: 25001, localAddress: '127.0.5.2' });
  const socket = await accepted;
  const got: number[] = [];
  let conn: BgpConnection | null = null;
  conn = new BgpConnection(
    socket,
    'incoming',
    {
      frames: (_c, frames: readonly Frame[]) => {
        for (const f of frames) got.push(f.message.length);
        if (got.length === 1) conn!.pause();
      },
      headerError: () => assert.unreachable('no header error'),
      lost: () => undefined,
      drain: () => undefined,
    },
    { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    'test',
  );
  // Three KEEPALIVEs in one write: one chunk (19 bytes each).
  client.write(Buffer.concat([encodeKeepalive(), encodeKeepalive(), encodeKeepalive()]));
  for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  assert.is(got.length, 1, 'only the frame before pause() was handed over');
  assert.is(conn.heldBytes, 38, 'the other two are held');
  client.write(encodeKeepalive());
  await new Promise((r) => setTimeout(r, 100));
  assert.is(got.length, 1, 'a paused connection does not read the socket');
  conn.resume();
  for (let i = 0; i < 50 && got.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
  assert.is(got.length, 4, 'resume delivers the held frames, then reads again');
  assert.is(conn.heldBytes, 0);
  client.destroy();
  conn.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

test.run();
