// Process events in the kernel: three BPF tracepoint programs that keep the set of processes a
// run traces (a bitmap of tgids the uprobe handlers test) and tell utap, through the ring
// buffer, of each process and thread they start, exec and end.
//
//   task:task_newtask       (in the parent) a traced process's child process joins the set;
//                           record NEW_PROCESS or NEW_THREAD (CLONE_THREAD)
//   sched:sched_process_exec  (in the process, new image) record EXEC with the file name
//   sched:sched_process_exit  (in each exiting thread) the last one (group_dead) leaves the
//                           set; record EXIT_THREAD or EXIT_PROCESS
//
// Record layout (PROCESS_EVENT_BYTES): u32 id (PROCESS_EVENT.*), u32 tid, u32 pid (tgid), u32
// ppid (the parent's tgid for NEW_PROCESS, else 0), char comm[16], char file[FILE_BYTES] (EXEC).
// With `everyProcess`, no set: every process's events are recorded (system-wide lifecycle probes).
// Field offsets are those of the tracepoints' format files on x86-64, checked at attach.
import * as fs from 'node:fs';
import { Assembler } from './assembler';
import * as I from './insn';
import { BpfError, closeFd } from './bpf-syscall';
import { BpfMap } from './map';
import { loadProgram, type BpfProgram } from './program';
import { errno, sys } from './libc';
import * as U from './uapi';

export const PROCESS_EVENT = { NEW_PROCESS: 0xfffffff0, NEW_THREAD: 0xfffffff1, EXEC: 0xfffffff2, EXIT_THREAD: 0xfffffff3, EXIT_PROCESS: 0xfffffff4 } as const;
export const FILE_BYTES = 256;
export const PROCESS_EVENT_BYTES = 32 + FILE_BYTES;
/**
 * The set is a bitmap over every possible pid, one bit per tgid in an array of u64 words: the
 * test in each uprobe handler is an array lookup the verifier inlines, a load and a shift
 * (a hash lookup cost ~40 ns a hit more). pid_max 4194304 → 65,536 words, 512 KiB.
 */
function bitmapWords(): number {
  let pidMax = 4194304;
  try {
    pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'latin1').trim()) || pidMax;
  } catch {
    /* the kernel's largest */
  }
  return Math.ceil(pidMax / 64);
}

const BPF_PROG_TYPE_TRACEPOINT = 5;
const PERF_TYPE_TRACEPOINT = 2;
const CLONE_THREAD = 0x10000;

const R0 = U.BPF_REG_0, R1 = U.BPF_REG_1, R2 = U.BPF_REG_2, R3 = U.BPF_REG_3;
const R6 = U.BPF_REG_6, R7 = U.BPF_REG_7, R8 = U.BPF_REG_8, R9 = U.BPF_REG_9, FP = U.BPF_REG_10;

/** Where each field is in the tracepoints' records (their `format` files), checked before use. */
const FIELDS = {
  'task/task_newtask': { 'pid_t pid': 8, 'u64 clone_flags': 32 },
  'sched/sched_process_exec': { '__data_loc char[] filename': 8 },
  'sched/sched_process_exit': { 'bool group_dead': 32 },
} as const;
/** Where sched_process_exec's file name starts: right after its fixed fields. */
const EXEC_FILENAME_AT = 20;

export interface ProcessEvent {
  kind: keyof typeof PROCESS_EVENT;
  tid: number;
  pid: number;
  ppid: number;
  comm: string;
  file: string;
}

/** The event a ring-buffer record carries, or undefined when it is not a process event. */
export function decodeProcessEvent(record: Buffer): ProcessEvent | undefined {
  const id = record.readUInt32LE(0);
  const kind = (Object.keys(PROCESS_EVENT) as Array<keyof typeof PROCESS_EVENT>).find((k) => PROCESS_EVENT[k] === id);
  if (!kind || record.length < PROCESS_EVENT_BYTES) return undefined;
  const cString = (from: number, to: number) => {
    const end = record.indexOf(0, from);
    return record.toString('latin1', from, end < 0 || end > to ? to : end);
  };
  return { kind, tid: record.readUInt32LE(4), pid: record.readUInt32LE(8), ppid: record.readUInt32LE(12), comm: cString(16, 32), file: kind === 'EXEC' ? cString(32, PROCESS_EVENT_BYTES) : '' };
}

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

function tracepointDir(event: string): string {
  for (const root of TRACEFS) if (fs.existsSync(`${root}/events/${event}/id`)) return `${root}/events/${event}`;
  throw new BpfError(`finding tracepoint ${event}`, 2, `no ${TRACEFS[0]}/events/${event} (is tracefs mounted?)`);
}

/** The tracepoint's id, after checking its fields sit where the programs read them. */
function tracepointId(event: keyof typeof FIELDS): number {
  const dir = tracepointDir(event);
  const format = fs.readFileSync(`${dir}/format`, 'latin1');
  for (const [field, offset] of Object.entries(FIELDS[event])) {
    if (!format.includes(`field:${field};\toffset:${offset};`)) throw new BpfError(`reading tracepoint ${event}`, 22, `its field ${field} is not at offset ${offset}`);
  }
  return Number(fs.readFileSync(`${dir}/id`, 'latin1').trim());
}

export class ProcessEvents {
  /** The traced tgids, bit `tgid & 63` of word `tgid >> 6`: uprobe handlers leave at once for a process not in it. */
  readonly traced: BpfMap;
  private readonly programs: BpfProgram[] = [];
  private readonly events: number[] = [];

  /**
   * `ring`: the run's ring buffer; `everyProcess`: record every process's events (no set);
   * `snapshot`: the state map slot that makes the next hit stop its process for utap to read its
   * mappings (codegen/layout.ts STATE_SNAPSHOT), set at each new process and exec, so that a
   * script that symbolizes reads each new image's mappings.
   */
  constructor(ring: BpfMap, private readonly everyProcess: boolean, private readonly snapshot?: { stateFd: number; slot: number }) {
    this.traced = BpfMap.create({ type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: bitmapWords(), name: 'utap_traced' });
    try {
      const load = (name: string, body: (a: Assembler) => void) => {
        const a = new Assembler();
        body(a);
        return loadProgram({ type: BPF_PROG_TYPE_TRACEPOINT, name, insns: a.finish() });
      };
      this.programs.push(
        load('utap_newtask', (a) => this.newTask(a, ring.fd)),
        load('utap_exec', (a) => this.exec(a, ring.fd)),
        load('utap_exit', (a) => this.exit(a, ring.fd)),
      );
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Adds a process to the set (the -p target, the -c command before it runs). */
  add(pid: number): void {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(pid >>> 6);
    const word = this.traced.lookup(key) ?? Buffer.alloc(8);
    word.writeBigUInt64LE(word.readBigUInt64LE(0) | (1n << BigInt(pid & 63)));
    this.traced.update(key, word);
  }

  /** Arms the three tracepoints (one perf event each: a tracepoint runs its programs on every CPU). */
  attach(): void {
    const names: Array<keyof typeof FIELDS> = ['task/task_newtask', 'sched/sched_process_exec', 'sched/sched_process_exit'];
    names.forEach((name, i) => {
      const attr = Buffer.alloc(U.PERF_EVENT_ATTR_SIZE);
      const o = U.PERF_ATTR_OFFSET;
      attr.writeUInt32LE(PERF_TYPE_TRACEPOINT, o.type);
      attr.writeUInt32LE(U.PERF_EVENT_ATTR_SIZE, o.size);
      attr.writeBigUInt64LE(BigInt(tracepointId(name)), o.config);
      attr.writeBigUInt64LE(1n, o.sample_period);
      attr.writeUInt32LE(1, o.wakeup_events);
      const fd = Number(sys.syscallPerfEventOpen(U.__NR_perf_event_open, attr, -1, 0, -1, U.PERF_FLAG_FD_CLOEXEC));
      if (fd < 0) throw new BpfError(`opening tracepoint ${name}`, errno());
      this.events.push(fd);
      if (sys.ioctl(fd, U.PERF_EVENT_IOC_SET_BPF, this.programs[i].fd) < 0) throw new BpfError(`attaching a BPF program to tracepoint ${name}`, errno());
      if (sys.ioctl(fd, U.PERF_EVENT_IOC_ENABLE, 0) < 0) throw new BpfError(`enabling tracepoint ${name}`, errno());
    });
  }

  /** Disarms the tracepoints (the set stays readable). */
  detach(): void {
    for (const fd of this.events.splice(0)) {
      sys.ioctl(fd, U.PERF_EVENT_IOC_DISABLE, 0);
      closeFd(fd);
    }
  }

  close(): void {
    this.detach();
    for (const p of this.programs.splice(0)) p.close();
    this.traced.close();
  }

  /** Jumps to `out` when the current process is not traced. Leaves tgid in r7, pid_tgid in r8. */
  private currentTraced(a: Assembler, out: ReturnType<Assembler['label']>): void {
    a.emit(I.BPF_CALL_HELPER(U.BPF_FUNC_get_current_pid_tgid), I.BPF_MOV64_REG(R8, R0), I.BPF_MOV64_REG(R7, R0), I.BPF_ALU64_IMM(U.BPF_RSH, R7, 32));
    if (this.everyProcess) return;
    this.bitWord(a, R7, out);
    a.emit(I.BPF_LDX_MEM(8, R1, R0, 0), I.BPF_MOV64_REG(R2, R7), I.BPF_ALU64_IMM(U.BPF_AND, R2, 63), I.BPF_ALU64_REG(U.BPF_RSH, R1, R2), I.BPF_ALU64_IMM(U.BPF_AND, R1, 1));
    a.jumpImm(U.BPF_JEQ, R1, 0, out);
  }

  /** r0 = the bitmap word of the tgid in `reg` (kept: r6-r9 only); jumps to `out` past the map. */
  private bitWord(a: Assembler, reg: number, out: ReturnType<Assembler['label']>): void {
    a.emit(I.BPF_MOV64_REG(R1, reg), I.BPF_ALU64_IMM(U.BPF_RSH, R1, 6), I.BPF_STX_MEM(4, FP, R1, -4));
    a.emit(...I.BPF_LD_MAP_FD(R1, this.traced.fd), I.BPF_MOV64_REG(R2, FP), I.BPF_ALU64_IMM(U.BPF_ADD, R2, -4), I.BPF_CALL_HELPER(U.BPF_FUNC_map_lookup_elem));
    a.jumpImm(U.BPF_JEQ, R0, 0, out);
  }

  /** state[snapshot.slot] = 1, when asked to (clobbers r0-r5). */
  private requestSnapshot(a: Assembler): void {
    if (!this.snapshot) return;
    const skip = a.label();
    a.emit(I.BPF_ST_MEM(4, FP, -8, this.snapshot.slot), ...I.BPF_LD_MAP_FD(R1, this.snapshot.stateFd), I.BPF_MOV64_REG(R2, FP), I.BPF_ALU64_IMM(U.BPF_ADD, R2, -8), I.BPF_CALL_HELPER(U.BPF_FUNC_map_lookup_elem));
    a.jumpImm(U.BPF_JEQ, R0, 0, skip);
    a.emit(I.BPF_ST_MEM(8, R0, 0, 1));
    a.place(skip);
  }

  /** r2 = 1 << (the tgid in `reg` & 63). */
  private bit(a: Assembler, reg: number): void {
    a.emit(I.BPF_MOV64_REG(R1, reg), I.BPF_ALU64_IMM(U.BPF_AND, R1, 63), I.BPF_MOV64_IMM(R2, 1), I.BPF_ALU64_REG(U.BPF_LSH, R2, R1));
  }

  /** r9 = a reserved record with id `idReg`/tid/pid/ppid and the current comm; jumps to `out` when the ring is full. */
  private reserve(a: Assembler, ringFd: number, out: ReturnType<Assembler['label']>): void {
    a.emit(...I.BPF_LD_MAP_FD(R1, ringFd), I.BPF_MOV64_IMM(R2, PROCESS_EVENT_BYTES), I.BPF_MOV64_IMM(R3, 0), I.BPF_CALL_HELPER(U.BPF_FUNC_ringbuf_reserve));
    a.jumpImm(U.BPF_JEQ, R0, 0, out);
    a.emit(I.BPF_MOV64_REG(R9, R0), I.BPF_ST_MEM(4, R9, 12, 0), I.BPF_ST_MEM(1, R9, 32, 0));
    a.emit(I.BPF_MOV64_REG(R1, R9), I.BPF_ALU64_IMM(U.BPF_ADD, R1, 16), I.BPF_MOV64_IMM(R2, 16), I.BPF_CALL_HELPER(U.BPF_FUNC_get_current_comm));
  }

  private submit(a: Assembler, out: ReturnType<Assembler['label']>): void {
    a.emit(I.BPF_MOV64_REG(R1, R9), I.BPF_MOV64_IMM(R2, 0), I.BPF_CALL_HELPER(U.BPF_FUNC_ringbuf_submit));
    a.place(out);
    a.emit(I.BPF_MOV64_IMM(R0, 0), I.BPF_EXIT_INSN());
  }

  private newTask(a: Assembler, ringFd: number): void {
    const out = a.label();
    const thread = a.label();
    const record = a.label();
    a.emit(I.BPF_MOV64_REG(R6, R1));
    this.currentTraced(a, out);
    a.emit(I.BPF_LDX_MEM(8, R1, R6, 32));
    a.jumpImm(U.BPF_JSET, R1, CLONE_THREAD, thread);
    // a child process: it joins the set before it first runs
    if (!this.everyProcess) {
      a.emit(I.BPF_LDX_MEM(4, R9, R6, 8));
      this.bitWord(a, R9, out);
      this.bit(a, R9);
      a.emit(I.BPF_ATOMIC_OP(8, U.BPF_OR, R0, R2, 0));
    }
    this.requestSnapshot(a);
    this.reserve(a, ringFd, out);
    a.emit(I.BPF_ST_MEM(4, R9, 0, PROCESS_EVENT.NEW_PROCESS | 0), I.BPF_LDX_MEM(4, R1, R6, 8), I.BPF_STX_MEM(4, R9, R1, 4), I.BPF_STX_MEM(4, R9, R1, 8), I.BPF_STX_MEM(4, R9, R7, 12));
    a.jump(record);
    a.place(thread);
    this.reserve(a, ringFd, out);
    a.emit(I.BPF_ST_MEM(4, R9, 0, PROCESS_EVENT.NEW_THREAD | 0), I.BPF_LDX_MEM(4, R1, R6, 8), I.BPF_STX_MEM(4, R9, R1, 4), I.BPF_STX_MEM(4, R9, R7, 8));
    a.place(record);
    this.submit(a, out);
  }

  private exec(a: Assembler, ringFd: number): void {
    const out = a.label();
    a.emit(I.BPF_MOV64_REG(R6, R1));
    this.currentTraced(a, out);
    this.requestSnapshot(a);
    this.reserve(a, ringFd, out);
    a.emit(I.BPF_ST_MEM(4, R9, 0, PROCESS_EVENT.EXEC | 0), I.BPF_STX_MEM(4, R9, R8, 4), I.BPF_STX_MEM(4, R9, R7, 8));
    // the file name, when it sits right after the fixed fields (its __data_loc says where)
    const done = a.label();
    a.emit(I.BPF_LDX_MEM(4, R1, R6, 8), I.BPF_ALU64_IMM(U.BPF_AND, R1, 0xffff));
    a.jumpImm(U.BPF_JNE, R1, EXEC_FILENAME_AT, done);
    a.emit(I.BPF_MOV64_REG(R1, R9), I.BPF_ALU64_IMM(U.BPF_ADD, R1, 32), I.BPF_MOV64_IMM(R2, FILE_BYTES), I.BPF_MOV64_REG(R3, R6), I.BPF_ALU64_IMM(U.BPF_ADD, R3, EXEC_FILENAME_AT), I.BPF_CALL_HELPER(U.BPF_FUNC_probe_read_kernel_str));
    a.place(done);
    this.submit(a, out);
  }

  private exit(a: Assembler, ringFd: number): void {
    const out = a.label();
    const thread = a.label();
    const record = a.label();
    a.emit(I.BPF_MOV64_REG(R6, R1));
    this.currentTraced(a, out);
    a.emit(I.BPF_LDX_MEM(1, R1, R6, 32));
    a.jumpImm(U.BPF_JEQ, R1, 0, thread);
    if (!this.everyProcess) {
      this.bitWord(a, R7, out);
      this.bit(a, R7);
      a.emit(I.BPF_ALU64_IMM(U.BPF_XOR, R2, -1), I.BPF_ATOMIC_OP(8, U.BPF_AND, R0, R2, 0));
    }
    this.reserve(a, ringFd, out);
    a.emit(I.BPF_ST_MEM(4, R9, 0, PROCESS_EVENT.EXIT_PROCESS | 0));
    a.jump(record);
    a.place(thread);
    this.reserve(a, ringFd, out);
    a.emit(I.BPF_ST_MEM(4, R9, 0, PROCESS_EVENT.EXIT_THREAD | 0));
    a.place(record);
    a.emit(I.BPF_STX_MEM(4, R9, R8, 4), I.BPF_STX_MEM(4, R9, R7, 8));
    this.submit(a, out);
  }
}
