// A program's own SIGTRAPs under the ptrace engine, whose healer (runtime-c/healer) sits in
// the process as its SIGTRAP handler: the program's own handler still gets its traps, a program
// without one still dies of its int3 as it would untraced, and at detach its own SIGTRAP action
// is back. Real process: runtime-c/healer/own-trap.c, traced with -p.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { liveTest } from '../support/live';
import { fixture, utapBin } from '../support/paths';
import { utapMissing } from '../support/utap-features';

const OWN_TRAP = fixture('own-trap');
const SCRIPT = `global n; probe process("${OWN_TRAP}").function("work") { n++ } probe end { printf("n=%d\\n", n) }`;
const missing = utapMissing('ptrace') ?? (fs.existsSync(OWN_TRAP) ? undefined : `${OWN_TRAP} is not built (make -C runtime-c)`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function start(mode: 'handler' | 'default') {
  const target = spawn(OWN_TRAP, [mode], { stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  target.stdout!.on('data', (d) => (out += d));
  const exit = new Promise<{ code: number | null; signal: string | null }>((r) => target.on('exit', (code, signal) => r({ code, signal })));
  return { target, out: () => out, exit };
}

function trace(pid: number) {
  const utap = spawn(process.execPath, [utapBin, '-v', '--engine', 'ptrace', '-p', String(pid), '-e', SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  utap.stdout!.on('data', (d) => (stdout += d));
  utap.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((r) => utap.on('close', (code) => r(code)));
  return { utap, stdout: () => stdout, stderr: () => stderr, done };
}

liveTest(test, 'ptrace: the program\'s own SIGTRAP handler gets its own traps while traced, and is its own again after', missing, async () => {
  const t = start('handler');
  let traced: ReturnType<typeof trace> | undefined;
  try {
    await until('the target to be ready', () => t.out().includes('ready'));
    traced = trace(t.target.pid!);
    await until('utap to place the healer and its probe', () => /healer placed/.test(traced!.stderr()) && /entry probe .*work/.test(traced!.stderr()));
    t.target.stdin!.write('go\n');
    await until('the target to work', () => /traps=/.test(t.out()));
    assert.match(t.out(), /calls=100 traps=10/);
    traced.utap.kill('SIGINT');
    assert.is(await traced.done, 0, traced.stderr());
    assert.match(traced.stdout(), /^n=100$/m);
    t.target.stdin!.end('go\n');
    assert.equal(await t.exit, { code: 0, signal: null });
    assert.match(t.out(), /own-handler=1/);
  } finally {
    traced?.utap.kill('SIGKILL');
    t.target.kill('SIGKILL');
  }
});

liveTest(test, 'ptrace: a program without a SIGTRAP handler still dies of its own int3 while traced, as it would untraced', missing, async () => {
  const t = start('default');
  let traced: ReturnType<typeof trace> | undefined;
  try {
    await until('the target to be ready', () => t.out().includes('ready'));
    traced = trace(t.target.pid!);
    await until('utap to place the healer and its probe', () => /healer placed/.test(traced!.stderr()) && /entry probe .*work/.test(traced!.stderr()));
    t.target.stdin!.write('go\n');
    assert.equal(await t.exit, { code: null, signal: 'SIGTRAP' });
    assert.not.match(t.out(), /calls=/);
    await traced.done;
    assert.match(traced.stdout(), /^n=1$/m);
  } finally {
    traced?.utap.kill('SIGKILL');
    t.target.kill('SIGKILL');
  }
});

test.run();
