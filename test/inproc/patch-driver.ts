// Test support: what the in-process engine does to a process, driven directly with a
// hand-assembled handler instead of a compiled script: stop every thread of runtime-c's
// patch-sites target, share a memfd of counters with it, and patch its assembly functions with
// jumps to trampolines calling `lock incq` handlers (plus pt_regs checks on `plain`).
// Run as a program (`node patch-driver.js PID`) it patches, places the guardian's list as the
// engine does, detaches, prints `patched`, and waits to be killed (the survival test).
import * as fs from 'node:fs';
import { ElfBinary } from '../../symbolizer/elf-binary';
import type { ProbeSiteIR } from '../../tracer/ir/ir';
import { readMappings } from '../../tracer/engine/ptrace/address-space';
import { CodeAreas } from '../../tracer/engine/ptrace/code-area';
import { Healer, healerCode } from '../../tracer/engine/ptrace/healer';
import { native, PTRACE, PTRACE_O } from '../../tracer/engine/ptrace/native';
import { Registers } from '../../tracer/engine/ptrace/registers';
import { placeSites } from '../../tracer/engine/ptrace/site-placement';
import { injectSyscall, PROT, syscallFailed } from '../../tracer/engine/ptrace/syscall-injection';
import { TargetMemory } from '../../tracer/engine/ptrace/target-memory';
import { JumpPatches } from '../../tracer/engine/inproc/jump-patches';
import { PatchList } from '../../tracer/engine/inproc/patch-list';
import { PT_REGS } from '../../tracer/engine/inproc/trampoline';
import { fixture } from '../support/paths';

export const TARGET = fixture('patch-sites');
/** The functions patched, the offset of each site, in the order of their counters. */
export const CASES: Array<[string, number]> = [['plain', 0], ['rip_first', 0], ['call_first', 0], ['flags_kept', 3], ['red_zone', 10], ['loop_back', 0], ['tiny', 0]];
/** Counters 8..10: the sum of pt_regs.rdi at plain, pt_regs.rip there, the misalignment seen. */
export const RDI_SUM = 8, RIP_SEEN = 9, MISALIGNED = 10;

const n = native();

/** Seizes and stops every thread of `pid`; returns their tids. */
export function stopAll(pid: number): number[] {
  const tids = fs.readdirSync(`/proc/${pid}/task`).map(Number);
  const status = new Int32Array(1);
  for (const tid of tids) {
    if (n.ptrace(PTRACE.PTRACE_SEIZE, tid, 0, PTRACE_O.PTRACE_O_TRACESYSGOOD) < 0) throw new Error(`cannot seize thread ${tid}`);
    n.ptrace(PTRACE.PTRACE_INTERRUPT, tid, 0, 0);
  }
  for (const tid of tids) n.waitFor(tid, status);
  return tids;
}

export function detachAll(tids: number[]): void {
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

// mov rdi_field(%rdi), %rcx; lock add %rcx, 64(%rax)       (RDI_SUM)
// mov rip_field(%rdi), %rcx; mov %rcx, 72(%rax)            (RIP_SEEN)
// mov %rsp, %rcx; and $15, %ecx; sub $8, %rcx; lock add %rcx, 80(%rax)   (MISALIGNED: 0 when aligned at the call)
const PT_REGS_CHECKS = [0x48, 0x8b, 0x4f, PT_REGS.rdi, 0xf0, 0x48, 0x01, 0x48, 8 * RDI_SUM, 0x48, 0x8b, 0x8f, PT_REGS.rip, 0, 0, 0, 0x48, 0x89, 0x48, 8 * RIP_SEEN,
  0x48, 0x89, 0xe1, 0x83, 0xe1, 0x0f, 0x48, 0x83, 0xe9, 0x08, 0xf0, 0x48, 0x01, 0x48, 8 * MISALIGNED];

export interface Patched {
  tids: number[];
  memory: TargetMemory;
  patches: JumpPatches;
  /** why each case was not patched (undefined: patched) */
  reasons: Record<string, string | undefined>;
  /** the site address of each case */
  addresses: number[];
  /** a descriptor of the memfd of counters, readable after the target exits */
  counters: number;
  healer?: Healer;
}

/** Patches every case of CASES in the stopped process `pid`; with `guardian`, as the engine does for its death. */
export function patchTarget(pid: number, tids: number[], guardian = false): Patched {
  const tid = tids[0];
  const memory = new TargetMemory(pid);
  const areas = new CodeAreas(pid, memory, guardian ? healerCode()?.length ?? 0 : 0);
  const patches = new JumpPatches(memory, areas);
  const binary = ElfBinary.open(TARGET);
  const placed = placeSites(CASES.map(([name, offset], i) => siteOf(binary, name, offset, i)), readMappings(pid));
  if (placed.length !== CASES.length) throw new Error('not every function of patch-sites is mapped');
  const { moduleStart, moduleEnd } = placed[0];
  let healer: Healer | undefined;
  if (guardian) {
    healer = new Healer(pid, memory, areas, () => undefined);
    areas.onNewArea = (area) => healer!.addArea(area);
    areas.slotNear(moduleStart, moduleEnd, tid, 0);
    healer.install(tid);
    const list = PatchList.create(memory, healer, tid, areas.injectionBlock);
    if (!list) throw new Error(`no guardian: ${healer.failure}`);
    patches.onPatched = (patch) => list.add(patch);
  }

  // a memfd shared with the test: the counters the handlers increment
  const name = areas.slotNear(moduleStart, moduleEnd, tid);
  memory.write(name, new TextEncoder().encode('utap-test\0'));
  const fd = injectSyscall(tid, memory, 319 /* memfd_create */, [BigInt(name), 0n], areas.injectionBlock);
  if (syscallFailed(fd) || syscallFailed(injectSyscall(tid, memory, 77 /* ftruncate */, [fd, 4096n], areas.injectionBlock))) throw new Error('memfd_create in the target failed');
  const data = injectSyscall(tid, memory, 9, [0n, 4096n, BigInt(PROT.READ | PROT.WRITE), 1n /* MAP_SHARED */, fd, 0n], areas.injectionBlock);
  if (syscallFailed(data)) throw new Error('mmap of the memfd in the target failed');
  const counters = fs.openSync(`/proc/${pid}/fd/${fd}`, 'r');
  injectSyscall(tid, memory, 3 /* close */, [fd], areas.injectionBlock);

  const regs = new Registers();
  const rips = tids.map((t) => (n.getRegs(t, regs.bytes), regs.getNumber('rip')));
  const all = placed.map((p) => p.address);
  const reasons: Record<string, string | undefined> = {};
  placed.forEach((p, i) => {
    const code = countingHandler(Number(data) + 8 * i, CASES[i][0] === 'plain' ? PT_REGS_CHECKS : []);
    const handler = areas.slotNear(moduleStart, moduleEnd, tid, code.length);
    memory.write(handler, code);
    reasons[CASES[i][0]] = patches.place(p, [BigInt(handler)], tid, rips, new Set(all.filter((a) => a !== p.address)));
  });
  return { tids, memory, patches, reasons, addresses: all, counters, healer };
}

/** The counters the handlers incremented. */
export function readCounters(fd: number): BigInt64Array {
  const counts = new BigInt64Array(16);
  fs.readSync(fd, new Uint8Array(counts.buffer), 0, 128, 0);
  return counts;
}

if (require.main === module) {
  const pid = Number(process.argv[2]);
  const tids = stopAll(pid);
  const patched = patchTarget(pid, tids, true);
  detachAll(tids);
  process.stdout.write(`patched ${JSON.stringify(patched.reasons)}\n`);
  setInterval(() => undefined, 1000);
}
