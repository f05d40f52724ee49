// The jump patcher and its trampolines (tracer/engine/inproc/), driven directly against a real
// multi-threaded process with a hand-assembled handler (patch-driver.ts): `lock incq` of a
// counter in a memfd the test shares with the target, plus checks of the pt_regs the trampoline
// builds (rdi, rip, the handler's stack alignment). runtime-c/targets/patch-sites.c checks every
// call's answer itself (registers, flags, red zone), so a trampoline that disturbs anything
// shows as `wrong NAME`. Sites that must fall back are refused with their reason; counts are
// exact across threads; after the bytes are restored — by the patcher, or by the guardian
// when the patching process is SIGKILLed — every code mapping equals its file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { liveTest } from '../support/live';
import { codeDiffers } from '../support/code-intact';
import { detachAll, MISALIGNED, patchTarget, RDI_SUM, readCounters, RIP_SEEN, stopAll, TARGET } from './patch-driver';

const THREADS = 4;
const CALLS = 20000;

/** Waits for lines the process prints. */
function lines(child: ChildProcess): (match: RegExp) => Promise<string> {
  let text = '';
  const waiting: Array<{ match: RegExp; resolve(line: string): void }> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiting]) {
      const m = text.split('\n').find((l) => w.match.test(l));
      if (m !== undefined) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return (match) =>
    new Promise((resolve, reject) => {
      const m = text.split('\n').find((l) => match.test(l));
      if (m !== undefined) return resolve(m);
      waiting.push({ match, resolve });
      setTimeout(() => reject(new Error(`no line ${match} in: ${text}`)), 20000).unref();
    });
}

function startTarget(calls = CALLS): { child: ChildProcess; next: (match: RegExp) => Promise<string> } {
  const child = spawn(TARGET, [String(THREADS), String(calls)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return { child, next: lines(child) };
}

function checkCounts(counts: BigInt64Array, plainAddress: number): void {
  const calls = BigInt(THREADS * CALLS);
  assert.is(counts[0], calls, 'plain');
  assert.is(counts[1], calls, 'rip_first');
  assert.is(counts[2], calls, 'call_first');
  assert.is(counts[3], 2n * calls, 'flags_kept');
  assert.is(counts[4], calls, 'red_zone');
  assert.is(counts[5], 0n, 'loop_back (not patched)');
  let sum = 0n;
  for (let t = 0; t < THREADS; t++) for (let i = 0; i < CALLS; i++) sum += BigInt(i * 13 + t);
  assert.is(counts[RDI_SUM], sum, 'the sum of pt_regs.rdi');
  assert.is(Number(counts[RIP_SEEN]), plainAddress, 'pt_regs.rip is the site');
  assert.is(counts[MISALIGNED], 0n, 'the stack was 16-byte aligned at the call of every hit');
}

liveTest(test, 'jump patches: exact counts on 4 threads, registers/flags/red zone intact, fallbacks refused, bytes restored', undefined, async () => {
  const { child, next } = startTarget();
  let counters = -1;
  try {
    const pid = Number(/pid=(\d+)/.exec(await next(/^ready pid=/))![1]);
    let tids = stopAll(pid);
    const patched = patchTarget(pid, tids);
    counters = patched.counters;
    const { reasons } = patched;
    for (const name of ['plain', 'rip_first', 'call_first', 'flags_kept', 'red_zone']) assert.is(reasons[name], undefined, `${name}: ${reasons[name]}`);
    assert.match(reasons.loop_back ?? '', /a branch at \+0x\w+ targets \+0x2, inside the \d+ bytes the jump replaces/);
    assert.match(reasons.tiny ?? '', /shorter than the 5-byte jump/);
    detachAll(tids);

    child.stdin!.write('go\n');
    assert.is(await next(/^(ok|wrong)/), 'ok');
    await next(/^tiny calls=/);
    checkCounts(readCounters(counters), patched.addresses[0]);

    tids = stopAll(pid);
    assert.match(codeDiffers(pid), /patch-sites/, 'the patches are in');
    patched.patches.restore();
    assert.is(codeDiffers(pid), '', 'every code mapping equals its file');
    patched.memory.close();
    detachAll(tids);
    child.stdin!.write('exit\n');
    assert.is(await new Promise<number | null>((resolve) => child.once('exit', resolve)), 0);
  } finally {
    if (counters >= 0) fs.closeSync(counters);
    child.kill('SIGKILL');
  }
});

liveTest(test, 'the patching process SIGKILLed while the threads run the handlers: the guardian stops them, puts the original bytes back, the target answers right', undefined, async () => {
  const { child, next } = startTarget(10_000_000);
  let finished = false;
  child.stdout!.on('data', (chunk: Buffer) => (finished ||= /^(ok|wrong)/m.test(chunk.toString())));
  const driver = spawn(process.execPath, [path.join(__dirname, 'patch-driver.js'), String(child.pid)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await next(/^ready pid=/);
    const reasons = JSON.parse((await lines(driver)(/^patched /)).slice('patched '.length)) as Record<string, string>;
    assert.is(reasons.plain, undefined, reasons.plain);
    assert.match(codeDiffers(child.pid!), /patch-sites/, 'the patches are in');
    child.stdin!.write('go\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    driver.kill('SIGKILL');
    assert.not.ok(finished, 'the target was still running when the patching process died');
    await new Promise((resolve) => driver.once('exit', resolve));
    // the guardian notices, seizes the threads, restores, detaches: bounded wait
    let differs = 'not checked';
    for (let i = 0; i < 100 && differs !== ''; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      differs = codeDiffers(child.pid!);
    }
    assert.is(differs, '', 'every code mapping equals its file after the guardian');
    assert.is(await next(/^(ok|wrong)/), 'ok');
    await next(/^tiny calls=/);
    child.stdin!.write('exit\n');
    assert.is(await new Promise<number | null>((resolve) => child.once('exit', resolve)), 0);
  } finally {
    driver.kill('SIGKILL');
    child.kill('SIGKILL');
  }
});

test.run();
