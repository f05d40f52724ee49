// A process that was stopped (SIGSTOP) when the ptrace engine attaches with -p stays stopped
// while traced (no probe fires, every thread stays in a stop) and is left stopped at detach; a
// SIGCONT while traced lets it run, traced. Real processes: runtime-c/healer/survivor.c, whose
// threads call the probed functions in rounds until told to stop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveTest } from '../support/live';
import { fixture, utapBin } from '../support/paths';
import { utapMissing } from '../support/utap-features';

const SURVIVOR = fixture('survivor');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-stopped-'));
const SCRIPT = `global n; probe process("${SURVIVOR}").function("leaf") { n++ } probe end { printf("n=%d\\n", n) }`;
const missing = utapMissing('ptrace') ?? (fs.existsSync(SURVIVOR) ? undefined : `${SURVIVOR} is not built (make -C runtime-c)`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The state letter of every thread of `pid` (T stopped, t tracing stop, S sleeping...). */
function threadStates(pid: number): string[] {
  return fs.readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  });
}

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface Traced {
  utap: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<number | null>;
}

function trace(pid: number): Traced {
  const utap = spawn(process.execPath, [utapBin, '-v', '--engine', 'ptrace', '-p', String(pid), '-e', SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  utap.stdout!.on('data', (d) => (stdout += d));
  utap.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((r) => utap.on('close', (code) => r(code)));
  return { utap, stdout: () => stdout, stderr: () => stderr, done };
}

async function stoppedTarget(name: string): Promise<{ target: ChildProcess; out: string; exit: Promise<number | null> }> {
  const out = path.join(tmp, name);
  const target = spawn(SURVIVOR, ['4', '50', out], { stdio: 'ignore' });
  const exit = new Promise<number | null>((r) => target.on('exit', (code) => r(code)));
  await until('the target to start', () => fs.existsSync(`${out}.pid`));
  process.kill(target.pid!, 'SIGSTOP');
  await until('the target to stop', () => threadStates(target.pid!).every((s) => s === 'T'));
  return { target, out, exit };
}

liveTest(test, 'ptrace -p on a stopped process: it stays stopped while traced (no hit), and is left stopped', missing, async () => {
  const { target, out, exit } = await stoppedTarget('stays');
  let traced: Traced | undefined;
  try {
    traced = trace(target.pid!);
    await until('utap to place its probes', () => /entry probe .*leaf/.test(traced!.stderr()));
    await sleep(500);
    assert.ok(threadStates(target.pid!).every((s) => s === 'T' || s === 't'), `threads ran while traced: ${threadStates(target.pid!)}`);
    traced.utap.kill('SIGINT');
    assert.is(await traced.done, 0, traced.stderr());
    assert.match(traced.stdout(), /^n=0$/m);
    assert.equal(threadStates(target.pid!).filter((s) => s !== 'T'), [], 'every thread is stopped after detach');
    // and it runs on, untraced, to the right answer
    fs.writeFileSync(`${out}.stop`, '');
    process.kill(target.pid!, 'SIGCONT');
    await until('the target to answer', () => fs.existsSync(out));
    const [, sum, expected] = /sum=(-?\d+) expected=(-?\d+)/.exec(fs.readFileSync(out, 'latin1'))!;
    assert.is(sum, expected);
    fs.writeFileSync(`${out}.exit`, '');
    assert.is(await exit, 0);
  } finally {
    traced?.utap.kill('SIGKILL');
    fs.writeFileSync(`${out}.stop`, '');
    fs.writeFileSync(`${out}.exit`, '');
    target.kill('SIGKILL');
  }
});

liveTest(test, 'ptrace -p on a stopped process: a SIGCONT while traced lets it run, and its calls are traced', missing, async () => {
  const { target, out, exit } = await stoppedTarget('continued');
  let traced: Traced | undefined;
  try {
    traced = trace(target.pid!);
    await until('utap to place its probes', () => /entry probe .*leaf/.test(traced!.stderr()));
    process.kill(target.pid!, 'SIGCONT');
    fs.writeFileSync(`${out}.stop`, '');
    await until('the target to answer', () => fs.existsSync(out));
    traced.utap.kill('SIGINT');
    assert.is(await traced.done, 0, traced.stderr());
    const answer = fs.readFileSync(out, 'latin1');
    const [, sum, expected, rounds] = /sum=(-?\d+) expected=(-?\d+) rounds=(\d+)/.exec(answer)!;
    assert.is(sum, expected);
    // leaf() is called twice a round; the target was stopped before its 50 rounds were done, so
    // some of them ran after the SIGCONT, under tracing
    const n = Number(/^n=(\d+)$/m.exec(traced.stdout())![1]);
    assert.ok(n > 0 && n <= 2 * Number(rounds), `${n} hits for ${rounds} rounds`);
    fs.writeFileSync(`${out}.exit`, '');
    assert.is(await exit, 0);
  } finally {
    traced?.utap.kill('SIGKILL');
    fs.writeFileSync(`${out}.stop`, '');
    fs.writeFileSync(`${out}.exit`, '');
    target.kill('SIGKILL');
  }
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
