// The ptrace engine through the real CLI, around the ways a session ends: SIGINT and SIGTERM
// mid-run (end probes run, the target finishes untraced with the right answer), the target
// killed mid-run, detach and re-attach with -p leaving the code bytes and the mappings exactly
// as they were, and a non-root user tracing their own process (and refused someone else's).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixture, utapBin } from '../support/paths';
import { runUtap, type RunResult } from '../support/run-utap';
import { startTarget } from '../support/target-process';
import { sh } from '../support/shell';
import { readableCopy } from '../support/readable-copy';
import { ensureTestUser, TEST_USER } from '../support/test-user';
import { utapArmed } from '../support/utap-armed';

const COUNT = 'global n; probe process("counter").function("work") { n++ } probe end { printf("n=%d\\n", n) }';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-lifecycle-'));

/** work(i) returns 3i + 3; counter prints the sum of them. */
function expectedSum(calls: number): bigint {
  const n = BigInt(calls);
  return (3n * n * (n - 1n)) / 2n + 3n * n;
}

interface LiveUtap {
  child: ChildProcess;
  stdout(): string;
  done: Promise<RunResult>;
}

function startUtap(args: string[], timeoutMs = 120_000): LiveUtap {
  const child = spawn(process.execPath, [utapBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<RunResult>((resolve) =>
    child.on('close', (status, signal) => {
      clearTimeout(kill);
      resolve({ status, signal, stdout, stderr });
    }),
  );
  return { child, stdout: () => stdout, done };
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Code bytes of every executable mapping of a process, and the list of mappings. */
function snapshot(pid: number): { maps: string; code: Buffer[] } {
  const maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
  const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  const code: Buffer[] = [];
  try {
    for (const line of maps.split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) r-xp \S+ \S+ \d+\s+(\/.*)$/.exec(line);
      if (!m) continue;
      const start = BigInt('0x' + m[1]), end = BigInt('0x' + m[2]);
      const b = Buffer.alloc(Number(end - start));
      fs.readSync(fd, b, 0, b.length, start as unknown as number);
      code.push(b);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { maps, code };
}

const TICK = `${COUNT} probe begin { printf("target=%d\\n", target()) } probe timer.ms(100) { if (n > 0) println("hit") }`;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} mid-run: the end probe reports, the target finishes untraced with its own answer`, async () => {
    const calls = 30_000_000;
    const out = path.join(tmp, `${signal}.out`);
    const utap = startUtap(['--engine', 'ptrace', '-c', sh`${fixture('counter')} ${calls} > ${out}`, '-e', TICK]);
    await until('the first hits', () => utap.stdout().includes('hit'));
    utap.child.kill(signal);
    const r = await utap.done;
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, '');
    const n = Number(/n=(\d+)/.exec(r.stdout)?.[1]);
    assert.ok(n > 0 && n < calls, `counted part of the run: ${r.stdout}`);
    // utap ended first; the program goes on untraced and prints the full, correct answer
    await until('the program to finish', () => fs.readFileSync(out, 'utf8').includes('calls='), 60_000);
    assert.is(fs.readFileSync(out, 'utf8'), `calls=${calls} sum=${expectedSum(calls)} fib10=55\n`);
  });
}

test('the target killed mid-run: utap runs the end probe, warns in one line, exits with the command\'s status (128 + 9)', async () => {
  const utap = startUtap(['--engine', 'ptrace', '-c', sh`${fixture('counter')} 100000000`, '-e', TICK]);
  await until('the first hits', () => utap.stdout().includes('hit'));
  const pid = Number(/target=(\d+)/.exec(utap.stdout())![1]);
  process.kill(pid, 'SIGKILL');
  const r = await utap.done;
  assert.match(r.stdout, /n=\d+\n$/);
  assert.is(r.stderr, 'Warning: child process exited with signal 9\n');
  assert.is(r.status, 137);
});

test('-p: attach, count, detach; the code and the mappings are exactly as before; attach again', async () => {
  const target = await startTarget(fixture('counter'), ['4000', 'wait']);
  const before = snapshot(target.pid);
  const first = await runUtap(['--engine', 'ptrace', '-p', String(target.pid), '-e', 'probe process("counter").function("work") { } probe timer.ms(300) { exit() }']);
  assert.is(first.status, 0, first.stderr);
  const after = snapshot(target.pid);
  assert.is(after.maps, before.maps, 'no code area left mapped');
  assert.equal(after.code, before.code, 'every original byte restored');
  // again, now counting every call once the program runs
  // the program runs once utap says its probe is in (a fixed wait lost the race on a loaded machine)
  const second = utapArmed(['--engine', 'ptrace', '-p', String(target.pid), '-e', COUNT]);
  await second.armed;
  target.send('go\n');
  const r = await second.done;
  assert.is(await target.exited, 0);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'n=4000\n');
  assert.match(target.output(), new RegExp(`calls=4000 sum=${expectedSum(4000)} fib10=55`));
});

test('--pin: tracer and target share one CPU while tracing; the target gets its own affinity back', async () => {
  const cpus = (pid: number) => /^Cpus_allowed_list:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  const target = await startTarget(fixture('counter'), ['3000', 'wait']);
  const before = cpus(target.pid);
  const run = runUtap(['--engine', 'ptrace', '--pin', '-p', String(target.pid), '-e', `${COUNT} probe begin { println("armed") }`]);
  await new Promise((r) => setTimeout(r, 800));
  const during = cpus(target.pid);
  target.send('go\n');
  const r = await run;
  assert.is(await target.exited, 0);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'armed\nn=3000\n');
  assert.ok(/^\d+$/.test(during), `pinned to one CPU while traced (${during})`);
  assert.is(before.includes('-') || before.includes(',') ? 'several' : 'one', os.cpus().length > 1 ? 'several' : 'one');
  void before;
});

test('--pin on -p, then detach before the program runs: its affinity is exactly what it was', async () => {
  const cpus = (pid: number) => /^Cpus_allowed_list:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  const target = await startTarget(fixture('counter'), ['10', 'wait']);
  const before = cpus(target.pid);
  const r = await runUtap(['--engine', 'ptrace', '--pin', '-p', String(target.pid), '-e', 'probe process("counter").function("work") { } probe timer.ms(300) { exit() }']);
  assert.is(r.status, 0, r.stderr);
  assert.is(cpus(target.pid), before);
  target.send('go\n');
  assert.is(await target.exited, 0);
});

const user = TEST_USER;

test('a non-root user traces their own process, and is refused root\'s with one sentence (exit 2)', async () => {
  const why = ensureTestUser();
  if (why) throw new Error(why);
  // the user needs its own copy of the target and a place for utap's cache
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-user-'));
  fs.copyFileSync(fixture('counter'), path.join(home, 'counter'));
  fs.chmodSync(home, 0o755);
  spawnSync('chown', ['-R', `${user}:${user}`, home]);
  const env = { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') };
  // utap and root's target run from a copy the user can read (this checkout may be closed to others)
  const copy = readableCopy(user);
  try {
    const own = spawnSync('runuser', ['-u', user, '--', process.execPath, copy.utapBin, '-c', sh`${path.join(home, 'counter')} 500`, '-e', COUNT], { env, encoding: 'utf8', cwd: home, timeout: 60_000 });
    assert.is(own.status, 0, own.stderr);
    assert.is(own.stdout, `calls=500 sum=${expectedSum(500)} fib10=55\nn=500\n`);
    assert.not.match(own.stderr, /uprobe/, 'auto chose ptrace without privileges, quietly');

    const rootTarget = await startTarget(copy.fixture('counter'), ['10', 'wait']);
    let refused;
    try {
      const script = COUNT.replace('process("counter")', `process("${copy.fixture('counter')}")`);
      refused = spawnSync('runuser', ['-u', user, '--', process.execPath, copy.utapBin, '-p', String(rootTarget.pid), '-e', script], { env, encoding: 'utf8', cwd: home, timeout: 60_000 });
    } finally {
      rootTarget.send('go\n');
      await rootTarget.exited;
    }
    assert.is(refused.status, 2, refused.stderr);
    assert.is(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /^utap: process \d+ \(counter\) belongs to uid 0 and utap runs as uid \d+ without CAP_SYS_PTRACE/);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
