/**
 * Graceful shutdown (issue 8): the real daemon (daemons/btrd.ts, a separate process) peers with BIRD; on
 * SIGTERM (and SIGINT) it sends BIRD a Cease / Administrative Shutdown NOTIFICATION (RFC 4486 subcode 2)
 * with an RFC 9003 Shutdown Communication, and exits 0 within the bound. BIRD is the oracle: its
 * `show protocols all` and its log record the Cease and the message. A second signal exits at once.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bird } from '../helpers/bird.js';
import { startProcess, tempDir, waitFor, type Started } from '../helpers/processes.js';

const test = suite('hardening/shutdown');
const BTRD_JS = fileURLToPath(new URL('../../daemons/btrd.js', import.meta.url));

function btrdConfig(last: number, birdAddr: string): string {
  return `router-id: 10.0.5.${last}
asn: 4200005030
listen: [{ address: 127.0.5.${last}, port: ${25000 + last} }]
api: null
log: { level: info }
peers:
  - { name: bird, address: ${birdAddr}, port: ${25000 + last + 1}, remote-as: 4200005031, local-address: 127.0.5.${last}, hold-time: 30, connect-retry-time: 1 }
`;
}

async function run(signal: NodeJS.Signals, last: number): Promise<void> {
  const birdAddr = `127.0.5.${last + 1}`;
  const t = tempDir('shutdown');
  const bird = await Bird.start({
    routerId: birdAddr,
    asn: 4200005031,
    localAddress: birdAddr,
    localPort: 25000 + last + 1,
    peers: [{ name: 'btrd', neighbor: `127.0.5.${last}`, neighborPort: 25000 + last, asn: 4200005030, passive: true }],
  });
  let btrd: Started | null = null;
  try {
    const conf = join(t.dir, 'btrd.yaml');
    writeFileSync(conf, btrdConfig(last, birdAddr));
    btrd = startProcess('node', [BTRD_JS, '--config', conf], { logFile: join(t.dir, 'btrd.log') });
    await bird.waitEstablished('btrd', 30000);
    const child = btrd.child;
    const exited = new Promise<{ code: number | null; ms: number }>((resolve) => {
      const t0 = Date.now();
      child.once('exit', (code) => resolve({ code, ms: Date.now() - t0 }));
    });
    process.kill(btrd.pid, signal);
    const { code, ms } = await exited;
    const proto = await waitFor('BIRD to record the Cease', () => {
      const s = bird.birdc('show protocols all btrd');
      return /Administrative shutdown/i.test(s) ? s : undefined;
    }, 10000);
    const birdLog = bird.proc.output();
    console.log(JSON.stringify({ signal, exitCode: code, exitMs: ms, birdLastError: /Last error:\s*(.*)/.exec(proto)?.[1] ?? null }));
    assert.is(code, 0, `btrd exits 0 on ${signal}`);
    assert.ok(ms < 10000, `within the 10 s bound (${ms} ms)`);
    assert.match(proto, /Last error:\s+Received: Administrative shutdown/, 'BIRD received Cease / Administrative Shutdown (6/2)');
    assert.match(birdLog, new RegExp(`btrd shutting down \\(${signal}\\)`), "BIRD logged the RFC 9003 shutdown communication");
  } finally {
    if (btrd) await btrd.stop(500);
    await bird.stop();
    t.remove();
  }
}

test('SIGTERM: BIRD receives Cease / Administrative Shutdown with the shutdown communication; btrd exits 0', async () => {
  await run('SIGTERM', 30);
});

test('SIGINT: the same', async () => {
  await run('SIGINT', 40);
});

test('a second signal while stopping exits at once', async () => {
  const t = tempDir('shutdown2');
  const conf = join(t.dir, 'btrd.yaml');
  writeFileSync(conf, `router-id: 10.0.5.50\nasn: 4200005050\nlisten: [{ address: 127.0.5.50, port: 25050 }]\napi: null\nreplicas: 3\n`);
  const btrd = startProcess('node', [BTRD_JS, '--config', conf], { logFile: join(t.dir, 'btrd.log') });
  try {
    await waitFor('btrd started', () => (btrd.output().includes('btrd started') ? true : undefined), 20000);
    const exited = new Promise<number | null>((resolve) => btrd.child.once('exit', (code) => resolve(code)));
    // Two different signals back to back (two SIGTERMs may be merged into one by the kernel: standard
    // signals are not queued): the first handler sets "stopping" synchronously, so the second finds the
    // stop under way and exits 1 at once (logged) instead of waiting for it.
    process.kill(btrd.pid, 'SIGTERM');
    process.kill(btrd.pid, 'SIGINT');
    const code = await exited;
    const out = btrd.output();
    assert.match(out, /second signal while stopping: exiting now/);
    assert.is(code, 1);
  } finally {
    await btrd.stop(500);
    t.remove();
  }
});

test.run();
