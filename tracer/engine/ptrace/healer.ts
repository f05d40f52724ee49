// The healer, utap's side: places runtime-c/healer's SIGTRAP handler in the target and keeps
// its table true, so that if utap is killed (SIGKILL, the OOM killer) with breakpoints in the
// process, the first trap that follows puts every original byte back and each thread resumes
// where it should (the breakpoint's own instruction, or the real return address of a .return
// probe's redirected frame). While utap lives, the tracer sees every SIGTRAP first, so the
// handler only ever runs for the program's own traps, which it passes on to what the program
// had installed. At a normal detach the program's own SIGTRAP action is put back.
//
// Order matters for every write: a breakpoint is listed before its int3 goes in; a frame and
// the thread's depth are written before the return address on the stack points at the
// trampoline (one process_vm_writev, in that order).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../install-paths';
import type { CodeArea, CodeAreas } from './code-area';
import {
  BREAK_CAPACITY, BREAK_SIZE, BREAKS_OFFSET, FRAMES_PER_THREAD, HEALER_CODE_OFFSET, HEALER_MAGIC, MAX_AREAS, RESTORER,
  RESTORER_OFFSET, SA, TABLE, TABLE_SIZE, THREAD_SLOT_SIZE, THREAD_SLOTS, THREADS_OFFSET, THUNK_OFFSET,
} from './healer-layout';
import { native, SIG } from './native';
import { injectSyscall, MAP, PROT, syscallFailed } from './syscall-injection';
import type { TargetMemory } from './target-memory';

export const HEALER_CODE = path.join(packageRoot, 'build', 'utap-healer.bin');

const SYS_rt_sigaction = 13;
const SYS_munmap = 11;
const SYS_mmap = 9;
const MAP_NORESERVE = 0x4000;

let code: Uint8Array | undefined | null;

/** The handler's bytes (built by make -C runtime-c), or undefined when they are missing. */
export function healerCode(): Uint8Array | undefined {
  if (code === undefined) {
    try {
      code = new Uint8Array(fs.readFileSync(HEALER_CODE));
    } catch {
      code = null;
    }
  }
  return code ?? undefined;
}

export class Healer {
  /** Address of the table in the target; 0 while not installed. */
  table = 0;
  private thunk = 0;
  private breakCount = 0;
  private areaCount = 0;
  private readonly slotOf = new Map<number, number>();
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private readonly words = new BigUint64Array(8);
  /** Set when the handler could not be placed (said once under -v). */
  failure: string | undefined;
  /** The guardian process (utap_guardian_start), 0 when none; the tracer's wait loop skips it. */
  guardianPid = 0;
  private guardianFd = -1;

  constructor(
    private readonly pid: number,
    private readonly memory: TargetMemory,
    private readonly areas: CodeAreas,
    private readonly log: (message: string) => void,
    /** --pin: each pinned thread's own CPU affinity (the tracer's map), for the guardian to put back */
    private readonly affinities: ReadonlyMap<number, Uint8Array> = new Map(),
  ) {}

  get installed(): boolean {
    return this.table !== 0;
  }

  /**
   * Places the handler through thread `tid` (stopped), once the first code area exists: its
   * code after the area's head, the table (a new mapping), then rt_sigaction. Failures are not
   * fatal: utap traces on, without surviving its own death.
   */
  install(tid: number): void {
    if (this.installed || this.failure !== undefined) return;
    const bytes = healerCode();
    const area = this.areas.first;
    if (!bytes || !area || this.areas.injectionBlock === undefined) {
      this.failure = bytes ? 'no code area' : `${HEALER_CODE} is missing`;
      this.log(`the healer is not placed (${this.failure}): killing utap would harm the target`);
      return;
    }
    try {
      const table = injectSyscall(tid, this.memory, SYS_mmap,
        [0n, BigInt(TABLE_SIZE), BigInt(PROT.READ | PROT.WRITE), BigInt(MAP.PRIVATE | MAP.ANONYMOUS | MAP_NORESERVE), -1n, 0n], this.areas.injectionBlock);
      if (syscallFailed(table)) throw new Error(`mmap of its table failed (${BigInt.asIntN(64, table)})`);
      const t = Number(table);
      const codeAt = area.start + HEALER_CODE_OFFSET;
      this.thunk = area.start + THUNK_OFFSET;
      this.memory.write(codeAt, bytes);
      this.memory.write(area.start + RESTORER_OFFSET, Uint8Array.from(RESTORER));
      // movabs $table, %rcx (the handler's fourth argument); jmp utap_heal
      const thunk = new Uint8Array(15);
      const view = new DataView(thunk.buffer);
      thunk.set([0x48, 0xb9]);
      view.setBigUint64(2, table, true);
      thunk[10] = 0xe9;
      view.setInt32(11, codeAt - (this.thunk + 15), true);
      this.memory.write(this.thunk, thunk);

      const header = new Uint8Array(TABLE.areas);
      const h = new DataView(header.buffer);
      h.setBigUint64(TABLE.magic, HEALER_MAGIC, true);
      h.setBigUint64(TABLE.trampoline, BigInt(this.areas.trampoline ?? 0), true);
      h.setBigUint64(TABLE.threadSlots, BigInt(THREAD_SLOTS), true);
      h.setBigUint64(TABLE.framesPerThread, BigInt(FRAMES_PER_THREAD), true);
      h.setBigUint64(TABLE.breaksOffset, BigInt(BREAKS_OFFSET), true);
      h.setBigUint64(TABLE.threadsOffset, BigInt(THREADS_OFFSET), true);
      h.setBigUint64(TABLE.installed, BigInt(this.thunk), true);
      h.setBigUint64(TABLE.installed + 8, BigInt(SA.SIGINFO | SA.RESTORER | SA.RESTART | SA.ONSTACK), true);
      h.setBigUint64(TABLE.installed + 16, BigInt(area.start + RESTORER_OFFSET), true);
      header.set(new TextEncoder().encode('/proc/self/mem\0'), TABLE.memPath);
      this.memory.write(t, header);
      this.table = t;
      for (const a of this.areas.areas) this.addArea(a);
      const r = injectSyscall(tid, this.memory, SYS_rt_sigaction, [BigInt(SIG.SIGTRAP), BigInt(t + TABLE.installed), BigInt(t + TABLE.original), 8n], this.areas.injectionBlock);
      if (syscallFailed(r)) throw new Error(`rt_sigaction failed (${BigInt.asIntN(64, r)})`);
      this.log(`healer placed: code at 0x${codeAt.toString(16)}, table at 0x${t.toString(16)}`);
      this.startGuardian();
    } catch (error) {
      this.failure = (error as Error).message;
      this.table = 0;
      this.log(`the healer is not placed (${this.failure}): killing utap would harm the target`);
    }
  }

  /** The guardian heals the breakpoints no thread reaches again, should utap die. */
  private startGuardian(): void {
    const fd = new Int32Array(1);
    const pid = native().guardianStart(this.memory.descriptor(), BigInt(this.table), fd);
    if (pid < 0) {
      this.log(`no guardian (errno ${-pid}): after utap's death, breakpoints no thread reaches stay in`);
      return;
    }
    this.guardianPid = pid;
    this.guardianFd = fd[0];
    for (const [tid, mask] of this.affinities) this.rememberAffinity(tid, mask);
  }

  /** Tells the guardian a thread's own CPU affinity (--pin), to put back should utap die. */
  rememberAffinity(tid: number, mask: Uint8Array): void {
    if (this.guardianFd < 0) return;
    const record = new Uint8Array(132); // struct guardian_affinity: int32 tid, 128-byte mask
    new DataView(record.buffer).setInt32(0, tid, true);
    record.set(mask.subarray(0, 128), 4);
    native().write(this.guardianFd, record, record.length);
  }

  /** Disarms and reaps the guardian (utap restored the process itself, or it exec'd or ended). */
  stopGuardian(): void {
    if (this.guardianFd < 0) return;
    const n = native();
    n.write(this.guardianFd, Uint8Array.of(1), 1);
    n.close(this.guardianFd);
    this.guardianFd = -1;
    if (this.guardianPid > 0) n.waitFor(this.guardianPid, new Int32Array(1));
    this.guardianPid = 0;
  }

  /** The tracer's wait loop saw the guardian end (it is reaped already). */
  guardianGone(): void {
    this.guardianPid = 0;
  }

  addArea(area: CodeArea): void {
    if (!this.installed || this.areaCount >= MAX_AREAS) return;
    const entry = new Uint8Array(16);
    const view = new DataView(entry.buffer);
    view.setBigUint64(0, BigInt(area.start), true);
    view.setBigUint64(8, BigInt(area.size), true);
    this.memory.write(this.table + TABLE.areas + 16 * this.areaCount, entry);
    this.areaCount++;
    this.memory.writeU64(this.table + TABLE.areaCount, BigInt(this.areaCount));
  }

  /** Lists a breakpoint before its int3 is written. */
  addBreakpoint(address: number, originalByte: number): void {
    if (!this.installed) return;
    if (this.breakCount >= BREAK_CAPACITY) {
      if (this.breakCount++ === BREAK_CAPACITY) this.log(`more than ${BREAK_CAPACITY} breakpoints: the healer lists only the first ${BREAK_CAPACITY}`);
      return;
    }
    const entry = new Uint8Array(BREAK_SIZE);
    const view = new DataView(entry.buffer);
    view.setBigUint64(0, BigInt(address), true);
    view.setBigUint64(8, BigInt(originalByte), true);
    this.memory.write(this.table + BREAKS_OFFSET + BREAK_SIZE * this.breakCount, entry);
    this.breakCount++;
    this.memory.writeU64(this.table + TABLE.breakCount, BigInt(this.breakCount));
  }

  /**
   * Redirects a return address to the trampoline: frame `index` of thread `tid` and its depth
   * go into the table first, then the stack slot, in one system call.
   */
  redirectReturn(tid: number, index: number, stackSlot: number, returnAddress: bigint, trampoline: number): void {
    const slot = this.installed && index < FRAMES_PER_THREAD ? this.threadSlot(tid) : undefined;
    if (slot === undefined) {
      this.memory.writeU64(stackSlot, BigInt(trampoline));
      return;
    }
    const base = this.table + THREADS_OFFSET + slot * THREAD_SLOT_SIZE;
    const frame = base + 16 + 16 * index;
    const w = this.words;
    w[0] = BigInt(frame); w[1] = BigInt(stackSlot);
    w[2] = BigInt(frame + 8); w[3] = returnAddress;
    w[4] = BigInt(base + 8); w[5] = BigInt(index + 1);
    w[6] = BigInt(stackSlot); w[7] = BigInt(trampoline);
    if (native().writeWords(this.pid, w, 4) !== 32) {
      // (a stack the kernel will not write through process_vm_writev: write it the forced way)
      this.memory.writeU64(frame, BigInt(stackSlot));
      this.memory.writeU64(frame + 8, returnAddress);
      this.memory.writeU64(base + 8, BigInt(index + 1));
      this.memory.writeU64(stackSlot, BigInt(trampoline));
    }
  }

  private threadSlot(tid: number): number | undefined {
    let slot = this.slotOf.get(tid);
    if (slot !== undefined) return slot;
    slot = this.freeSlots.pop() ?? (this.nextSlot < THREAD_SLOTS ? this.nextSlot++ : undefined);
    if (slot === undefined) return undefined;
    const head = new Uint8Array(16);
    new DataView(head.buffer).setBigInt64(0, BigInt(tid), true);
    this.memory.write(this.table + THREADS_OFFSET + slot * THREAD_SLOT_SIZE, head);
    this.slotOf.set(tid, slot);
    return slot;
  }

  threadGone(tid: number): void {
    const slot = this.slotOf.get(tid);
    if (slot === undefined) return;
    this.slotOf.delete(tid);
    this.freeSlots.push(slot);
    try {
      this.memory.writeU64(this.table + THREADS_OFFSET + slot * THREAD_SLOT_SIZE, 0n);
    } catch {
      /* the process is gone */
    }
  }

  /**
   * At detach (every original byte already back, no frame redirected any more): the program's
   * own SIGTRAP action goes back (or, if it installed another since, that one stays), and the
   * table is unmapped. Thread `tid` must be stopped; the code areas must still be mapped.
   */
  uninstall(tid: number): void {
    if (!this.installed) return;
    const t = this.table;
    const sigaction = (act: number, old: number) => injectSyscall(tid, this.memory, SYS_rt_sigaction, [BigInt(SIG.SIGTRAP), BigInt(act), BigInt(old), 8n], this.areas.injectionBlock);
    sigaction(t + TABLE.original, t + TABLE.scratch);
    if (this.memory.readU64(t + TABLE.scratch) !== BigInt(this.thunk)) sigaction(t + TABLE.scratch, 0);
    injectSyscall(tid, this.memory, SYS_munmap, [BigInt(t), BigInt(TABLE_SIZE)], this.areas.injectionBlock);
    this.forget();
  }

  /**
   * A fork child's healer: its memory holds a copy of the parent's handler, table and SIGTRAP
   * action, so it is the same table, with the forking thread's slot renamed to the child's
   * thread and every other thread's slot freed (those threads are not in the child). The child
   * gets a guardian of its own.
   */
  inheritFork(parent: Healer, parentTid: number, childTid: number): void {
    if (!parent.installed) return;
    this.table = parent.table;
    this.thunk = parent.thunk;
    this.breakCount = parent.breakCount;
    this.areaCount = parent.areaCount;
    this.nextSlot = parent.nextSlot;
    this.freeSlots.push(...parent.freeSlots);
    for (const [tid, slot] of parent.slotOf) {
      const head = this.table + THREADS_OFFSET + slot * THREAD_SLOT_SIZE;
      if (tid === parentTid) {
        this.memory.writeU64(head, BigInt(childTid));
        this.slotOf.set(childTid, slot);
      } else {
        this.memory.writeU64(head, 0n);
        this.freeSlots.push(slot);
      }
    }
    this.startGuardian();
  }

  /** Forgets everything without touching the target (after exec, the process image is new). */
  forget(): void {
    this.stopGuardian();
    this.table = 0;
    this.thunk = 0;
    this.breakCount = 0;
    this.areaCount = 0;
    this.slotOf.clear();
    this.freeSlots.length = 0;
    this.nextSlot = 0;
    this.failure = undefined;
  }
}
