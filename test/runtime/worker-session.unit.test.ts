// The session runs unchanged inside a worker thread whose loop blocks (no event loop): begin,
// timers from a TimerSchedule, exit(), a stop request from the main thread, output by writeSync.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCommand } from '../support/run-utap';

const entry = path.join(__dirname, '..', 'support', 'worker-session.js');

test('timers and exit() in a worker thread', async () => {
  const r = await runCommand(process.execPath, [entry, 'count-to-3']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '3\n');
  assert.is(r.status, 0);
});

test('Ctrl-C reaches the blocked worker and ends through the end probes', async () => {
  const r = await new Promise<{ stdout: string; status: number | null }>((resolve) => {
    const p = spawn(process.execPath, [entry, 'ticker'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    p.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('ready\n')) setTimeout(() => p.kill('SIGINT'), 100);
    });
    p.on('close', (status) => resolve({ stdout, status }));
  });
  assert.is(r.stdout, 'ready\nend after ticks\n');
  assert.is(r.status, 0);
});

test.run();
