// The project's test runner: runs every compiled `*.test.js` under dist/test in its own node
// process (so a live test that wedges a tracee cannot take the others down), adds up uvu's
// per-file summaries and ends with the one line CI reads: `N passed, N failed`.
//
//   node dist/test/run.js [--tier unit|live] [--jobs N] [--area A] [--tag T] [--list] [FILTER...]
//
// Two tiers, told apart by the file name:
//   unit  `*.unit.test.ts`: needs neither root nor a live kernel feature. Run N at a time
//         (--jobs, 2 by default) inside test/support/unit-sandbox (no ptrace, bpf or
//         perf_event_open, no capabilities), so a live test misnamed unit fails instead of
//         passing quietly on a root machine.
//   live  every other `*.test.ts`: real processes, ptrace, uprobes, BPF, root. One at a time
//         (they measure and trace; parallel runs would only add noise and contention).
// Without --tier both run, unit first, and the runner says how long each tier took. FILTER keeps
// files whose path contains one of the filters. --area keeps the files of one folder under test/
// (`--area runtime,corpus`); --tag the files carrying a tag: a file's tags are its tier, its area
// and the words of a line `// runner-tags: golden differential` in its source. Each option may be
// repeated or take a comma list (any one matches); different options must all match. --list
// prints the chosen files, with their tier and tags, instead of running them.
//
// Each file runs in a process group of its own and carries a marker in its environment. A file
// that runs longer than UTAP_TEST_TIMEOUT_MS (180 s; a file may declare more, see timeLimitMs)
// fails with "[runner] timed out"; its group
// and every process carrying its marker (tracees in groups of their own included) are killed.
// Processes a file leaves running after it ends are killed too, and count as a failure.
// A file that exits non-zero without a uvu summary (a crash, a timeout) counts as one failure.
// Skips are counted and listed; under CI=true the live-test helpers turn skips into failures.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const distTest = __dirname;
const distRoot = path.dirname(distTest);
const repoRoot = path.dirname(distRoot);
const perFileTimeoutMs = Number(process.env.UTAP_TEST_TIMEOUT_MS ?? 180_000);
/** How long a file's leftovers may take to end on their own (a watchdog that outlives by design). */
const LEFTOVER_GRACE_MS = Number(process.env.UTAP_TEST_GRACE_MS ?? 5_000);
const MARKER = 'UTAP_TEST_RUN';
const SANDBOX = path.join(distTest, 'support', 'unit-sandbox.js');

type Tier = 'unit' | 'live';
const TIERS: Tier[] = ['unit', 'live'];

interface FileResult { file: string; passed: number; failed: number; skipped: number; seconds: number; output: string }

export function tierOf(file: string): Tier {
  return /\.unit\.test\.js$/.test(file) ? 'unit' : 'live';
}

function findTestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTestFiles(full));
    // only files whose source is still there: a renamed or deleted test leaves its old .js in dist
    else if (entry.name.endsWith('.test.js') && fs.existsSync(path.join(repoRoot, path.relative(distRoot, full)).replace(/\.js$/, '.ts'))) out.push(full);
  }
  return out.sort();
}

function summaryNumber(output: string, label: string): number | undefined {
  const matches = [...output.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))];
  if (matches.length === 0) return undefined;
  return matches.reduce((sum, m) => sum + Number(m[1]), 0);
}

/** Processes (other than zombies) whose environment carries `marker`, with their command names. */
function markedProcesses(marker: string): { pid: number; comm: string }[] {
  const prefix = `${MARKER}=`;
  const found: { pid: number; comm: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const entry = fs.readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').find((e) => e.startsWith(prefix));
      if (!entry?.slice(prefix.length).split(' ').includes(marker)) continue;
      found.push({ pid: Number(name), comm: fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim() });
    } catch {
      // gone meanwhile, or another user's: not ours
    }
  }
  return found;
}

function killGroupAndMarked(child: ChildProcess, marker: string): { pid: number; comm: string }[] {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // the group is empty already
  }
  const left = markedProcesses(marker);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  return left;
}

/** The TypeScript source of a compiled test file. */
function sourceOf(file: string): string {
  return fs.readFileSync(path.join(repoRoot, path.relative(distRoot, file)).replace(/\.js$/, '.ts'), 'utf8');
}

/** The folder under test/ a file is in (`.` for the runner's own folder). */
export function areaOf(file: string): string {
  const parts = path.relative(distTest, file).split(path.sep);
  return parts.length > 1 ? parts[0] : '.';
}

/** Its tier, its area and what a `// runner-tags: a b` line of its source declares. */
function tagsOf(file: string): string[] {
  const declared = /^\/\/ runner-tags: (.+)$/m.exec(sourceOf(file));
  return [tierOf(file), areaOf(file), ...(declared ? declared[1].split(/[\s,]+/).filter(Boolean) : [])];
}

const running = new Map<ChildProcess, string>();
let fileCounter = 0;

/**
 * The file's time limit: UTAP_TEST_TIMEOUT_MS, or longer where its source declares one on a
 * line of its own, `// runner-timeout: 400 s` (a test that builds a whole copy of the project).
 */
function timeLimitMs(file: string): number {
  const declared = /^\/\/ runner-timeout: (\d+) s$/m.exec(sourceOf(file));
  return declared ? Math.max(perFileTimeoutMs, Number(declared[1]) * 1000) : perFileTimeoutMs;
}

function runFile(file: string, tier: Tier): Promise<FileResult> {
  const started = Date.now();
  const limitMs = timeLimitMs(file);
  const marker = `${process.pid}.${++fileCounter}`;
  const args = tier === 'unit' ? ['--require', SANDBOX, file] : [file];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a process group of its own, so a timeout kills everything it started
      // markers add up, so a runner run by a test (the clone test) leaves its files findable by ours
      env: { ...process.env, FORCE_COLOR: '0', UTAP_TEST_TIER: tier, [MARKER]: [process.env[MARKER], marker].filter(Boolean).join(' ') },
    });
    running.set(child, marker);
    let output = '';
    let timedOut = false;
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      timedOut = true;
      output += `\n[runner] timed out after ${limitMs / 1000} s: killed the file's processes (UTAP_TEST_TIMEOUT_MS sets the limit)\n`;
      killGroupAndMarked(child, marker);
    }, limitMs);
    child.on('exit', async (code, signal) => {
      clearTimeout(timer);
      // What the file started and left behind: give it a moment to end on its own, then kill it.
      let leftovers = 0;
      const until = timedOut ? 0 : Date.now() + LEFTOVER_GRACE_MS;
      while (Date.now() < until && markedProcesses(marker).length > 0) await new Promise((r) => setTimeout(r, 100));
      const left = killGroupAndMarked(child, marker);
      if (left.length > 0 && !timedOut) {
        leftovers = 1;
        output += `\n[runner] ${left.length} process(es) still running ${LEFTOVER_GRACE_MS / 1000} s after the file ended, killed: ${left.map((p) => `${p.pid} (${p.comm})`).join(', ')}\n`;
      }
      // The pipes close when the last holder is gone (killed above); don't wait on them forever.
      await new Promise<void>((r) => {
        if (child.stdout!.readableEnded && child.stderr!.readableEnded) return r();
        const giveUp = setTimeout(r, 2_000);
        child.on('close', () => {
          clearTimeout(giveUp);
          r();
        });
      });
      child.stdout!.destroy(); // a holder that escaped every kill must not keep the runner alive
      child.stderr!.destroy();
      running.delete(child);
      const total = summaryNumber(output, 'Total');
      const passed = summaryNumber(output, 'Passed') ?? 0;
      const skipped = summaryNumber(output, 'Skipped') ?? 0;
      let failed = (total === undefined ? 0 : total - passed) + leftovers;
      if ((code !== 0 || signal || timedOut) && failed === 0) failed = 1; // crashed or killed before reporting
      resolve({ file, passed, failed, skipped, seconds: (Date.now() - started) / 1000, output });
    });
  });
}

/** How long each file took last time (dist/test/.timings.json), to start the longest first. */
const timingsFile = path.join(distTest, '.timings.json');
function lastTimings(): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(timingsFile, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/**
 * Runs `files` `jobs` at a time, printing each file's line (and its output when it failed) as it
 * ends. With more than one at a time, the files that took longest last time start first (new
 * files count as long), so one slow file does not run alone at the end.
 */
async function runTier(files: string[], tier: Tier, jobs: number): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const timings = lastTimings();
  if (jobs > 1) files = [...files].sort((a, b) => (timings[path.relative(distRoot, b)] ?? Infinity) - (timings[path.relative(distRoot, a)] ?? Infinity));
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      const r = await runFile(file, tier);
      results.push(r);
      const rel = path.relative(distRoot, file);
      const status = r.failed > 0 ? 'FAIL' : 'ok  ';
      console.log(`${status} ${rel}  ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}  (${r.seconds.toFixed(1)}s)`);
      if (r.failed > 0 || process.env.UTAP_TEST_VERBOSE) console.log(r.output.replace(/^/gm, '    | '));
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
  for (const r of results) timings[path.relative(distRoot, r.file)] = r.seconds;
  try {
    fs.writeFileSync(timingsFile, JSON.stringify(timings, null, 1));
  } catch {
    // only an ordering hint
  }
  return results;
}

interface Args { tiers: Tier[]; jobs: number; filters: string[]; areas: string[]; tags: string[]; list: boolean }

function parseArgs(argv: string[]): Args {
  let tiers = TIERS;
  let jobs = 2;
  const filters: string[] = [];
  const areas: string[] = [];
  const tags: string[] = [];
  let list = false;
  const words = (option: string, value: string | undefined): string[] => {
    const found = (value ?? '').split(',').filter(Boolean);
    if (found.length === 0) usage(`${option} takes a name (or a comma list)`);
    return found;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--area') {
      areas.push(...words(a, argv[++i]));
    } else if (a === '--tag') {
      tags.push(...words(a, argv[++i]));
    } else if (a === '--list') {
      list = true;
    } else if (a === '--tier') {
      const t = argv[++i] as Tier;
      if (!TIERS.includes(t)) usage(`--tier takes ${TIERS.join(' or ')}`);
      tiers = [t];
    } else if (a === '--jobs') {
      jobs = Number(argv[++i]);
      if (!Number.isInteger(jobs) || jobs < 1) usage('--jobs takes a whole number from 1');
    } else if (a.startsWith('--')) {
      usage(`unknown option ${a}`);
    } else {
      filters.push(a);
    }
  }
  return { tiers, jobs, filters, areas, tags, list };
}

/** The files the command line chooses: every option given must match (FILTERs, areas, tags). */
function chosenFiles(args: Args): string[] {
  return findTestFiles(distTest).filter((f) => {
    const rel = path.relative(distRoot, f);
    if (args.filters.length > 0 && !args.filters.some((flt) => rel.includes(flt))) return false;
    if (args.areas.length > 0 && !args.areas.includes(areaOf(f))) return false;
    return args.tags.length === 0 || tagsOf(f).some((t) => args.tags.includes(t));
  });
}

function usage(problem: string): never {
  console.error(`run.js: ${problem}\nusage: node dist/test/run.js [--tier unit|live] [--jobs N] [--area A] [--tag T] [--list] [FILTER...]`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { tiers, jobs } = args;
  const known = new Set(findTestFiles(distTest).map(areaOf));
  const unknown = args.areas.filter((a) => !known.has(a));
  if (unknown.length > 0) usage(`no test area named ${unknown.join(', ')}; the areas: ${[...known].sort().join(' ')}`);
  const all = chosenFiles(args);
  if (all.length === 0) console.log('no test file matches the filters, areas and tags given');
  if (args.list) {
    const listed = all.filter((f) => tiers.includes(tierOf(f)));
    for (const f of listed) console.log(`${path.relative(distRoot, f)}  [${tagsOf(f).join(' ')}]`);
    console.log(`${listed.length} files`);
    return;
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      for (const [child, marker] of running) killGroupAndMarked(child, marker);
      process.exit(130);
    });
  }
  let passed = 0, failed = 0, skipped = 0, files = 0;
  const skipReasons: string[] = [];
  const timings: string[] = [];
  for (const tier of tiers) {
    const tierFiles = all.filter((f) => tierOf(f) === tier);
    if (tierFiles.length === 0) continue;
    const width = tier === 'unit' ? jobs : 1;
    console.log(`${tier} tier: ${tierFiles.length} files${width > 1 ? `, ${width} at a time` : ''}`);
    const started = Date.now();
    const results = await runTier(tierFiles, tier, width);
    const t = { passed: 0, failed: 0 };
    for (const r of results) {
      t.passed += r.passed; t.failed += r.failed; skipped += r.skipped;
      for (const m of r.output.matchAll(/^SKIP: (.*)$/gm)) skipReasons.push(`${path.relative(distRoot, r.file)}: ${m[1]}`);
    }
    passed += t.passed; failed += t.failed; files += tierFiles.length;
    timings.push(`${tier} tier: ${tierFiles.length} files, ${t.passed} passed, ${t.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  if (skipReasons.length) console.log(`\nskipped:\n${skipReasons.map((s) => '  ' + s).join('\n')}`);
  console.log('');
  for (const line of timings) console.log(line);
  if (skipped) console.log(`${skipped} skipped`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || files === 0 ? 1 : 0;
}

if (require.main === module) void main();
