// -p targets that cannot be traced, each refused with its real cause (engine/target-refusal.ts):
// a process strace or gdb already traces (named, with the tracer's pid), a zombie, a kernel
// thread (kthreadd, PID 2), another user's process for an unprivileged user. Real processes,
// real tracers; each target is checked unharmed afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { fixture } from '../support/paths';
import { runCommand, runUtap } from '../support/run-utap';
import { startWaiting } from '../support/target-process';
import { utapCommand } from '../support/paths';
import { readableCopy } from '../support/readable-copy';

const SCRIPT = 'probe process.function("work") { n++ } probe timer.ms(200) { exit() }';
const bounded = { timeoutMs: 30_000 };

function statusField(pid: number, name: string): string | undefined {
  try {
    return new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
  } catch {
    return undefined;
  }
}

/** Polls (bounded) until `check` holds. */
async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stopTracer(tracer: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (tracer.exitCode !== null || tracer.signalCode !== null) return resolve();
    tracer.on('close', () => resolve());
    tracer.kill('SIGKILL');
  });
}

test('a target strace traces: the ptrace engine names strace and its pid; as root, auto runs it on uprobes; the target is unharmed', async () => {
  const target = await startWaiting(fixture('counter'), ['5']);
  const strace = spawn('strace', ['-p', String(target.pid), '-o', '/dev/null'], { stdio: 'ignore' });
  try {
    await until('strace to attach', () => Number(statusField(target.pid, 'TracerPid') ?? 0) === strace.pid);
    const r = await runUtap(['--engine', 'ptrace', '-p', String(target.pid), '-e', SCRIPT], bounded);
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr, `utap: process ${target.pid} (counter) is already being traced by process ${strace.pid} (strace), and a process can have only one ptrace tracer: detach that one first, or use --engine uprobe, which does not need ptrace.\n`);
    const auto = await runUtap(['-p', String(target.pid), '-e', SCRIPT], bounded);
    assert.is(auto.status, 0, auto.stderr);
  } finally {
    await stopTracer(strace);
  }
  const { stdout, code } = await target.release();
  assert.is(code, 0);
  assert.is(stdout, 'calls=5 sum=45 fib10=55\n');
});

test('a target gdb holds: the ptrace engine names gdb; after gdb detaches, utap traces it', async () => {
  const target = await startWaiting(fixture('counter'), ['5']);
  const gdb = spawn('gdb', ['-q', '-nx', '-p', String(target.pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  try {
    await until('gdb to attach', () => Number(statusField(target.pid, 'TracerPid') ?? 0) === gdb.pid, 20_000);
    const r = await runUtap(['--engine', 'ptrace', '-p', String(target.pid), '-e', SCRIPT], bounded);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^utap: process ${target.pid} \\(counter\\) is already being traced by process ${gdb.pid} \\(gdb\\), and a process can have only one ptrace tracer`));
    gdb.stdin!.end('detach\nquit\n');
    await until('gdb to detach', () => statusField(target.pid, 'TracerPid') === '0', 20_000);
  } finally {
    await stopTracer(gdb);
  }
  const traced = runUtap(['--engine', 'ptrace', '-p', String(target.pid), '-e', 'global n; probe process.function("work") { n++ } probe end { println(n) }'], bounded);
  await until('utap to attach', () => Number(statusField(target.pid, 'TracerPid') ?? 0) !== 0, 20_000);
  const { stdout, code } = await target.release();
  const r = await traced;
  assert.is(code, 0);
  assert.is(stdout, 'calls=5 sum=45 fib10=55\n');
  assert.is(r.status, 0, r.stderr);
});

test('a zombie: "has exited (zombie)" naming its parent, on every engine and for a begin-only script', async () => {
  // sh forks a child that exits at once, then execs a sleep that never reaps it
  const parent = spawn('/bin/sh', ['-c', '/bin/true & exec sleep 30'], { stdio: 'ignore' });
  try {
    let zombie = 0;
    await until('the zombie', () => {
      const children = fs.readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
      zombie = children.find((c) => statusField(c, 'State')?.startsWith('Z')) ?? 0;
      return zombie > 0;
    });
    const expected = `utap: process ${zombie} (true) has exited (zombie): only its exit status is left, until its parent ${parent.pid} (sleep) reaps it; there is nothing to trace.\n`;
    for (const engine of ['ptrace', 'uprobe', 'auto']) {
      const r = await runUtap(['--engine', engine, '-p', String(zombie), '-e', SCRIPT], bounded);
      assert.is(r.status, 2, engine);
      assert.is(r.stderr, expected, engine);
    }
    const begin = await runUtap(['-p', String(zombie), '-e', 'probe begin { exit() }'], bounded);
    assert.is(begin.status, 2);
    assert.is(begin.stderr, expected);
  } finally {
    parent.kill('SIGKILL');
  }
});

test('kthreadd (PID 2): "is a kernel thread", on every engine', async () => {
  assert.is(fs.readFileSync('/proc/2/comm', 'latin1').trim(), 'kthreadd');
  for (const engine of ['ptrace', 'uprobe', 'auto']) {
    const r = await runUtap(['--engine', engine, '-p', '2', '-e', SCRIPT], bounded);
    assert.is(r.status, 2, engine);
    assert.is(r.stderr, 'utap: process 2 (kthreadd) is a kernel thread: it has no user-space memory or code to probe; give the pid of a user process.\n', engine);
  }
});

test('-p 1 as the user nobody: the process belongs to uid 0 and utap lacks CAP_SYS_PTRACE', async () => {
  const name = fs.readFileSync('/proc/1/comm', 'latin1').trim();
  for (const engine of ['ptrace', 'auto']) {
    const r = await runCommand('runuser', ['-u', 'nobody', '--', process.execPath, readableCopy('nobody').utapBin, '--engine', engine, '-p', '1', '-e', 'probe process.function("main")? { } probe timer.ms(100) { exit() }'], { ...bounded, cwd: '/' });
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr, `utap: process 1 (${name}) belongs to uid 0 and utap runs as uid 65534 without CAP_SYS_PTRACE: only root (or CAP_SYS_PTRACE) may trace another user's process.\n`, engine);
  }
});

test('no such process: the old sentence', async () => {
  const r = await runUtap(['-p', '999999999', '-e', SCRIPT], bounded);
  assert.is(r.status, 2);
  assert.is(r.stderr, 'utap: there is no process 999999999; check the pid (e.g. pidof NAME).\n');
});

test.run();
