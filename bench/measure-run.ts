// One run of one tool on one target: the command goes under run-measured (start time, CPU time
// and peak RSS of the tool and all it waited for), the target writes its own line (events, loop
// time, first hit) to $BENCH_OUT, and the tool must have seen exactly the target's events.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runMeasured } from './paths';
import type { RunPlan } from './tools';

export interface RunFigures {
  events: number;
  loopNs: number;
  /** From just before the tool was started to the return of the target's first probed call. */
  startupNs: number;
  /** CPU time of the tool and its helpers, without the target's own. */
  tracerCpuNs: number;
  maxRssKb: number;
  wallNs: number;
}

export class RunFailure extends Error {
  constructor(message: string, readonly status: number | null, readonly stderr: string) {
    super(message);
  }
}

interface Completed { stdout: string; stderr: string; status: number | null; timedOut: boolean }

function runChild(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Completed> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status, timedOut });
    });
  });
}

function fields(line: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/(\w+)=(-?\d+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').pop()?.slice(0, 400) ?? '';
}

export async function measureRun(plan: RunPlan, scratch: string, timeoutMs: number): Promise<RunFigures> {
  const runFile = path.join(scratch, 'run.txt');
  const targetFile = path.join(scratch, 'target.txt');
  fs.rmSync(runFile, { force: true });
  fs.rmSync(targetFile, { force: true });
  plan.before?.();
  try {
    const argv = [runMeasured, ...(plan.cpu !== undefined ? ['--cpu', String(plan.cpu)] : []), runFile, '--', ...plan.argv];
    const done = await runChild(argv, { ...process.env, BENCH_OUT: targetFile }, timeoutMs);
    if (done.timedOut) throw new RunFailure(`timed out after ${timeoutMs / 1000} s`, null, done.stderr);
    if (done.status !== 0) throw new RunFailure(`exit status ${done.status}: ${lastLine(done.stderr) || lastLine(done.stdout)}`, done.status, done.stderr);
    if (!fs.existsSync(targetFile)) throw new RunFailure(`the target did not report (${lastLine(done.stderr)})`, done.status, done.stderr);
    const run = fields(fs.readFileSync(runFile, 'utf8'));
    const target = fields(fs.readFileSync(targetFile, 'utf8'));
    let seen: number;
    try {
      seen = plan.eventsSeen({ stdout: done.stdout, stderr: done.stderr, targetEvents: target.events });
    } catch (error) {
      throw new RunFailure(`cannot count the events the tool saw: ${(error as Error).message}`, done.status, done.stderr);
    }
    if (seen !== target.events) throw new RunFailure(`the tool saw ${seen} events where the target made ${target.events}`, done.status, done.stderr);
    return {
      events: target.events,
      loopNs: target.loop_ns,
      startupNs: target.first_hit_ns - run.start_ns,
      tracerCpuNs: Math.max(0, run.cpu_ns - target.cpu_ns),
      maxRssKb: run.maxrss_kb,
      wallNs: run.end_ns - run.start_ns,
    };
  } finally {
    plan.after?.();
  }
}
