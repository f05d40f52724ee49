// `npm run bench`: what one probe hit costs with each tracing tool, on this machine, in one run
// (docs/bench.md; a full run takes about 7 min here, --quick about 2).
//
//   node dist/bench/run.js [--quick] [--runs N] [--target NAME,...] [--tool NAME,...] [--out DIR]
//
// Every tool runs on every target it can trace (bench/tools.ts, bench/targets.ts), N times
// (5 by default); each run must see exactly the events the target made. A tool that is missing,
// or a utap engine not built yet, gives a row skipped with the reason. Writes
//
//   full run:  bench/results/<date>.json, bench/REPORT.md, bench/report.svg
//   --quick:   the same three under build/bench-quick/ (3 runs, a tenth of the events)
//   --out DIR: the same three under DIR
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { instructionAt, probeSite, type ProbeSite } from './elf-probe-site';
import { formatNs } from './format';
import { describeMachine } from './machine';
import { measureRun, RunFailure } from './measure-run';
import { benchBuild, repoRoot, resultsDir } from './paths';
import { writeMarkdownReport } from './report-markdown';
import { writeSvgReport } from './report-svg';
import { RESULTS_SCHEMA, type BenchResults, type ResultRow, type TargetRecord } from './results';
import { repoRelative } from './repo-relative';
import { shellLine } from './shell-words';
import { spread } from './statistics';
import { probeBinary, TARGETS, type Target } from './targets';
import { TOOLS, type CostClass, type Tool } from './tools';
import { planBenchScript } from './utap-ir-plan';

const untracedTool = TOOLS.find((t) => t.name === 'untraced')!;

interface Options {
  quick: boolean;
  runs: number;
  targets: Target[];
  tools: Tool[];
  outDir?: string;
}

/** Events per run = the target's base divided by the tool's cost class (and by 10 in --quick). */
const CLASS_DIVISOR: Record<CostClass, number> = { untraced: 1, kernel: 1, ptrace: 20, slow: 200 };

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\nusage: node dist/bench/run.js [--quick] [--runs N] [--target ${TARGETS.map((t) => t.name).join(',')}] [--tool NAME,...] [--out DIR]\n`);
  process.exit(1);
}

function parseOptions(argv: string[]): Options {
  let quick = false, runs: number | undefined, outDir: string | undefined;
  let targets = TARGETS, tools = TOOLS;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--quick') quick = true;
    else if (arg === '--runs') runs = Number(value());
    else if (arg === '--out') outDir = path.resolve(value());
    else if (arg === '--target') {
      const names = value().split(',');
      for (const n of names) if (!TARGETS.some((t) => t.name === n)) usage(`no target '${n}'`);
      targets = TARGETS.filter((t) => names.includes(t.name));
    } else if (arg === '--tool') {
      const names = value().split(',');
      for (const n of names) if (!TOOLS.some((t) => t.name === n)) usage(`no tool '${n}' (tools: ${TOOLS.map((t) => t.name).join(', ')})`);
      tools = TOOLS.filter((t) => t.name === 'untraced' || names.includes(t.name));
    } else usage(`unknown option ${arg}`);
  }
  runs ??= quick ? 3 : 5;
  if (!Number.isInteger(runs) || runs < 1) usage('--runs needs a positive whole number');
  return { quick, runs, targets, tools, outDir };
}

function eventsFor(target: Target, tool: Tool, quick: boolean): number {
  return Math.max(50, Math.round(target.baseEvents / CLASS_DIVISOR[tool.costClass] / (quick ? 10 : 1)));
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function measureCell(tool: Tool, target: Target, site: ProbeSite, options: Options, scratch: string): Promise<ResultRow> {
  const row: ResultRow = { tool: tool.name, target: target.name, status: 'measured', pinned: tool.pinned, runs: [] };
  const notApplicable = tool.notApplicable(target);
  if (notApplicable) return { ...row, status: 'not-applicable', reason: notApplicable };
  const missing = tool.missing(log);
  if (missing) return { ...row, status: 'skipped', reason: missing };
  const events = eventsFor(target, tool, options.quick);
  row.eventsPerRun = events;
  // Runs last about a second (--quick: a tenth); a run taking far longer means the tool hangs.
  const timeoutMs = options.quick ? 30_000 : 120_000;
  for (let i = 0; i < options.runs; i++) {
    const plan = tool.plan(target, site, events, scratch);
    row.command = plan.display;
    try {
      // The untraced loop with the same events, just before: the machine is shared, and a
      // baseline taken minutes earlier under another load would skew the difference.
      const baseline = tool === untracedTool ? undefined : await measureRun(untracedTool.plan(target, site, events, scratch), scratch, timeoutMs);
      const run = await measureRun(plan, scratch, timeoutMs);
      row.runs.push({ ...run, baselineLoopNs: baseline?.loopNs ?? run.loopNs });
    } catch (error) {
      if (!(error instanceof RunFailure)) throw error;
      // utap says with status 2 when the environment (or this build) cannot run the script yet.
      if (tool.isUtap && error.status === 2 && row.runs.length === 0) {
        return { ...row, status: 'skipped', reason: `utap cannot run this yet: ${error.stderr.trim().split('\n').pop()?.replace(/^utap: (error: )?/, '') ?? error.message}` };
      }
      return { ...row, status: 'failed', reason: `run ${i + 1}: ${error.message}` };
    }
  }
  // One more run with a single event gives the tool's fixed CPU cost (start-up, symbol loading,
  // exit), so the per-event CPU figure is what each hit costs, not start-up spread over events.
  const onePlan = tool.plan(target, site, 1, scratch);
  let fixedCpuNs: number;
  try {
    row.fixedRun = await measureRun(onePlan, scratch, timeoutMs);
    fixedCpuNs = row.fixedRun.tracerCpuNs;
  } catch (error) {
    if (!(error instanceof RunFailure)) throw error;
    return { ...row, status: 'failed', reason: `the 1-event run (fixed CPU cost): ${error.message}` };
  }
  row.perEventNs = spread(row.runs.map((r) => r.loopNs / r.events));
  row.overheadNs = spread(row.runs.map((r) => (r.loopNs - r.baselineLoopNs) / r.events));
  row.startupMs = spread(row.runs.map((r) => r.startupNs / 1e6));
  row.fixedCpuMs = fixedCpuNs / 1e6;
  row.tracerCpuSecPerMillion = spread(row.runs.map((r) => (Math.max(0, r.tracerCpuNs - fixedCpuNs) / 1e9) * (1e6 / r.events))).median;
  row.peakRssMb = Math.max(...row.runs.map((r) => r.maxRssKb)) / 1024;
  return row;
}

/** Ratios against utap's corresponding engine on the same target. */
function deriveRatios(rows: ResultRow[]): void {
  for (const row of rows) {
    const tool = TOOLS.find((t) => t.name === row.tool);
    if (!tool?.compareTo || !row.overheadNs) continue;
    const ref = tool.compareTo
      .map((name) => rows.find((r) => r.target === row.target && r.tool === name))
      .find((r) => r?.overheadNs && r.overheadNs.median > 0);
    if (!ref) continue;
    row.ratioTo = ref.tool;
    row.ratio = row.overheadNs.median / ref.overheadNs!.median;
  }
}

/** Where utap's planner places the benchmark's probe on `target`, and the instruction there. */
function utapSite(target: Target): TargetRecord['utapSite'] {
  try {
    const plan = planBenchScript({ printf: false, function: target.probeFunction, library: target.library, command: shellLine([target.executable, '1']) });
    const site = plan.sites[0];
    if (!site) return { error: 'the planner placed no probe' };
    return { vaddr: Number(site.vaddr), insn: instructionAt(site.binary, Number(site.vaddr)).text };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  if (!fs.existsSync(path.join(benchBuild, 'run-measured'))) {
    log(`bench: ${benchBuild} is not built; run sh scripts/setup.sh (or npm run build) first`);
    process.exit(2);
  }
  const scratchRoot = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const scratch = fs.mkdtempSync(path.join(scratchRoot, 'utap-bench-'));
  const machine = describeMachine();
  const rows: ResultRow[] = [];
  const targets: TargetRecord[] = [];
  try {
    for (const target of options.targets) {
      const site = probeSite(probeBinary(target), target.probeFunction);
      targets.push({
        name: target.name, description: target.description, command: shellLine([target.executable, 'EVENTS']),
        probe: { binary: site.binary, symbol: site.symbol, vaddr: site.vaddr, fileOffset: site.fileOffset, firstInsn: site.firstInsn, firstInsnLength: site.firstInsnLength },
        syscall: target.syscall, pltFunction: target.pltFunction, utapSite: utapSite(target),
      });
      for (const tool of options.tools) {
        const row = await measureCell(tool, target, site, options, scratch);
        rows.push(row);
        const figure = row.perEventNs ? `traced loop ${formatNs(row.perEventNs.median)} per event, ${row.runs.length} runs of ${row.eventsPerRun}` : `${row.status}: ${row.reason}`;
        log(`bench: ${target.name.padEnd(9)} ${tool.name.padEnd(26)} ${figure}`);
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  deriveRatios(rows);
  machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);

  const date = new Date().toISOString().slice(0, 10);
  const results: BenchResults = {
    schema: RESULTS_SCHEMA, date, quick: options.quick,
    commandLine: shellLine(['node', 'dist/bench/run.js', ...process.argv.slice(2)]),
    runsPerCell: options.runs, durationSec: Math.round((Date.now() - started) / 1000),
    machine, targets, tools: options.tools.map((t) => ({ name: t.name, family: t.family, compareTo: t.compareTo })), rows,
  };
  const outDir = options.outDir ?? (options.quick ? path.join(repoRoot, 'build', 'bench-quick') : path.join(repoRoot, 'bench'));
  const jsonDir = options.outDir || options.quick ? path.join(outDir, 'results') : resultsDir;
  fs.mkdirSync(jsonDir, { recursive: true });
  const jsonFile = path.join(jsonDir, `${date}.json`);
  fs.writeFileSync(jsonFile, repoRelative(`${JSON.stringify(results, null, 1)}\n`)); // paths as in the reports
  fs.writeFileSync(path.join(outDir, 'REPORT.md'), writeMarkdownReport(results, path.relative(outDir, jsonFile)));
  fs.writeFileSync(path.join(outDir, 'report.svg'), writeSvgReport(results));
  log(`bench: ${rows.filter((r) => r.status === 'measured').length} measured, ${rows.filter((r) => r.status === 'skipped').length} skipped, ${rows.filter((r) => r.status === 'failed').length} failed in ${results.durationSec} s; wrote ${jsonFile}, ${path.join(outDir, 'REPORT.md')}, ${path.join(outDir, 'report.svg')}`);
}

main().catch((error: unknown) => {
  log(`bench: ${(error as Error).stack ?? String(error)}`);
  process.exit(2);
});
