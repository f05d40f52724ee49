// Time from launching a tracer to its probe being armed, the same way for every tool: the
// probed instruction's first byte in a live target becomes int3 (0xcc) the moment the kernel
// registers the uprobe (or ptrace writes the breakpoint), so polling /proc/PID/mem from the
// launch needs no cooperation from the tool — unlike bpftrace's "Attaching N probes..." line,
// which it prints before it attaches. Runs alternate between tools so a change of load hits all.
//
//   node dist/bench/armed.js [--runs N]
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeSite } from './elf-probe-site';
import { utapCommand } from './paths';
import { startWaiting } from '../test/support/target-process';
import { buildDir } from '../test/support/paths';

export interface ArmedFigure {
  tool: string;
  command: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

const TIMEOUT_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** The run-time address of a file offset in `pid`, from the mapping of `binary` that holds it. */
function addressOf(pid: number, binary: string, fileOffset: number): bigint {
  const real = fs.realpathSync(binary);
  for (const line of fs.readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[5] !== real) continue;
    const [start, end] = f[0].split('-').map((h) => BigInt(`0x${h}`));
    const offset = BigInt(`0x${f[2]}`);
    const at = BigInt(fileOffset);
    if (at >= offset && at < offset + (end - start)) return start + (at - offset);
  }
  throw new Error(`${binary} offset 0x${fileOffset.toString(16)} is not mapped in process ${pid}`);
}

/**
 * Ends a tool as Ctrl-C would. A SIGINT that lands while a tool is still setting up can be lost
 * (bpftrace then waits forever): repeat it each second, and SIGKILL after five.
 */
async function stop(tool: ChildProcess, exited: Promise<unknown>): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    tool.kill('SIGINT');
    if (await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 1000))])) return;
  }
  tool.kill('SIGKILL');
  await exited;
}

/** Launches `argv`, returns ms until the byte at `address` of `pid` is int3; then stops the tool. */
async function timeToArmed(pid: number, address: bigint, argv: string[]): Promise<number> {
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  const byte = Buffer.alloc(1);
  const read = () => (fs.readSync(fd, byte, 0, 1, address), byte[0]);
  try {
    if (read() === 0xcc) throw new Error('the probe is armed before the tool starts (another tracer?)');
    const started = process.hrtime.bigint();
    const tool = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    const exited = new Promise((resolve) => tool.on('close', resolve));
    let ms = Number.NaN;
    while (true) {
      ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (read() === 0xcc || ms > TIMEOUT_MS) break;
      Atomics.wait(pause, 0, 0, 0.1); // 0.1 ms: leaves the CPU to the tool (2 CPUs here)
    }
    await stop(tool, exited);
    // The probe must be gone again before the next launch is timed.
    for (let i = 0; i < 2000 && read() === 0xcc; i++) await new Promise((r) => setTimeout(r, 5));
    if (ms > TIMEOUT_MS) throw new Error(`${argv.join(' ')} did not arm its probe within ${TIMEOUT_MS} ms`);
    return ms;
  } finally {
    fs.closeSync(fd);
  }
}

function hasBpftrace(): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, 'bpftrace')));
}

export async function benchArmed(runs = 9): Promise<ArmedFigure[]> {
  const binary = path.join(buildDir, 'uprobe-hits');
  const site = probeSite(binary, 'hit');
  const target = await startWaiting(binary, ['1']);
  try {
    const address = addressOf(target.pid, binary, site.fileOffset);
    const script = `global n\nprobe process.function("hit") { n++ }`;
    const tools: { tool: string; argv: string[] }[] = [
      { tool: 'utap --engine uprobe', argv: [utapCommand, '--engine', 'uprobe', '-p', String(target.pid), '-e', script] },
      { tool: 'utap --engine ptrace', argv: [utapCommand, '--engine', 'ptrace', '-p', String(target.pid), '-e', script] },
    ];
    if (hasBpftrace()) tools.push({ tool: 'bpftrace', argv: ['bpftrace', '-p', String(target.pid), '-e', `uprobe:${binary}:hit { @n = count(); }`] });
    const times = new Map<string, number[]>(tools.map((t) => [t.tool, []]));
    for (let i = 0; i < runs; i++) for (const t of tools) times.get(t.tool)!.push(await timeToArmed(target.pid, address, t.argv));
    return tools.map((t) => {
      const sorted = times.get(t.tool)!.sort((a, b) => a - b);
      return { tool: t.tool, command: t.argv.map((a) => (a.includes(' ') || a.includes('\n') ? JSON.stringify(a) : a)).join(' ').replace(String(target.pid), 'PID'), medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted[sorted.length - 1], runs };
    });
  } finally {
    await target.release();
  }
}

if (require.main === module) {
  const runsAt = process.argv.indexOf('--runs');
  benchArmed(runsAt > 0 ? Number(process.argv[runsAt + 1]) : 9)
    .then((figures) => {
      console.log('launch → probe armed (int3 in the target), median (min–max) over alternating runs\n');
      for (const f of figures) console.log(`${f.medianMs.toFixed(1).padStart(7)} ms (${f.minMs.toFixed(1)}–${f.maxMs.toFixed(1)})  ${f.tool}`);
    })
    .catch((error: unknown) => {
      console.error(`bench: ${(error as Error).message}`);
      process.exit(2);
    });
}
