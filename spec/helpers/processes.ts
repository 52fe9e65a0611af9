/**
 * Child processes started by tests: every one is registered, killed by PID (SIGTERM, then SIGKILL after a
 * grace period) when the test stops it or when the test process exits, so no daemon outlives its test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) if (c.pid && c.exitCode === null) try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
});

export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  output(): string;
  stop(graceMs?: number): Promise<void>;
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `btrd-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function startProcess(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string }): Started {
  let out = '';
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  running.add(child);
  child.on('exit', () => running.delete(child));
  const pid = child.pid;
  return {
    child,
    pid,
    logFile: opts.logFile,
    output: () => out + (existsSync(opts.logFile) ? readFileSync(opts.logFile, 'utf8') : ''),
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try { process.kill(pid, 'SIGTERM'); } catch { return; }
      const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Poll `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function hasCommand(cmd: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/usr/lib/frr', '/bin', '/sbin'].some((d) => existsSync(join(d, cmd)));
}
