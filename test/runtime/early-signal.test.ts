// Ctrl-C as soon as the begin probes' output appears ends the run through the end probes (it
// used to kill utap when it came before the signal handlers were set up, losing the end output).
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utapCommand } from '../support/paths';

function interruptAfterFirstLine(): Promise<{ stdout: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(utapCommand, ['-e', 'probe begin { println("started") } probe end { println("ended") }'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    const bound = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (!sent && stdout.includes('started\n')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(bound);
      resolve({ stdout, code, signal });
    });
  });
}

test('SIGINT right after the begin output runs the end probes (five times over)', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await interruptAfterFirstLine();
    assert.is(r.signal, null, 'utap was not killed by the signal');
    assert.is(r.stdout, 'started\nended\n');
    assert.is(r.code, 0);
  }
});

test.run();
