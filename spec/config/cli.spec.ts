/** The btrd CLI: --check, --print-default-config, usage errors, and a running daemon's SIGHUP/SIGTERM. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDefaultConfig, parseConfig } from '../../lib/config/load.js';
import { startProcess, tempDir, waitFor } from '../helpers/processes.js';

const cli = suite('config/cli');
const BTRD = fileURLToPath(new URL('../../daemons/btrd.js', import.meta.url));
const tmp = tempDir('cli');

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BTRD, ...args], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function write(name: string, text: string): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, text);
  return p;
}

function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const GOOD = 'router-id: 10.0.0.1\nasn: 65000\npeers:\n  - { name: p1, address: 127.0.0.2, remote-as: 65001, passive: true }\n';
const BAD = 'router-id: 10.0.0.1\nasn: 65000\npeers:\n  - name: p1\n    address: 127.0.0.2\n    remote-as: 65001\n    hold-time: 2\n';

cli('--check with no --config validates the embedded default and exits 0', () => {
  const r = run('--check');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /configuration OK: <embedded default config>/);
});

cli('--check on a good file exits 0 and names the file', () => {
  const f = write('good.yaml', GOOD);
  const r = run('--check', '--config', f);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`configuration OK: ${f}.*1 peer`));
});

cli('--check on a bad file exits 2; stderr names the file, line, field path and expectation', () => {
  const f = write('bad.yaml', BAD);
  const r = run('--check', '-c', f);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.ok(r.stderr.includes(`${f}:7:16: peers[0].hold-time: expected 0 or an integer 3..65535 seconds (RFC 4271 §4.2), got 2`), r.stderr);
});

cli('a bad config without --check also exits 2 before starting anything', () => {
  const r = run('--config', write('bad2.yaml', BAD));
  assert.is(r.code, 2);
  assert.match(r.stderr, /peers\[0\]\.hold-time/);
});

cli('a missing config file exits 2 naming it', () => {
  const r = run('--check', '--config', join(tmp.dir, 'nope.yaml'));
  assert.is(r.code, 2);
  assert.match(r.stderr, /nope\.yaml.*cannot read the file/);
});

cli('command-line overrides apply and are validated (--router-id, --asn, --listen, --log-level)', () => {
  const ok = run('--check', '--router-id', '10.7.7.7', '--asn', '64512', '--listen', '127.0.0.9:1790', '--log-level', 'debug');
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /router-id 10\.7\.7\.7, AS 64512/);
  const bad = run('--check', '--asn', '0', '--log-level', 'loud');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /command line --asn\): asn: expected an AS number/);
  assert.match(bad.stderr, /command line --log-level\): log\.level: expected one of/);
});

cli('--replicas, --voting and --k override the replication settings and are validated together', () => {
  const ok = run('--check', '--replicas', '5', '--voting', 'k-of-n', '--k', '2');
  assert.is(ok.code, 0, ok.stderr);
  const tooMany = run('--check', '--replicas', '3', '--voting', 'k-of-n', '--k', '4');
  assert.is(tooMany.code, 2);
  assert.match(tooMany.stderr, /replication\.k: k = 4 is more than replicas = 3/);
  const wrongMode = run('--check', '--replicas', '3', '--voting', 'master', '--k', '2');
  assert.is(wrongMode.code, 2);
  assert.match(wrongMode.stderr, /k only applies to mode k-of-n/);
});

cli('--spares overrides replication.spares and is validated with --replicas', () => {
  const ok = run('--check', '--replicas', '3', '--spares', '1');
  assert.is(ok.code, 0, ok.stderr);
  const one = run('--check', '--replicas', '1', '--spares', '1');
  assert.is(one.code, 2);
  assert.match(one.stderr, /--spares\): replication\.spares: spares = 1 needs replicas ≥ 2/);
});

cli('an unknown option exits 2 with the usage', () => {
  const r = run('--bogus');
  assert.is(r.code, 2);
  assert.match(r.stderr, /Usage: btrd/);
});

cli('--help exits 0', () => {
  const r = run('--help');
  assert.is(r.code, 0);
  assert.match(r.stdout, /--print-default-config/);
});

cli('--print-default-config prints YAML that re-parses to the embedded default and passes --check', () => {
  const r = run('--print-default-config');
  assert.is(r.code, 0);
  assert.equal(parseConfig(r.stdout, 'printed.yaml'), loadDefaultConfig());
  const check = run('--check', '--config', write('printed.yaml', r.stdout));
  assert.is(check.code, 0, check.stderr);
});

cli('SIGHUP with a broken file keeps the daemon up on the old config; a good file reloads; SIGTERM exits 0', async () => {
  const apiPort = await freePort();
  const bgpPort = await freePort();
  const cfg = (extra = ''): string =>
    `router-id: 10.0.0.1\nasn: 65000\nlisten: [{ address: 127.0.0.1, port: ${bgpPort} }]\napi: { listen: "127.0.0.1:${apiPort}" }\nlog: { level: info }\n${extra}`;
  const file = write('daemon.yaml', cfg());
  const d = startProcess(process.execPath, [BTRD, '--config', file], { logFile: join(tmp.dir, 'daemon.log') });
  try {
    const status = async (): Promise<{ status: string } | undefined> => {
      const res = await fetch(`http://127.0.0.1:${apiPort}/status`);
      return res.ok ? ((await res.json()) as { status: string }) : undefined;
    };
    assert.is((await waitFor('the API to answer', status, 15000)).status, 'ok');

    writeFileSync(file, 'router-id: [oops\n');
    process.kill(d.pid, 'SIGHUP');
    await waitFor('the reload failure to be logged', () => (/reload failed: invalid configuration/.test(d.output()) ? true : undefined), 10000, 100);
    assert.match(d.output(), /daemon\.yaml/, 'the log names the file');
    assert.is(d.child.exitCode, null, 'still running');
    assert.is((await status())?.status, 'ok', 'the API still answers');

    writeFileSync(file, cfg('peers:\n  - { name: later, address: 127.0.0.3, remote-as: 65009, passive: true }\n'));
    process.kill(d.pid, 'SIGHUP');
    await waitFor('the reload to succeed', () => (/configuration reloaded/.test(d.output()) ? true : undefined), 10000, 100);

    const exited = new Promise<number | null>((resolve) => d.child.once('exit', (code) => resolve(code)));
    process.kill(d.pid, 'SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10000))]);
    assert.is(code, 0, `exit code after SIGTERM; output:\n${d.output()}`);
  } finally {
    await d.stop();
  }
});

cli.after(() => tmp.remove());
cli.run();
