// ns per hit of the uprobe engine's kernel handlers vs bpftrace on the same probe, same run:
// an aggregating probe (count and sum of $i) on hit() of runtime-c/uprobe-targets/hits.c, whose
// first instruction is emulated (-O0: push %rbp) or single-stepped (-O2: lea), and a uretprobe.
// The target times its own loop of N calls (loop_ns); ns/hit = (traced - untraced) / N.
// Also the tracer's own CPU time and context switches per million hits (it should sleep).
//
//   node dist/bench/uprobe-hit.js [N]
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPlan } from '../tracer/plan/plan';
import { uprobeEngine } from '../tracer/engine/uprobe/engine';
import { assign, ex, L, ProgramBuilder, reg, statsAdd } from '../test/support/ir-builder';
import { fixtureResolver } from '../test/support/fixture-resolver';
import { startWaiting } from '../test/support/target-process';
import { runEngine } from '../test/support/run-engine';
import { benchArmed } from './armed';

const root = path.resolve(__dirname, '..', '..');
const N = Number(process.argv[2] ?? 1_000_000);

function loopNs(stdout: string): number {
  const m = /loop_ns (\d+)/.exec(stdout);
  if (!m) throw new Error(`no loop_ns in ${stdout}`);
  return Number(m[1]);
}

function tracerUsage(): { cpuMs: number; voluntary: number; involuntary: number } {
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const status = fs.readFileSync('/proc/self/status', 'latin1');
  const num = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)![1]);
  return { cpuMs: (ticks * 1000) / 100, voluntary: num('voluntary_ctxt_switches'), involuntary: num('nonvoluntary_ctxt_switches') };
}

async function untraced(binary: string): Promise<number> {
  const t = await startWaiting(binary, [String(N)]);
  return loopNs((await t.release()).stdout);
}

async function utap(binary: string, ret: boolean): Promise<{ ns: number; usage: ReturnType<typeof tracerUsage> }> {
  const b = new ProgramBuilder();
  const calls = b.scalar('calls');
  const s = b.stats('s');
  b.probe([`process.function("hit")${ret ? '.return' : ''}`], [], ex(assign(L.global(calls), reg('rdi'), '+=')), statsAdd({ global: s }, reg(ret ? 'rax' : 'rdi')));
  const t = await startWaiting(binary, [String(N)]);
  const plan = buildPlan(b.build(), { resolveProcessProbe: fixtureResolver(binary) });
  const running = runEngine(uprobeEngine, plan, { pid: t.pid });
  await new Promise((r) => setTimeout(r, 200));
  const before = tracerUsage();
  const out = await t.release();
  const after = tracerUsage();
  await running;
  return { ns: loopNs(out.stdout), usage: { cpuMs: after.cpuMs - before.cpuMs, voluntary: after.voluntary - before.voluntary, involuntary: after.involuntary - before.involuntary } };
}

async function bpftrace(binary: string, ret: boolean): Promise<{ ns: number; armedMs: number }> {
  const t = await startWaiting(binary, [String(N)]);
  const started = process.hrtime.bigint();
  const probe = `${ret ? 'uretprobe' : 'uprobe'}:${binary}:hit { @c = count(); @s = sum(${ret ? 'retval' : 'arg0'}); }`;
  const bt = spawn('bpftrace', ['-p', String(t.pid), '-e', probe], { stdio: ['ignore', 'pipe', 'pipe'] });
  let armedMs = 0;
  await new Promise<void>((resolve, reject) => {
    bt.on('error', reject);
    bt.stdout!.on('data', (d: Buffer) => {
      if (armedMs === 0 && /Attaching/.test(d.toString())) {
        armedMs = Number(process.hrtime.bigint() - started) / 1e6;
        setTimeout(resolve, 200);
      }
    });
  });
  const out = await t.release();
  bt.kill('SIGINT');
  await new Promise((r) => bt.on('exit', r));
  return { ns: loopNs(out.stdout), armedMs };
}

async function main(): Promise<void> {
  try {
    execFileSync('bpftrace', ['--version']);
  } catch {
    console.log('bpftrace is not installed (apt-get install bpftrace); only utap is measured');
  }
  const rows: string[] = [];
  for (const [label, binary, ret] of [
    ['uprobe, emulated push %rbp (-O0)', 'uprobe-hits', false],
    ['uprobe, single-stepped lea (-O2)', 'uprobe-hits-O2', false],
    ['uretprobe (-O0)', 'uprobe-hits', true],
  ] as const) {
    const bin = path.join(root, 'build', binary);
    const base = await untraced(bin);
    const u = await utap(bin, ret);
    const b = await bpftrace(bin, ret).catch(() => undefined);
    const per = (ns: number) => ((ns - base) / N).toFixed(0);
    rows.push(`| ${label} | ${per(u.ns)} | ${b ? per(b.ns) : 'n/a'} | ${b ? ((u.ns - base) / (b.ns - base)).toFixed(2) : 'n/a'} |`);
    rows.push(`|   tracer during ${N} hits: CPU ${u.usage.cpuMs.toFixed(0)} ms, ${u.usage.voluntary} voluntary + ${u.usage.involuntary} involuntary context switches (per million: ${((u.usage.cpuMs * 1e6) / N).toFixed(0)} ms, ${(((u.usage.voluntary + u.usage.involuntary) * 1e6) / N).toFixed(0)}) | | |`);
  }
  console.log(`uprobe engine vs bpftrace, ${N} hits, untraced loop subtracted\n`);
  console.log('| probe | utap ns/hit | bpftrace ns/hit | utap / bpftrace |\n|---|---|---|---|');
  console.log(rows.join('\n'));
  // Launch to armed, the same way for both tools (int3 in the target): bench/armed.ts.
  console.log('\n| launch → probe armed (int3 in the target), median (min–max) | ms |\n|---|---|');
  for (const f of await benchArmed()) console.log(`| ${f.tool} | ${f.medianMs.toFixed(1)} (${f.minMs.toFixed(1)}–${f.maxMs.toFixed(1)}) |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
