// How long `utap -l` / `utap -L` take on big real binaries, cold (empty symbol cache) and cached
// (second run with the build-id cache filled). Each figure is the wall time of the whole command,
// node start-up included, median of N runs.
//
//   node dist/bench/symbolizer-speed.js [--runs N]
//
// Cold runs use a fresh $XDG_CACHE_HOME each time, so the file system cache is warm but utap's
// own cache is empty — what a user sees the first time they point utap at a binary.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './paths';

const utap = path.join(repoRoot, 'bin', 'utap.js');
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const POSTGRES = '/usr/lib/postgresql/15/bin/postgres';

interface Case {
  name: string;
  args: string[];
}

const CASES: Case[] = [
  { name: 'postgres -l function("*")', args: ['-l', `process("${POSTGRES}").function("*")`] },
  { name: 'libc -l function("*") (DWARF from libc6-dbg)', args: ['-l', `process("${LIBC}").function("*")`] },
  { name: 'libc -L function("malloc")', args: ['-L', `process("${LIBC}").function("malloc")`] },
  { name: 'libc -L statement("__libc_malloc@malloc.c:3288")', args: ['-L', `process("${LIBC}").statement("__libc_malloc@malloc.c:3288")`] },
];

function timeRun(args: string[], cacheHome: string): { ms: number; lines: number } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [utap, ...args], { env: { ...process.env, XDG_CACHE_HOME: cacheHome }, encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`utap ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return { ms, lines: r.stdout.split('\n').filter(Boolean).length };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
  console.log(`symbolizer speed: median of ${runs} runs, wall time of the whole utap command`);
  console.log(`${'case'.padEnd(48)} ${'lines'.padStart(6)} ${'cold ms'.padStart(9)} ${'cached ms'.padStart(10)}`);
  for (const c of CASES) {
    if (!c.args.some((a) => [LIBC, POSTGRES].some((f) => a.includes(f) && fs.existsSync(f)))) {
      console.log(`${c.name.padEnd(48)} skipped: binary missing`);
      continue;
    }
    const cold: number[] = [];
    const cached: number[] = [];
    let lines = 0;
    for (let i = 0; i < runs; i++) {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-bench-cache-'));
      try {
        const first = timeRun(c.args, home);
        cold.push(first.ms);
        lines = first.lines;
        cached.push(timeRun(c.args, home).ms);
      } finally {
        fs.rmSync(home, { recursive: true, force: true });
      }
    }
    console.log(`${c.name.padEnd(48)} ${String(lines).padStart(6)} ${median(cold).toFixed(0).padStart(9)} ${median(cached).toFixed(0).padStart(10)}`);
  }
}

main();
