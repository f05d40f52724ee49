// The shared area on utap's side: the memfd, its header and map descriptors, a BpfMap-like
// AreaMap per map, the record ring's reader and the runtime's counters. The engine maps the
// same memfd into the target at some address and JITs the handlers for that address.
import * as fs from 'node:fs';
import { U } from './codegen-adapter';
import { AREA_FSGSBASE, DEFAULT_SLOTS, HEADER, layoutArea, writeAreaHeader, type AreaLayout, type AreaMapSpec } from './area-layout';
import { AreaMap } from './area-map';
import { AreaRingReader } from './area-ring';
import { SharedMemory } from './shared-memory';
import { vdsoFunction } from './vdso';

const AT_HWCAP2 = 26n;
const HWCAP2_FSGSBASE = 2n;

/**
 * Whether threads of `pid` may read their fs base with rdfsbase (the kernel sets AT_HWCAP2's
 * FSGSBASE bit when it enabled the instruction for user space); else rdfsbase is #UD.
 */
export function fsgsbaseAllowed(pid: number | 'self' = 'self'): boolean {
  try {
    const auxv = fs.readFileSync(`/proc/${pid}/auxv`);
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      if (auxv.readBigUInt64LE(at) === AT_HWCAP2) return (auxv.readBigUInt64LE(at + 8) & HWCAP2_FSGSBASE) !== 0n;
    }
  } catch {
    // unreadable: the system-call way is always safe
  }
  return false;
}

/** Where glibc's struct pthread keeps the thread id on x86-64 (checked, never assumed: tidOffsetHolds). */
export const GLIBC_TID_OFFSET = 0x2d0;

/**
 * Whether every thread's TLS block holds its tid at `offset`: `threads` are the target's threads
 * with their fs base (PTRACE_GETREGS fs_base), `readU32` reads the stopped target's memory.
 */
export function tidOffsetHolds(threads: ReadonlyArray<{ tid: number; fsBase: bigint }>, offset: number, readU32: (address: bigint) => number | undefined): boolean {
  return threads.length > 0 && threads.every((t) => t.fsBase > 1n && readU32(t.fsBase + BigInt(offset)) === t.tid);
}

export interface AreaCounters {
  /** Hits whose thread found no free slot (their per-thread maps were skipped). */
  noSlotSkips: bigint;
  /** Map writes given up on a lock (a signal handler re-entering, or a lock held too long). */
  lockSkips: bigint;
}

export class SharedArea {
  readonly maps: AreaMap[];

  private constructor(readonly memory: SharedMemory, readonly layout: AreaLayout) {
    this.maps = layout.maps.map((m) => new AreaMap(memory.bytes, m, layout.nslots));
  }

  /**
   * A new area holding `specs` (their placeholder fds are 1, 2, ... in this order) for target
   * process `pid`; `fastThreadKeys` when every thread that runs handlers may use rdfsbase.
   */
  static create(specs: readonly AreaMapSpec[], options: { pid: number; slots?: number; fastThreadKeys: boolean }): SharedArea {
    const layout = layoutArea(specs, options.slots ?? DEFAULT_SLOTS);
    const memory = SharedMemory.create('utap-inproc', layout.size);
    try {
      writeAreaHeader(memory.bytes, layout, options.pid, options.fastThreadKeys ? AREA_FSGSBASE : 0);
    } catch (error) {
      memory.close();
      throw error;
    }
    return new SharedArea(memory, layout);
  }

  /** The map a placeholder fd stands for. */
  map(fd: number): AreaMap {
    const m = this.maps[fd - 1];
    if (!m) throw new RangeError(`no map with placeholder fd ${fd}`);
    return m;
  }

  /** The in-target address of the map behind placeholder fd `fd`, the area being at `base` there. */
  mapAddress(base: bigint, fd: number): bigint {
    return base + BigInt(this.map(fd).layout.descOff);
  }

  /** The in-target address of an array map's first value (BPF_PSEUDO_MAP_VALUE). */
  mapValueAddress(base: bigint, fd: number): bigint {
    const m = this.map(fd);
    if (m.spec.type !== U.BPF_MAP_TYPE_ARRAY) throw new RangeError(`map ${m.spec.name} is not an array: no direct value address`);
    return base + BigInt(m.layout.dataOff);
  }

  /** A reader of the ring map behind `fd`. */
  ringReader(fd: number): AreaRingReader {
    const m = this.map(fd);
    if (m.spec.type !== U.BPF_MAP_TYPE_RINGBUF) throw new TypeError(`map ${m.spec.name} is not a ring buffer`);
    return new AreaRingReader(this.memory.bytes, m.layout);
  }

  /**
   * Tells the runtime where the target's __vdso_clock_gettime is (jit/vdso.ts finds it), so
   * bpf_ktime_get_ns makes no system call; 0n goes back to the system call.
   */
  setVdsoClockGettime(address: bigint): void {
    this.memory.bytes.writeBigUInt64LE(address, HEADER.vdsoClockGettime);
  }

  /**
   * Lets the runtime read a thread's id from its TLS block at fs base + `offset` instead of
   * calling gettid (~300 ns). Only after checking it on every thread of the target
   * (tidOffsetHolds); 0 turns it off. Needs fast thread keys (rdfsbase).
   */
  setTidOffset(offset: number): void {
    this.memory.bytes.writeUInt32LE(offset, HEADER.tidOffset);
  }

  /** The target's process id (what pid() and the fault-safe reads use; 0: getpid each time). */
  setPid(pid: number): void {
    this.memory.bytes.writeUInt32LE(pid, HEADER.pid);
  }

  /**
   * Everything the runtime should know of its target before handlers run: its pid, its vDSO
   * clock (found through /proc/PID/mem), and — when every thread's TLS block is shown to hold its
   * tid at glibc's offset (`threads` with their fs base, `readU32` reading the stopped target) —
   * that offset. Returns what it set, for -v.
   */
  prepareFor(pid: number, threads: ReadonlyArray<{ tid: number; fsBase: bigint }> = [], readU32?: (address: bigint) => number | undefined): { vdsoClock: boolean; tidFromTls: boolean } {
    this.setPid(pid);
    const clock = vdsoFunction(pid, '__vdso_clock_gettime');
    this.setVdsoClockGettime(clock ?? 0n);
    const fast = (this.memory.bytes.readUInt32LE(HEADER.flags) & AREA_FSGSBASE) !== 0;
    const tls = fast && readU32 !== undefined && tidOffsetHolds(threads, GLIBC_TID_OFFSET, readU32);
    this.setTidOffset(tls ? GLIBC_TID_OFFSET : 0);
    return { vdsoClock: clock !== undefined, tidFromTls: tls };
  }

  counters(): AreaCounters {
    const b = this.memory.bytes;
    return { noSlotSkips: b.readBigUInt64LE(HEADER.noSlotSkips), lockSkips: b.readBigUInt64LE(HEADER.lockSkips) };
  }

  close(): void {
    this.memory.close();
  }
}
