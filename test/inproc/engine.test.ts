// The in-process engine through the real command line: handlers compiled from the script run in
// the target behind jump patches; exact counts on a multi-threaded target; sites a jump cannot
// take fall back to breakpoints with the reason under -v, and still count exactly; a -p target
// whose utap is stopped by SIGTERM mid-run (threads inside trampolines and handlers) keeps its
// own correct answer, and every code mapping equals its file after the detach.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { liveTest } from '../support/live';
import { fixture, utapBin } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { startTarget } from '../support/target-process';
import { codeDiffers } from '../support/code-intact';

const THREADS = fixture('threads');
const SITES = fixture('patch-sites');

liveTest(test, 'per-thread counts on 4 threads are exact; -v says the site is a jump and the handler runs in the process', undefined, async () => {
  const script = 'global n; probe process.function("tick") { n[tid()]++ } probe end { foreach (t in n) printf("tid=%d calls=%d\\n", t, n[t]) }';
  const r = await runUtap(['-v', '--engine', 'inproc', '-e', script, '-c', sh`${THREADS} 4 20000`], { timeoutMs: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /every handler runs natively in the process/);
  assert.match(r.stderr, /function\("tick@[^"]*"\) at 0x[0-9a-f]+: a jump to a trampoline, the handler runs in the process/);
  const truth = [...r.stdout.matchAll(/^thread \d+ tid=(\d+) calls=(\d+)$/gm)].map((m) => `tid=${m[1]} calls=${m[2]}`).sort();
  const seen = [...r.stdout.matchAll(/^tid=(\d+) calls=(\d+)$/gm)].map((m) => m[0]).sort();
  assert.is(truth.length, 4);
  assert.equal(seen, truth);
});

liveTest(test, 'a loop back into the first bytes and a 1-byte function fall back to breakpoints (-v says why); counts stay exact', undefined, async () => {
  const p = (f: string) => `process("${SITES}").function("${f}")`;
  const script = `global n; probe ${p('loop_back')}, ${p('tiny')}, ${p('plain')}, ${p('flags_kept')} { n[probefunc()]++ } probe end { foreach ([f+] in n) printf("%s %d\\n", f, n[f]) }`;
  const r = await runUtap(['-v', '--engine', 'inproc', '-e', script, '-c', sh`${SITES} 2 3000`], { input: 'go\nexit\n', timeoutMs: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /function\("loop_back"\) at 0x\w+: a breakpoint, not a jump: a branch at \+0x9 targets \+0x2, inside the 6 bytes the jump replaces \(in loop_back\); each hit stops once/);
  assert.match(r.stderr, /function\("tiny"\) at 0x\w+: a breakpoint, not a jump: the function is 1 bytes long, shorter than the 5-byte jump/);
  assert.match(r.stderr, /function\("plain"\) at 0x\w+: a jump to a trampoline/);
  assert.match(r.stdout, /^ok$/m);
  assert.match(r.stdout, /^flags_kept 12000\nloop_back 6000\nplain 6000\ntiny 6000$/m);
});

liveTest(test, 'printf from the handlers in the process: every record reaches the output, in order, also those sent just before the target exits', undefined, async () => {
  const r = await runUtap(['--engine', 'inproc', '-e', 'probe process.function("work") { printf("work %d\\n", $i) }', '-c', sh`${fixture('counter')} 2000`], { timeoutMs: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('work '));
  assert.equal(lines, Array.from({ length: 2000 }, (_, i) => `work ${i}`));
});

liveTest(test, '-p, SIGTERM while every thread hits: the target answers right and its code equals its files after the detach', undefined, async () => {
  const target = await startTarget(SITES, ['4', '3000000']);
  const utap = spawn(process.execPath, [utapBin, '--engine', 'inproc', '-v', '-p', String(target.pid), '-e',
    `global n; probe process("${SITES}").function("plain"), process("${SITES}").function("red_zone") { n++ } probe end { printf("n>0 %d\\n", n > 0) }`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  utap.stdout!.on('data', (d: Buffer) => (out += d));
  utap.stderr!.on('data', (d: Buffer) => (err += d));
  try {
    for (let i = 0; i < 200 && !/a jump to a trampoline/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(err, /a jump to a trampoline/);
    target.send('go\n');
    await new Promise((r) => setTimeout(r, 300));
    assert.not.match(target.output(), /^(ok|wrong)/m, 'the target still runs when utap is stopped');
    utap.kill('SIGTERM');
    const status = await new Promise<number | null>((resolve) => utap.once('exit', resolve));
    assert.is(status, 0, err);
    assert.match(out, /^n>0 1$/m);
    assert.is(codeDiffers(target.pid), '', 'every code mapping equals its file after the detach');
    assert.not.match(fs.readFileSync(`/proc/${target.pid}/maps`, 'latin1'), /utap-inproc/, 'the shared area left the process');
    for (let i = 0; i < 600 && !/^(ok|wrong)/m.test(target.output()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(target.output(), /^ok$/m);
    target.send('exit\n');
    assert.is(await target.exited, 0);
  } finally {
    utap.kill('SIGKILL');
    target.kill();
  }
});

liveTest(test, 'a fork gets no jump patch: the child\'s sites are breakpoints (its handlers run by utap), both processes counted', undefined, async () => {
  const FORK = fixture('fork-child');
  const target = await startTarget(FORK, ['5000']);
  const utap = spawn(process.execPath, [utapBin, '--engine', 'inproc', '-v', '-p', String(target.pid), '-e',
    'global n; probe process.function("work") { n++ } probe end { printf("n=%d\\n", n) }'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // the target's exit ends the run (a SIGTERM sent then could land after utap let its handler go)
  const exited = new Promise<number | null>((resolve) => utap.once('exit', resolve));
  let out = '', err = '';
  utap.stdout!.on('data', (d: Buffer) => (out += d));
  utap.stderr!.on('data', (d: Buffer) => (err += d));
  try {
    for (let i = 0; i < 200 && !/a jump to a trampoline/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(err, /a jump to a trampoline/);
    target.send('go\n');
    let child = 0;
    for (let i = 0; i < 200 && !child; i++) {
      await new Promise((r) => setTimeout(r, 50));
      child = Number(/child pid=(\d+)/.exec(target.output())?.[1] ?? 0);
    }
    assert.ok(child > 0, target.output());
    // the trampolines' per-thread scratch and pid are the parent's: the child has the original
    // bytes back, with at most the ptrace engine's int3 at a site
    assert.match(codeDiffers(child), /^$|\(0xcc instead of /, 'the child carries no jump patch');
    assert.match(codeDiffers(target.pid), /fork-child/, 'the parent is still patched');
    target.send('x\n');
    for (let i = 0; i < 200 && !/parent calls=/.test(target.output()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(target.output(), /parent calls=10000 child=0\n/);
    assert.is(await exited, 0, err);
    assert.match(out, /^n=15000$/m, out + err);
  } finally {
    utap.kill('SIGKILL');
    target.kill();
  }
});

test.run();
