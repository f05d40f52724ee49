// The jump patcher and its trampolines (tracer/engine/inproc/), driven directly against a real
// multi-threaded process with a hand-assembled handler: `lock incq` of a counter in a memfd the
// test shares with the target, plus checks of the pt_regs the trampoline builds (rdi, rip, the
// handler's stack alignment). runtime-c/targets/patch-sites.c checks every call's answer itself
// (registers, flags, red zone), so a trampoline that disturbs anything shows as `wrong NAME`.
// Then: sites that must fall back are refused with their reason, counts are exact across
// threads, and after the bytes are restored every code mapping equals its file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { ElfBinary } from '../../symbolizer/elf-binary';
import type { ProbeSiteIR } from '../../tracer/ir/ir';
import { readMappings } from '../../tracer/engine/ptrace/address-space';
import { CodeAreas } from '../../tracer/engine/ptrace/code-area';
import { native, PTRACE, PTRACE_O } from '../../tracer/engine/ptrace/native';
import { Registers } from '../../tracer/engine/ptrace/registers';
import { placeSites } from '../../tracer/engine/ptrace/site-placement';
import { injectSyscall, MAP, PROT, syscallFailed } from '../../tracer/engine/ptrace/syscall-injection';
import { TargetMemory } from '../../tracer/engine/ptrace/target-memory';
import { JumpPatches } from '../../tracer/engine/inproc/jump-patches';
import { PT_REGS } from '../../tracer/engine/inproc/trampoline';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { codeDiffersFromFiles } from './code-identical';

const TARGET = fixture('patch-sites');
const THREADS = 4;
const CALLS = 20000;
const n = native();

/** Lines the target printed, and a promise per awaited line. */
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

/** Seizes and stops every thread of `pid`; returns their tids. */
function stopAll(pid: number): number[] {
  const tids = fs.readdirSync(`/proc/${pid}/task`).map(Number);
  const status = new Int32Array(1);
  for (const tid of tids) {
    assert.ok(n.ptrace(PTRACE.PTRACE_SEIZE, tid, 0, PTRACE_O.PTRACE_O_TRACESYSGOOD) >= 0, `seize ${tid}`);
    n.ptrace(PTRACE.PTRACE_INTERRUPT, tid, 0, 0);
  }
  for (const tid of tids) n.waitFor(tid, status);
  return tids;
}

function detachAll(tids: number[]): void {
  for (const tid of tids) n.ptrace(PTRACE.PTRACE_DETACH, tid, 0, 0);
}

function siteOf(binary: ElfBinary, name: string, offset: number, id: number): ProbeSiteIR {
  const vaddr = binary.symbols().byName(name)[0].address + BigInt(offset);
  return { id, kind: 'entry', binary: TARGET, vaddr, fileOffset: binary.fileOffset(vaddr)!, function: name, entryCaptures: [] } as unknown as ProbeSiteIR;
}

/** movabs $counter, %rax; lock incq (%rax); then `extra`; ret */
function countingHandler(counter: number, extra: number[] = []): Uint8Array {
  const b = new Uint8Array(10);
  b.set([0x48, 0xb8]);
  new DataView(b.buffer).setBigUint64(2, BigInt(counter), true);
  return Uint8Array.from([...b, 0xf0, 0x48, 0xff, 0x00, ...extra, 0xc3]);
}

liveTest(test, 'jump patches: exact counts on 4 threads, registers/flags/red zone intact, fallbacks refused, bytes restored', undefined, async () => {
  const child = spawn(TARGET, [String(THREADS), String(CALLS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const next = lines(child);
  let memfd = -1;
  try {
    const pid = Number(/pid=(\d+)/.exec(await next(/^ready pid=/))![1]);
    let tids = stopAll(pid);
    const tid = tids[0];
    const memory = new TargetMemory(pid);
    const areas = new CodeAreas(pid, memory);
    const patches = new JumpPatches(memory, areas);
    const binary = ElfBinary.open(TARGET);
    const cases: Array<[string, number]> = [['plain', 0], ['rip_first', 0], ['call_first', 0], ['flags_kept', 3], ['red_zone', 10], ['loop_back', 0], ['tiny', 0]];
    const placed = placeSites(cases.map(([name, offset], i) => siteOf(binary, name, offset, i)), readMappings(pid));
    assert.is(placed.length, cases.length);
    const { moduleStart, moduleEnd } = placed[0];

    // a memfd shared with the test: counters the handlers increment
    const name = areas.slotNear(moduleStart, moduleEnd, tid);
    memory.write(name, new TextEncoder().encode('utap-test\0'));
    const fd = Number(injectSyscall(tid, memory, 319 /* memfd_create */, [BigInt(name), 0n], areas.injectionBlock));
    assert.ok(fd >= 0, `memfd_create: ${fd}`);
    assert.ok(!syscallFailed(injectSyscall(tid, memory, 77 /* ftruncate */, [BigInt(fd), 4096n], areas.injectionBlock)));
    const data = injectSyscall(tid, memory, 9, [0n, 4096n, BigInt(PROT.READ | PROT.WRITE), 1n /* MAP_SHARED */, BigInt(fd), 0n], areas.injectionBlock);
    assert.ok(!syscallFailed(data), 'mmap of the memfd');
    memfd = fs.openSync(`/proc/${pid}/fd/${fd}`, 'r');
    injectSyscall(tid, memory, 3 /* close */, [BigInt(fd)], areas.injectionBlock);
    const counter = (i: number) => Number(data) + 8 * i;

    const rips = tids.map((t) => {
      const r = new Registers();
      n.getRegs(t, r.bytes);
      return r.getNumber('rip');
    });
    const all = new Set(placed.map((p) => p.address));
    const reasons: Record<string, string | undefined> = {};
    placed.forEach((p, i) => {
      let extra: number[] = [];
      if (cases[i][0] === 'plain') {
        // mov rdi_field(%rdi), %rcx; lock add %rcx, 64(%rax)   (the sum of every call's x)
        // mov rip_field(%rdi), %rcx; mov %rcx, 72(%rax)         (the site's address)
        // mov %rsp, %rcx; and $15, %ecx; lock add %rcx, 80(%rax)  (0 when the stack was aligned at the call)
        extra = [0x48, 0x8b, 0x4f, PT_REGS.rdi, 0xf0, 0x48, 0x01, 0x48, 64, 0x48, 0x8b, 0x8f, PT_REGS.rip, 0, 0, 0, 0x48, 0x89, 0x48, 72,
          0x48, 0x89, 0xe1, 0x83, 0xe1, 0x0f, 0x48, 0x83, 0xe9, 0x08, 0xf0, 0x48, 0x01, 0x48, 80];
      }
      const code = countingHandler(counter(i), extra);
      const handler = areas.slotNear(moduleStart, moduleEnd, tid, code.length);
      memory.write(handler, code);
      reasons[cases[i][0]] = patches.place(p, BigInt(handler), tid, rips, new Set([...all].filter((a) => a !== p.address)));
    });
    for (const patched of ['plain', 'rip_first', 'call_first', 'flags_kept', 'red_zone']) assert.is(reasons[patched], undefined, `${patched}: ${reasons[patched]}`);
    assert.match(reasons.loop_back ?? '', /a branch at \+0x\w+ targets \+0x2, inside the \d+ bytes the jump replaces/);
    assert.match(reasons.tiny ?? '', /shorter than the 5-byte jump/);
    detachAll(tids);

    child.stdin!.write('go\n');
    const verdict = await next(/^(ok|wrong)/);
    assert.is(verdict, 'ok');
    await next(/^tiny calls=/);
    const counts = new BigInt64Array(16);
    fs.readSync(memfd, new Uint8Array(counts.buffer), 0, 128, 0);
    const calls = BigInt(THREADS * CALLS);
    assert.is(counts[0], calls, 'plain');
    assert.is(counts[1], calls, 'rip_first');
    assert.is(counts[2], calls, 'call_first');
    assert.is(counts[3], 2n * calls, 'flags_kept');
    assert.is(counts[4], calls, 'red_zone');
    assert.is(counts[5], 0n, 'loop_back (not patched)');
    let sum = 0n;
    for (let t = 0; t < THREADS; t++) for (let i = 0; i < CALLS; i++) sum += BigInt(i * 13 + t);
    assert.is(counts[8], sum, 'the sum of pt_regs.rdi');
    assert.is(Number(counts[9]), placed[0].address, 'pt_regs.rip is the site');
    assert.is(counts[10], 0n, 'the stack was 16-byte aligned at the call of every hit');

    tids = stopAll(pid);
    assert.match(codeDiffersFromFiles(pid), /patch-sites/, 'the patches are in');
    patches.restore();
    assert.is(codeDiffersFromFiles(pid), '', 'every code mapping equals its file');
    memory.close();
    detachAll(tids);
    child.stdin!.write('exit\n');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.is(code, 0);
  } finally {
    if (memfd >= 0) fs.closeSync(memfd);
    child.kill('SIGKILL');
  }
});

test.run();
