// Code areas: small executable mappings utap adds to the target, each within reach (rel32) of
// the module whose instructions it holds out-of-line copies of. The first area also holds the
// return trampoline (an int3 that .return probes redirect return addresses to); and, after its
// head, the healer's code (healer.ts), which must outlive utap in the process, and the block
// system calls are injected through (syscall-injection.ts).
import { findNearbyGap, readMappings } from './address-space';
import { SLOT_SIZE } from './out-of-line';
import { INJECTION_BLOCK_SIZE, injectSyscall, MAP, PROT, SYS, syscallFailed } from './syscall-injection';
import type { TargetMemory } from './target-memory';

const AREA_SIZE = 64 * 1024;
/** Offsets in every area: the trampoline (and the healer's entry, healer-layout.ts) live in the first 64 bytes. */
const TRAMPOLINE_OFFSET = 16;
const FIRST_SLOT = 64;

/** Bytes at the start of every area before its first slot (utap-healer.c: AREA_HEAD). */
export const AREA_HEAD = FIRST_SLOT;

export interface CodeArea {
  start: number;
  size: number;
  nextSlot: number;
}

export class CodeAreaError extends Error {}

export class CodeAreas {
  readonly areas: CodeArea[] = [];

  /** Called with each new area once it is mapped (the healer lists them). */
  onNewArea: ((area: CodeArea) => void) | undefined;

  constructor(
    private readonly pid: number,
    private readonly memory: TargetMemory,
    /** bytes kept free after the head of the first area */
    private readonly firstAreaReserve = 0,
  ) {}

  /** Start of the first area (the healer's code and thunk live in it). */
  get first(): CodeArea | undefined {
    return this.areas[0];
  }

  /** Where system calls are injected (syscall-injection.ts), once an area exists: after the healer's code. */
  get injectionBlock(): number | undefined {
    return this.areas.length ? this.areas[0].start + FIRST_SLOT + align(this.firstAreaReserve) : undefined;
  }

  /** Address of the return trampoline's int3 (a hit reports rip = this + 1). */
  get trampoline(): number | undefined {
    return this.areas.length ? this.areas[0].start + TRAMPOLINE_OFFSET : undefined;
  }

  contains(address: number): boolean {
    return this.areas.some((a) => address >= a.start && address < a.start + a.size);
  }

  /**
   * A free slot within reach of [moduleStart, moduleEnd), mapping a new area (through thread
   * `tid`, which must be stopped) when no existing one is close enough or has room.
   */
  slotNear(moduleStart: number, moduleEnd: number, tid: number, size = SLOT_SIZE): number {
    size = align(size); // (the in-process engine's trampolines take several slots)
    const reachable = (a: CodeArea) => Math.abs(a.start - moduleStart) < 2 ** 30 && Math.abs(a.start + a.size - moduleEnd) < 2 ** 30;
    let area = this.areas.find((a) => reachable(a) && a.nextSlot + size <= a.size);
    if (!area) area = this.map(moduleStart, moduleEnd, tid);
    const slot = area.start + area.nextSlot;
    area.nextSlot += size;
    return slot;
  }

  private map(moduleStart: number, moduleEnd: number, tid: number): CodeArea {
    const gap = findNearbyGap(readMappings(this.pid), moduleStart, moduleEnd, AREA_SIZE);
    if (gap === undefined) throw new CodeAreaError('no free address range near the probed code for out-of-line execution');
    const rax = injectSyscall(
      tid,
      this.memory,
      SYS.mmap,
      [BigInt(gap), BigInt(AREA_SIZE), BigInt(PROT.READ | PROT.EXEC), BigInt(MAP.PRIVATE | MAP.ANONYMOUS | MAP.FIXED_NOREPLACE), -1n, 0n],
      this.injectionBlock,
    );
    if (syscallFailed(rax) || Number(rax) !== gap) throw new CodeAreaError(`mmap of a code area in the target failed (${BigInt.asIntN(64, rax)})`);
    const reserve = this.areas.length === 0 ? align(this.firstAreaReserve) + INJECTION_BLOCK_SIZE : 0;
    const area: CodeArea = { start: gap, size: AREA_SIZE, nextSlot: FIRST_SLOT + reserve };
    // Every area gets a head of int3s (its trampoline); only the first one's is used.
    const head = new Uint8Array(FIRST_SLOT).fill(0xcc);
    this.memory.write(gap, head);
    this.areas.push(area);
    this.onNewArea?.(area);
    return area;
  }

  /** Removes every area from the target (all threads must be stopped and none inside an area). */
  unmapAll(tid: number): void {
    const block = this.injectionBlock;
    for (const area of [...this.areas].reverse()) {
      // the injection block lives in the first area: unmap that one last, from the vDSO's padding
      injectSyscall(tid, this.memory, SYS.munmap, [BigInt(area.start), BigInt(area.size)], area === this.areas[0] ? undefined : block);
    }
    this.areas.length = 0;
  }

  /** A fork child's areas: copies of the parent's, at the same addresses. */
  inheritFork(parent: CodeAreas): void {
    for (const a of parent.areas) this.areas.push({ ...a });
  }

  /** Forgets the areas without touching the target (after exec, the mappings are gone). */
  forget(): void {
    this.areas.length = 0;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / SLOT_SIZE) * SLOT_SIZE;
}
