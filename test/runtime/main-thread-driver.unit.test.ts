// The main-thread driver in a real child process: Ctrl-C, SIGTERM and SIGHUP end through the end probes
// with status 0, exit() from a timer, -p watching a process, -c starting a command after begin.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCommand } from '../support/run-utap';
import { TimerSchedule } from '../../tracer/runtime/timer-schedule';

const child = path.join(__dirname, '..', 'support', 'driver-child.js');

/** Starts the child, waits for `ready` on stdout, sends `signal`, resolves with its result. */
function signalAfterReady(name: string, signal: NodeJS.Signals): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('ready\n')) setTimeout(() => p.kill(signal), 100);
    });
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

test('Ctrl-C (SIGINT) ends through the end probes, status 0', async () => {
  const r = await signalAfterReady('ticker', 'SIGINT');
  assert.is(r.stdout, 'ready\nend after ticks\n');
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
});

test('SIGTERM ends through the end probes, status 0', async () => {
  const r = await signalAfterReady('ticker', 'SIGTERM');
  assert.is(r.stdout, 'ready\nend after ticks\n');
  assert.is(r.status, 0);
});

test('SIGHUP (the terminal went away) ends through the end probes, status 0', async () => {
  const r = await signalAfterReady('ticker', 'SIGHUP');
  assert.is(r.stdout, 'ready\nend after ticks\n');
  assert.is(r.status, 0);
});

test('exit() in a timer probe', async () => {
  const r = await runCommand(process.execPath, [child, 'count-to-3']);
  assert.is(r.stdout, '3\n');
  assert.is(r.status, 0);
});

test('-p: the session ends when the watched process exits', async () => {
  // The process ends only once the driver runs (its exit is seen at once, through a pidfd), and
  // after the 5 ms timer had its time: due timers run before I/O in an event-loop turn.
  const sleeper = spawn('sleep', ['30']);
  try {
    const r = await new Promise<{ stdout: string; status: number | null }>((resolve) => {
      const p = spawn(process.execPath, [child, 'target', '--pid', String(sleeper.pid)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      p.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('begin')) setTimeout(() => sleeper.kill(), 100);
      });
      p.on('close', (status) => resolve({ stdout, status }));
    });
    assert.is(r.stdout, `begin ${sleeper.pid}\nend 1\n`);
    assert.is(r.status, 0);
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('-c: the command starts after begin, its output passes through, utap exits with its status', async () => {
  let r = await runCommand(process.execPath, [child, 'target', '--cmd', `sh -c 'sleep 0.1; echo from-child'`]);
  assert.is(r.stdout, 'begin 0\nfrom-child\nend 1\n');
  assert.is(r.status, 0);
  r = await runCommand(process.execPath, [child, 'target', '--cmd', "sh -c 'exit 3'"]);
  assert.is(r.stderr, 'Warning: child process exited with status 3\n');
  assert.is(r.status, 3);
});

test('timer schedule: first fire one period after start, catch-up fires once', () => {
  const s = new TimerSchedule([100n, 30n], 0n);
  assert.is(s.delayNs(0n), 30n);
  assert.equal(s.due(29n), []);
  assert.equal(s.due(30n), [1]);
  assert.equal(s.due(100n), [0, 1]);
  assert.equal(s.due(1000n), [0, 1]);
  assert.is(s.delayNs(1000n), 30n);
});

test.run();
