// `npm run bench -- --quick` on one target, end to end: real tools on a real target. Checks the
// report's shape — every tool has a row, measured with its figures and exactly the target's
// events, or skipped / not applicable with a reason — never timings (the machine is shared).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BenchResults } from '../../bench/results';
import { TOOLS } from '../../bench/tools';
import { repoRoot } from '../support/paths';

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-bench-test-'));
let results: BenchResults;
let stderr = '';

test.before(() => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'bench', 'run.js'), '--quick', '--target', 'emulated', '--out', outDir], { encoding: 'utf8', timeout: 240_000 });
  stderr = r.stderr;
  assert.is(r.status, 0, `bench exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  const dir = path.join(outDir, 'results');
  const files = fs.readdirSync(dir).filter((f) => /^\d{4}-\d\d-\d\d\.json$/.test(f));
  assert.is(files.length, 1, 'one results/<date>.json');
  results = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8')) as BenchResults;
});

test.after(() => fs.rmSync(outDir, { recursive: true, force: true }));

test('results carry the schema, the machine and the one target asked for', () => {
  assert.is(results.schema, 'utap-bench/1');
  assert.ok(results.quick);
  assert.ok(results.runsPerCell >= 1);
  assert.ok(results.machine.cpus >= 1 && results.machine.kernel.length > 0);
  assert.equal(results.targets.map((t) => t.name), ['emulated']);
  assert.is(results.targets[0].probe.symbol, 'bench_emulated');
  assert.match(results.targets[0].probe.firstInsn, /^push\s+%rbp/);
});

test('every tool has a row: measured with figures, or skipped / not applicable with a reason', () => {
  assert.equal(results.rows.map((r) => r.tool), TOOLS.map((t) => t.name), 'one row per tool, in order');
  for (const row of results.rows) {
    const where = `${row.tool} on ${row.target}`;
    if (row.status === 'measured') {
      assert.is(row.runs.length, results.runsPerCell, `${where}: every run kept`);
      for (const run of row.runs) {
        assert.is(run.events, row.eventsPerRun, `${where}: the target made the events asked for`);
        assert.ok(run.loopNs > 0 && run.baselineLoopNs > 0 && run.startupNs > 0 && run.wallNs > 0 && run.maxRssKb > 0, `${where}: run figures present`);
      }
      assert.ok(row.perEventNs && row.overheadNs && row.startupMs, `${where}: spreads present`);
      assert.ok(row.perEventNs!.min <= row.perEventNs!.median && row.perEventNs!.median <= row.perEventNs!.max, `${where}: min <= median <= max`);
      assert.type(row.tracerCpuSecPerMillion, 'number');
      assert.is(row.fixedRun?.events, 1, `${where}: the 1-event run for fixed costs`);
      assert.type(row.peakRssMb, 'number');
      assert.ok(row.command && row.command.length > 0, `${where}: command recorded`);
    } else {
      assert.ok(row.reason && row.reason.trim().length > 10, `${where}: ${row.status} needs a reason`);
      const tool = TOOLS.find((t) => t.name === row.tool)!;
      // A tool other than utap failing means the harness or the tool broke: that is a defect.
      if (!tool.isUtap) assert.is.not(row.status, 'failed', `${where}: ${row.reason}`);
    }
  }
});

test('tools that can trace this target on this machine were measured', () => {
  const measured = (name: string): boolean => results.rows.some((r) => r.tool === name && r.status === 'measured');
  assert.ok(measured('untraced'), stderr);
  for (const floor of ['floor classic', 'floor ool', 'floor ool (pinned)']) assert.ok(measured(floor), `${floor}: ${stderr}`);
  // strace and ltrace have nothing to trace in a loop of plain calls.
  for (const r of results.rows.filter((r) => /^(strace|ltrace)/.test(r.tool))) assert.is(r.status, 'not-applicable', r.tool);
});

test('REPORT.md and report.svg name every tool and the exact commands', () => {
  const md = fs.readFileSync(path.join(outDir, 'REPORT.md'), 'utf8');
  const svg = fs.readFileSync(path.join(outDir, 'report.svg'), 'utf8');
  assert.match(md, /^# utap overhead benchmark/);
  assert.match(md, /## Machine/);
  assert.match(md, /## Exact commands/);
  for (const row of results.rows) {
    assert.ok(md.includes(`| ${row.tool} |`), `REPORT.md has a row for ${row.tool}`);
    if (row.status !== 'not-applicable') assert.ok(svg.includes(`>${row.tool.replace(/&/g, '&amp;')}<`), `report.svg shows ${row.tool}`);
    if (row.command) assert.ok(md.includes(row.command), `REPORT.md gives the command of ${row.tool}`);
  }
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg.trim(), /<\/svg>$/);
  const bars = (svg.match(/<rect x=/g) ?? []).length;
  assert.is(bars, results.rows.filter((r) => r.status === 'measured').length, 'one bar per measured row');
});

test.run();
