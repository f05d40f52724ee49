// What a pattern matching many functions costs to arm and to disarm on the uprobe engine: one
// uprobe_multi link for all its sites (the default where the kernel has them) against a program
// and a perf event per site (UTAP_UPROBE_MULTI=0), on postgres's Exec* functions. Armed = from
// launch to utap's "probes armed" line; disarmed = from SIGINT to utap's exit.
//
//   node dist/bench/multi-attach.js [--runs N] [--pattern GLOB]
import { spawn } from 'node:child_process';
import { utapCommand } from './paths';

const POSTGRES = '/usr/lib/postgresql/15/bin/postgres';

interface Timing {
  sites: number;
  armedMs: number;
  exitMs: number;
}

function once(pattern: string, multi: boolean): Promise<Timing> {
  const script = `global n\nprobe process("${POSTGRES}").function("${pattern}") { n++ }`;
  const started = process.hrtime.bigint();
  const child = spawn(utapCommand, ['-v', '--engine', 'uprobe', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, UTAP_UPROBE_MULTI: multi ? '1' : '0' } });
  let stderr = '';
  let armedMs = 0;
  let interrupted = 0n;
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (armedMs === 0 && /probes armed/.test(stderr)) {
        armedMs = Number(process.hrtime.bigint() - started) / 1e6;
        interrupted = process.hrtime.bigint();
        child.kill('SIGINT');
      }
    });
    child.on('close', (status) => {
      if (armedMs === 0) return reject(new Error(`utap ended (${status}) before arming: ${stderr.slice(-400)}`));
      const sites = stderr.split('\n').filter((l) => / at \S+\+0x[0-9a-f]+: kernel handler/.test(l)).length;
      resolve({ sites, armedMs, exitMs: Number(process.hrtime.bigint() - interrupted) / 1e6 });
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 3;
  const pattern = args.includes('--pattern') ? args[args.indexOf('--pattern') + 1] : 'Exec*';
  console.log(`uprobe engine, probe process("${POSTGRES}").function("${pattern}"), median of ${runs} runs\n`);
  console.log('| attach | sites | launch → armed | SIGINT → exit |\n|---|---:|---:|---:|');
  for (const multi of [true, false]) {
    const timings: Timing[] = [];
    for (let i = 0; i < runs; i++) timings.push(await once(pattern, multi));
    const label = multi ? 'one uprobe_multi link' : 'a perf event per site (UTAP_UPROBE_MULTI=0)';
    console.log(`| ${label} | ${timings[0].sites} | ${median(timings.map((t) => t.armedMs)).toFixed(0)} ms | ${median(timings.map((t) => t.exitMs)).toFixed(0)} ms |`);
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
});
