// The project's test runner: runs every compiled `*.test.js` under dist/test in its own node
// process (so a live test that wedges a tracee cannot take the others down), adds up uvu's
// per-file summaries and ends with the one line CI reads: `N passed, N failed`.
//
//   node dist/test/run.js [FILTER...]     only files whose path contains one of the filters
//
// A file that exits non-zero without a uvu summary (a crash, a timeout) counts as one failure.
// Skips are counted and listed; under CI=true the live-test helpers turn skips into failures.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const distTest = __dirname;
const perFileTimeoutMs = Number(process.env.UTAP_TEST_TIMEOUT_MS ?? 600_000);

interface FileResult { file: string; passed: number; failed: number; skipped: number; seconds: number; output: string }

function findTestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTestFiles(full));
    else if (entry.name.endsWith('.test.js')) out.push(full);
  }
  return out.sort();
}

function summaryNumber(output: string, label: string): number | undefined {
  const matches = [...output.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))];
  if (matches.length === 0) return undefined;
  return matches.reduce((sum, m) => sum + Number(m[1]), 0);
}

function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[runner] timed out after ${perFileTimeoutMs / 1000}s; killed\n`;
      child.kill('SIGKILL');
    }, perFileTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const total = summaryNumber(output, 'Total');
      const passed = summaryNumber(output, 'Passed') ?? 0;
      const skipped = summaryNumber(output, 'Skipped') ?? 0;
      let failed = total === undefined ? 0 : total - passed;
      if ((code !== 0 || signal) && failed === 0) failed = 1; // crashed or killed before reporting
      resolve({ file, passed, failed, skipped, seconds: (Date.now() - started) / 1000, output });
    });
  });
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = findTestFiles(distTest).filter((f) => filters.length === 0 || filters.some((flt) => path.relative(path.dirname(distTest), f).includes(flt)));
  let passed = 0, failed = 0, skipped = 0;
  const skipReasons: string[] = [];
  for (const file of files) {
    const rel = path.relative(path.dirname(distTest), file);
    const r = await runFile(file);
    passed += r.passed; failed += r.failed; skipped += r.skipped;
    for (const m of r.output.matchAll(/^SKIP: (.*)$/gm)) skipReasons.push(`${rel}: ${m[1]}`);
    const status = r.failed > 0 ? 'FAIL' : 'ok  ';
    console.log(`${status} ${rel}  ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}  (${r.seconds.toFixed(1)}s)`);
    if (r.failed > 0 || process.env.UTAP_TEST_VERBOSE) console.log(r.output.replace(/^/gm, '    | '));
  }
  if (skipReasons.length) console.log(`\nskipped:\n${skipReasons.map((s) => '  ' + s).join('\n')}`);
  if (skipped) console.log(`${skipped} skipped`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
}

void main();
