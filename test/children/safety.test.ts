// Followed children are never harmed: when utap ends in the middle of a prefork server's run
// (Ctrl-C, or SIGKILL on the ptrace engine, where the healer and a guardian per process must
// put the code back), every worker it followed runs on with its code as the file holds it (no
// int3 left, read through /proc/PID/mem) and finishes with the right answer; children running
// programs that are not probed (the shell's `true`s) are traced and let go unharmed too.
// runner-timeout: 300 s
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { childrenOf, codeDiffers } from '../support/code-intact';
import { liveTest } from '../support/live';
import { fixture, utapCommand } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';
import { startWaiting } from '../support/target-process';
import { detectBpfFeatures } from '../../kernel-helper/features';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-children-safety-'));
const PREFORK = fixture('prefork');
const COUNTER = fixture('counter');
const q = (p: string) => JSON.stringify(p);
/** between two calls in a worker: 5011 calls take a worker over a second, untraced too */
const PACE_US = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const missing = (engine: 'ptrace' | 'uprobe') => utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);

async function waitFor<T>(what: string, check: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const scenarios: Array<{ engine: 'ptrace' | 'uprobe'; signal: 'SIGINT' | 'SIGKILL' }> = [
  { engine: 'ptrace', signal: 'SIGINT' },
  { engine: 'ptrace', signal: 'SIGKILL' },
  { engine: 'uprobe', signal: 'SIGINT' },
  { engine: 'uprobe', signal: 'SIGKILL' },
];

for (const { engine, signal } of scenarios) {
  liveTest(test, `${engine}, utap ends by ${signal} while followed workers run: they run on unharmed, code intact`, missing(engine), async () => {
    const calls = 5011;
    // -p on a server the test started: it outlives utap, whatever the engine does with a -c command
    const target = await startWaiting(PREFORK, ['3', String(calls), String(PACE_US)]);
    const parent = target.pid;
    const script = `global n, r; probe process(${q(PREFORK)}).function("handle") { if (!n++) printf("hit\\n") } probe process(${q(PREFORK)}).function("spawn_worker").return { r++ }`;
    const utap = spawn(utapCommand, ['-v', '--engine', engine, '-e', script, '-p', String(parent)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    utap.stdout.on('data', (d) => (stdout += d));
    utap.stderr.on('data', (d) => (stderr += d));
    // 'exit', not 'close': a guardian utap left (SIGKILL) holds its pipes open until it is done
    const exited = new Promise((resolve) => utap.on('exit', resolve));
    let finished: Promise<{ stdout: string; code: number | null }> | undefined;
    try {
      await waitFor('utap to attach', () => /probes armed|attached to/.test(stderr), 20_000).catch((error) => assert.unreachable(`${error.message}: ${stderr}`));
      await sleep(200);
      finished = target.release();
      await waitFor('three workers', () => childrenOf(parent).length === 3, 20_000);
      await waitFor('a hit', () => stdout.includes('hit'), 20_000).catch((error) => assert.unreachable(`${error.message}; utap said: ${stdout}${stderr}`));
      const workers = childrenOf(parent);
      utap.kill(signal);
      await exited;
      assert.ok(childrenOf(parent).length > 0, 'the workers were still running when utap ended (else this test proves nothing)');
      // the code of the parent and of every worker still running is the file's again
      for (const pid of [parent, ...workers]) {
        let differs = '';
        await waitFor(`process ${pid}'s code intact`, () => {
          try {
            differs = codeDiffers(pid);
          } catch {
            differs = ''; // it ended meanwhile (its exit status is checked below)
          }
          return differs === '';
        }, 5000).catch(() => assert.unreachable(`process ${pid}: ${differs}`));
      }
      const { stdout: truth, code } = await finished;
      assert.is(truth, `workers=3 calls=${calls} total=${3 * calls} spawned=3 failed=0\n`, stderr);
      assert.is(code, 0);
    } finally {
      utap.kill('SIGKILL');
      if (!finished) target.child.stdin!.end('go\n');
      for (const pid of [...childrenOf(parent), parent]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* done */
        }
      }
    }
  });
}

for (const engine of ['ptrace', 'uprobe'] as const) {
  liveTest(test, `${engine}: children running programs that are not probed are followed and let go unharmed`, missing(engine), async () => {
    const script = `global w; probe process(${q(COUNTER)}).function("work") { w++ } probe end { printf("w=%d\\n", w) }`;
    const line = sh`for i in 1 2 3 4 5; do /bin/true; done; ${COUNTER} 7 | cat; ls / > /dev/null && echo done`;
    const { status, stdout, stderr } = await runUtap(['--engine', engine, '-e', script, '-c', sh`sh -c ${line}`]);
    assert.is(status, 0, stderr);
    assert.is(stdout, 'calls=7 sum=84 fib10=55\ndone\nw=7\n');
  });
}

test.run();
