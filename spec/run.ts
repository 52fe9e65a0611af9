/**
 * Test runner: runs every compiled `*.spec.js` under dist/spec in its own Node process (uvu suites,
 * isolated so one crashing file cannot hide the others), sums uvu's per-file totals and prints the
 * final line `N passed, N failed`. Exits non-zero on any failure.
 *
 *   node dist/spec/run.js [substring...]   — only files whose path contains one of the substrings
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function findSpecs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findSpecs(p));
    else if (name.endsWith('.spec.js')) out.push(p);
  }
  return out;
}

interface FileResult {
  file: string;
  total: number;
  passed: number;
  skipped: number;
  code: number | null;
  output: string;
  ms: number;
}

function runFile(file: string): Promise<FileResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--expose-gc', file], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      // uvu prints one "Total/Passed/Skipped" block per process.
      const num = (label: string): number => {
        const m = output.match(new RegExp(`${label}:\\s+(\\d+)`, 'g'));
        return m ? m.map((x) => Number(x.replace(/\D+/g, ''))).reduce((a, b) => a + b, 0) : 0;
      };
      resolve({ file, total: num('Total'), passed: num('Passed'), skipped: num('Skipped'), code, output, ms: Date.now() - t0 });
    });
  });
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = findSpecs(here).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
  const queue = [...files];
  const results: FileResult[] = [];
  const workers = Math.max(1, Math.min(availableParallelism(), Number(process.env.BTRD_TEST_JOBS ?? 2)));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const r = await runFile(f);
        results.push(r);
        const failed = r.total - r.passed - r.skipped;
        const crashed = r.code !== 0 && failed === 0;
        const tag = failed > 0 || crashed ? 'FAIL' : 'ok  ';
        process.stdout.write(`${tag} ${relative(here, f)}  ${r.passed}/${r.total} (${r.ms} ms)\n`);
        if (failed > 0 || crashed || process.env.BTRD_TEST_VERBOSE) process.stdout.write(r.output.replace(/^/gm, '    ') + '\n');
      }
    }),
  );
  let passed = 0;
  let failed = 0;
  for (const r of results) {
    passed += r.passed;
    const f = r.total - r.passed - r.skipped;
    // A process that died without reporting a failure (crash, unhandled rejection) counts as one failure.
    failed += f > 0 ? f : r.code !== 0 ? 1 : 0;
  }
  if (files.length === 0) failed += 1;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
