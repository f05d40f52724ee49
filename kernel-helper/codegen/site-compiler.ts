// Handler IR → eBPF for one probe site: the kernel handler that runs at each hit.
//
// Machine model of the generated code:
//   r9  the context (struct pt_regs of the probed thread), kept for the whole program
//   r8  the heap: this program's per-CPU scratch map value (strings, keys, records, literals)
//   r7  a return site's entry captures (a value of the entry map), or 0
//   r0  every long expression's result; r1-r5 helper arguments and short-lived scratch
//   the stack: long locals and long temporaries, 8 bytes each; fp-8 holds u32 array keys
// A string expression's result is an offset in the heap where a NUL-terminated copy lives.
// Literal strings and a zero region are written into the heap by userspace before the probes
// are armed (HeapInit), so they cost no instructions.
//
// Anything eBPF cannot do, or this compiler does not yet, throws EventModeNeeded.
import type { ContextValue, Expr, LValue, ProbeSiteIR, ProgramIR, RegName, ScalarType, SourceLoc, Stmt, StatsRef } from '../../tracer/ir/ir';
import { Assembler, type Label } from '../assembler';
import * as I from '../insn';
import type { Insn } from '../insn';
import * as U from '../uapi';
import { EventModeNeeded, KERNEL_CONTEXT } from './event-mode';
import { fieldSize, globalMapShape, keyLayout, RECORD_HEADER, recordSize, scalarSize, SNAPSHOT_RECORD_ID, STATE_BUSY_SKIPS, STATE_LOST_RECORDS, STATE_SNAPSHOT, STATE_STOP, statsLayout, STATS_COUNT, STATS_MAX, STATS_MIN, STATS_SUM, type RecordField } from './layout';
import { EVENT_READ_FAULT, EVENT_READ_OK, EVENT_READ_SKIPPED, STACK_CHUNK, type EventRead, type KernelErrorKind, type RecordSpec } from './records';
import { exprKey } from './expr-key';

// Registers by role (the machine model above); r0-r6 by number, as the helper ABI names them.
const CTX = U.BPF_REG_9;
const HEAP = U.BPF_REG_8;
const ENTRY = U.BPF_REG_7;
const FP = U.BPF_REG_10;
const { BPF_REG_0: R0, BPF_REG_1: R1, BPF_REG_2: R2, BPF_REG_3: R3, BPF_REG_4: R4, BPF_REG_6: R6 } = U;
/** A shared program keeps its attach cookie at fp-24 (fp-16..fp-1: the entry-map key). */
const COOKIE_SLOT = -24;
const COOKIE_SLOT_END = 24;
/** Largest per-CPU value the kernel allocates (PCPU_MIN_UNIT_SIZE). */
export const MAX_HEAP = 32 * 1024;
const BPF_FETCH = 0x01;
const BPF_XCHG = 0xe0 | BPF_FETCH;
const SIGSTOP = 19;

/** Map file descriptors the code refers to (0 while only checking what a handler needs). */
export interface MapFds {
  global(index: number): number;
  ring: number;
  state: number;
  heap: number;
  /** The entry-captures map of this return site. */
  entry: number;
  /**
   * The scratch of the function-entry program, when it has its own (else `heap`): userspace
   * writes the site program's literals into its heap once, and the entry program's captures
   * must not land on them.
   */
  entryHeap?: number;
  /**
   * The set of traced processes (process-events.ts), when the run follows a target's children:
   * the uprobe then fires in every process running the file, and a hit in a process outside the
   * set leaves at once.
   */
  traced?: number;
}

export interface HeapInit {
  size: number;
  /** Bytes to write at offsets (literals); the rest is zero. */
  fill: Array<{ offset: number; bytes: Buffer }>;
}

export interface CompiledProgram {
  insns: Insn[];
  locs: Array<SourceLoc | undefined>;
  heap: HeapInit;
  /** Load it sleepable (BPF_F_SLEEPABLE): it retries a faulting read with bpf_copy_from_user. */
  sleepable?: boolean;
}

export interface CompileOptions {
  program: ProgramIR;
  site: ProbeSiteIR;
  fds: MapFds;
  /** Allocates record ids, unique across the session's programs. */
  nextRecordId(): number;
  /** -p/-c process for target(), 0 without one. */
  targetPid: number;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC, for walltime from bpf_ktime_get_ns. */
  walltimeOffsetNs: bigint;
  /**
   * Compiling one program for several sites of a uprobe_multi link: which site hit is known only
   * at run time, as bpf_get_attach_cookie() (the site's index in its group). Record ids are then
   * nextRecordId() + cookie (the caller's allocator keeps a block of ids per record), and
   * pp()/probefunc() are read from the `siteStrings` array map (key: cookie; value: probefunc,
   * then pp, MAXSTRINGLEN bytes each).
   */
  shared?: { siteStrings: number };
  /**
   * The programs will be loaded sleepable where they read target memory: a read that
   * bpf_probe_read_user cannot do (a page the process has not touched yet, so not yet mapped)
   * is retried with bpf_copy_from_user, which faults the page in as the process's own access
   * would; only a read of memory that is not there at all then fails.
   */
  sleepable?: boolean;
  /**
   * The handler stops its process once when the state map asks for it (STATE_SNAPSHOT), so that
   * utap reads the process's mappings while it lives (a -c command whose script symbolizes).
   */
  mapsSnapshot?: boolean;
}

/** The page size the string read's fault-in steps by (x86-64). */
const PAGE_SIZE = 4096;

export interface CompiledSite {
  main: CompiledProgram;
  /** For a return site with entry captures: the program at function entry that saves them. */
  entry?: CompiledProgram;
  /** Bytes of one entry-captures value (the entry map's value size). */
  entryValueSize: number;
  records: RecordSpec[];
  /** Globals the kernel handler touches: they must live in maps. */
  globals: Set<number>;
  /** A shared program reads pp() or probefunc() from the site strings map. */
  usesSiteStrings: boolean;
}

type StringRef = { heap: number };

/** Context values an event record carries (tid, pid and cpu are in every record's header). */
const EVENT_CONTEXT = new Set<ContextValue>(['uid', 'gid', 'execname', 'walltime_ns', 'monotonic_ns', 'uaddr']);

/** What an event-mode program ships in its record. */
export interface EventProgramRequest {
  /** 'event' at the site, 'entry' at a return site's function entry (when the kernel keeps no captures). */
  kind: 'event' | 'entry';
  regs: readonly RegName[];
  context: readonly ContextValue[];
  /**
   * Target-memory reads (userRead / userString nodes) to do at the hit and ship, each after the
   * reads its address depends on; their addresses use only registers, constants, kernel-known
   * context values, entry values (with entryInKernel) and earlier reads.
   */
  reads: readonly Expr[];
  /** A return site whose entry captures the kernel keeps (compileEntryProgram): ship them too. */
  entryInKernel: boolean;
  /** Bytes of user stack to ship from the stack pointer (a multiple of STACK_CHUNK), 0 for none. */
  stackBytes: number;
}

/** Compiles the event-mode program of a site (or of a return site's entry). */
export function compileEventProgram(options: CompileOptions, request: EventProgramRequest, records: RecordSpec[]): CompiledProgram {
  const offsets = request.entryInKernel ? entryLayout(options.site, options.program.limits.maxStringLen).offsets : [];
  return new SiteCodegen(options, records, new Set(), offsets).compileEvent(request);
}

/** Where each entry capture lives in a value of the entry map, and the value's size. */
function entryLayout(site: ProbeSiteIR, maxStr: number): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let size = 0;
  if (site.kind === 'return') {
    for (const e of site.entryCaptures) {
      offsets.push(size);
      size += scalarSize(e.type as ScalarType, maxStr);
    }
  }
  return { offsets, size };
}

/**
 * The function-entry program of a return site alone: it saves the entry captures in the entry
 * map, keyed by thread and frame (the kernel handler's; also an event-mode return site's, whose
 * hoisted reads need entry values at return). Throws EventModeNeeded.
 */
export function compileEntryProgram(options: CompileOptions, records: RecordSpec[]): { program: CompiledProgram; valueSize: number } {
  const layout = entryLayout(options.site, options.program.limits.maxStringLen);
  return { program: new SiteCodegen(options, records, new Set(), layout.offsets).compileEntry(), valueSize: layout.size };
}

/** Compiles one site's handler (and entry captures). Throws EventModeNeeded. */
export function compileSite(options: CompileOptions): CompiledSite {
  const { site, program } = options;
  const records: RecordSpec[] = [];
  const globals = new Set<number>();
  let entry: CompiledProgram | undefined;
  const { offsets: entryOffsets, size: entryValueSize } = entryLayout(site, program.limits.maxStringLen);
  let usesSiteStrings = false;
  if (entryOffsets.length > 0) {
    const g = new SiteCodegen(options, records, globals, entryOffsets);
    entry = g.compileEntry();
    usesSiteStrings = g.usesSiteStrings;
  }
  const g = new SiteCodegen(options, records, globals, entryOffsets);
  const main = g.compileMain();
  return { main, entry, entryValueSize, records, globals, usesSiteStrings: usesSiteStrings || g.usesSiteStrings };
}

class SiteCodegen {
  private readonly a = new Assembler<SourceLoc>();
  private readonly program: ProgramIR;
  private readonly site: ProbeSiteIR;
  private readonly maxStr: number;
  /** Where a hit leaves once it holds the scratch (its busy flag is cleared there). */
  private readonly exitLabel: Label;
  /** Where a hit leaves that does not hold the scratch (stopping, or the scratch busy). */
  private readonly earlyExit: Label;
  /** The heap's busy flag: a hit holds the per-CPU scratch from the prologue to the exit. */
  private readonly busy: number;
  private readonly localOffset = new Map<number, number>();
  private readonly localHeap = new Map<number, number>();
  /** fp-16..fp-1 hold the key of per-thread maps (entryKeyToStack). */
  private stackUsed = 16;
  private heapUsed: number;
  private readonly heapFill: Array<{ offset: number; bytes: Buffer }> = [];
  private readonly literals = new Map<string, number>();
  private readonly zeroSize: number;
  private emptyString = -1;
  /** While an event program computes a shipped read's address: where a failure there jumps. */
  private skipTarget: Label | undefined;
  /** An event program's reads done so far: their status and value in the record (by exprKey). */
  private readonly hoisted = new Map<string, { status: number; value: number }>();
  usesSiteStrings = false;
  /** It reads target memory with the bpf_copy_from_user fallback (options.sleepable). */
  private faultsIn = false;

  constructor(
    private readonly options: CompileOptions,
    private readonly records: RecordSpec[],
    private readonly globals: Set<number>,
    private readonly entryOffsets: number[],
  ) {
    this.program = options.program;
    this.site = options.site;
    this.maxStr = this.program.limits.maxStringLen;
    this.exitLabel = this.a.label();
    this.earlyExit = this.a.label();
    if (options.shared) this.stackUsed = COOKIE_SLOT_END;
    // The zero region at the heap's start is large enough to clear any key or value.
    let zero = this.maxStr;
    for (const d of this.program.globals) {
      const shape = globalMapShape(d, this.maxStr);
      zero = Math.max(zero, shape.keySize, shape.valueSize);
    }
    this.zeroSize = (zero + 7) & ~7;
    this.heapUsed = this.zeroSize;
    this.busy = this.heapAlloc(8);
  }

  // ───────────── programs ─────────────

  compileMain(): CompiledProgram {
    this.prologue();
    if (this.entryOffsets.length > 0) this.lookupEntry();
    for (const l of this.site.handler.locals.entries()) this.declareLocal(l[0], l[1].type);
    this.stmt(this.site.handler.body);
    this.epilogue(this.entryOffsets.length > 0);
    return this.finish();
  }

  compileEntry(): CompiledProgram {
    this.prologue(this.options.fds.entryHeap ?? this.options.fds.heap);
    const value = this.heapAlloc(this.entryOffsets.length === 0 ? 8 : this.entryValueEnd());
    this.site.entryCaptures.forEach((e, i) => {
      this.a.loc = e.loc;
      const at = value + this.entryOffsets[i];
      if (e.type === 'string') this.copyString(at, this.str(e));
      else {
        this.long(e);
        this.a.emit(I.BPF_STX_MEM(8, HEAP, R0, at));
      }
    });
    this.entryKeyToStack(false);
    this.emitLdMap(R1, this.options.fds.entry);
    this.stackPtr(R2, -16);
    this.heapPtr(R3, value);
    this.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_ANY));
    this.call(U.BPF_FUNC_map_update_elem);
    this.epilogue(false);
    return this.finish();
  }

  /**
   * An event-mode program: one record with the registers and kernel-known context values the
   * userspace handler needs, the entry values when the kernel keeps them, and the target memory
   * the handler reads, read now (when utap handles the record the target has run on).
   */
  compileEvent(request: EventProgramRequest): CompiledProgram {
    const { kind, regs, context, reads } = request;
    this.prologue();
    const withEntry = this.entryOffsets.length > 0;
    if (withEntry) this.lookupEntry();
    const shipped = context.filter((c) => EVENT_CONTEXT.has(c));
    const entries: ScalarType[] = withEntry ? this.site.entryCaptures.map((e) => e.type as ScalarType) : [];
    const stringField: RecordField = { type: 'string', size: this.maxStr };
    const fields: RecordField[] = [
      ...regs.map((): RecordField => ({ type: 'long' })),
      ...shipped.map((c): RecordField => (c === 'execname' ? { type: 'string', size: 16 } : { type: 'long' })),
      ...entries.map((t): RecordField => (t === 'string' ? stringField : { type: 'long' })),
    ];
    const readSpecs: EventRead[] = reads.map((r) => {
      if (r.op === 'userString') return { type: 'string', size: this.maxStr, what: r.maxLen ? 'user_string_n' : 'user_string', loc: r.loc };
      if (r.op === 'userRead') return { type: 'long', size: r.size, what: `${r.size}-byte read`, loc: r.loc };
      throw new Error(`event program: ${r.op} is not a target-memory read`);
    });
    for (const r of readSpecs) fields.push({ type: 'long' }, { type: 'long' }, r.type === 'string' ? stringField : { type: 'long' });
    const stack = request.stackBytes;
    if (stack % STACK_CHUNK !== 0) throw new Error(`event program: ${stack} bytes of stack is not a multiple of ${STACK_CHUNK}`);
    if (stack > 0) fields.push({ type: 'long' }, { type: 'long' }, { type: 'string', size: stack });
    const id = this.options.nextRecordId();
    this.records.push({ id, site: this.site.id, kind, regs: [...regs], context: shipped, entries, reads: readSpecs, stack, fields });
    const size = recordSize(fields);
    const at = this.heapAlloc(size);
    let off = at + RECORD_HEADER;
    for (const r of regs) {
      this.a.emit(I.BPF_LDX_MEM(8, R0, CTX, U.PT_REGS_OFFSET[r]), I.BPF_STX_MEM(8, HEAP, R0, off));
      off += 8;
    }
    for (const c of shipped) {
      if (c === 'execname') {
        this.heapPtr(R1, off);
        this.a.emit(I.BPF_MOV64_IMM(R2, 16));
        this.call(U.BPF_FUNC_get_current_comm);
        off += 16;
      } else {
        this.contextLong(c, this.site.handler.body.loc);
        this.a.emit(I.BPF_STX_MEM(8, HEAP, R0, off));
        off += 8;
      }
    }
    entries.forEach((t, index) => {
      const loc = this.site.entryCaptures[index].loc;
      if (t === 'string') {
        this.copyString(off, this.str({ op: 'entry', type: 'string', index, loc }));
        off += fieldSize(stringField);
      } else {
        this.long({ op: 'entry', type: 'long', index, loc });
        this.a.emit(I.BPF_STX_MEM(8, HEAP, R0, off));
        off += 8;
      }
    });
    reads.forEach((r, i) => {
      this.hoistRead(r, off);
      off += 16 + (readSpecs[i].type === 'string' ? fieldSize(stringField) : 8);
    });
    if (stack > 0) this.stackCopy(off, stack);
    this.recordHeader(at, id);
    this.sendRecord(at, size);
    this.epilogue(withEntry);
    return this.finish();
  }

  /**
   * One shipped read at record offset `at`: status, address, bytes. A failure while computing
   * the address (a read it depends on faulted, a division by zero) ships EVENT_READ_SKIPPED, a
   * fault of the read itself EVENT_READ_FAULT; neither stops anything here: the userspace
   * handler reports the error only if it does that read.
   */
  private hoistRead(e: Expr, at: number): void {
    if (e.op !== 'userRead' && e.op !== 'userString') throw new Error(`event program: ${e.op} is not a target-memory read`);
    this.a.loc = e.loc;
    const status = at;
    const address = at + 8;
    const value = at + 16;
    const skip = this.a.label();
    const fault = this.a.label();
    const done = this.a.label();
    this.skipTarget = skip;
    if (e.op === 'userRead') {
      this.long(e.addr);
      this.skipTarget = undefined;
      this.a.emit(I.BPF_STX_MEM(8, HEAP, R0, address), I.BPF_MOV64_REG(R3, R0), I.BPF_ST_MEM(8, HEAP, value, 0));
      this.heapPtr(R1, value);
      this.a.emit(I.BPF_MOV64_IMM(R2, e.size));
      this.call(U.BPF_FUNC_probe_read_user);
      this.faultInRetry(() => {
        this.heapPtr(R1, value);
        this.a.emit(I.BPF_MOV64_IMM(R2, e.size), I.BPF_LDX_MEM(8, R3, HEAP, address));
      });
    } else {
      this.userStringRead(value, e);
      this.skipTarget = undefined;
      this.a.emit(I.BPF_STX_MEM(8, HEAP, R6, address));
    }
    this.a.jumpImm(U.BPF_JSLT, R0, 0, fault);
    this.a.emit(I.BPF_ST_MEM(8, HEAP, status, EVENT_READ_OK));
    this.a.jump(done);
    this.a.place(fault);
    this.a.emit(I.BPF_ST_MEM(8, HEAP, status, EVENT_READ_FAULT));
    this.a.jump(done);
    this.a.place(skip);
    this.a.emit(I.BPF_ST_MEM(8, HEAP, status, EVENT_READ_SKIPPED), I.BPF_ST_MEM(8, HEAP, address, 0));
    this.a.place(done);
    this.hoisted.set(exprKey(e), { status, value });
  }

  /**
   * The user stack for a backtrace, at record offset `at`: the address it starts at (rsp rounded
   * down to STACK_CHUNK), the number of bytes read, then up to `bytes` of it, chunk by chunk
   * until one faults (the end of the stack's mapping).
   */
  private stackCopy(at: number, bytes: number): void {
    const done = this.a.label();
    this.a.emit(I.BPF_LDX_MEM(8, R6, CTX, U.PT_REGS_OFFSET.rsp), I.BPF_ALU64_IMM(U.BPF_AND, R6, -STACK_CHUNK));
    this.a.emit(I.BPF_STX_MEM(8, HEAP, R6, at), I.BPF_ST_MEM(8, HEAP, at + 8, 0));
    for (let i = 0; i < bytes / STACK_CHUNK; i++) {
      this.heapPtr(R1, at + 16 + i * STACK_CHUNK);
      this.a.emit(I.BPF_MOV64_IMM(R2, STACK_CHUNK), I.BPF_MOV64_REG(R3, R6));
      if (i > 0) this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R3, i * STACK_CHUNK));
      this.call(U.BPF_FUNC_probe_read_user);
      this.a.jumpImm(U.BPF_JSLT, R0, 0, done);
      this.a.emit(I.BPF_ST_MEM(8, HEAP, at + 8, (i + 1) * STACK_CHUNK));
    }
    this.a.place(done);
  }

  /** r7 = entry_map[tid, this call's frame] or 0. */
  private lookupEntry(): void {
    this.entryKeyToStack(true);
    this.emitLdMap(R1, this.options.fds.entry);
    this.stackPtr(R2, -16);
    this.call(U.BPF_FUNC_map_lookup_elem);
    this.a.emit(I.BPF_MOV64_REG(ENTRY, R0));
  }

  /** The return is done with this call's entry captures. */
  private deleteEntry(): void {
    this.entryKeyToStack(true);
    this.emitLdMap(R1, this.options.fds.entry);
    this.stackPtr(R2, -16);
    this.call(U.BPF_FUNC_map_delete_elem);
  }

  private entryValueEnd(): number {
    const last = this.site.entryCaptures.length - 1;
    return this.entryOffsets[last] + scalarSize(this.site.entryCaptures[last].type as ScalarType, this.maxStr);
  }

  private finish(): CompiledProgram {
    if (this.heapUsed > MAX_HEAP) throw new EventModeNeeded(`its strings and keys need ${this.heapUsed} bytes of scratch, more than the ${MAX_HEAP} a kernel handler has`);
    return { insns: this.a.finish(), locs: this.a.locs, heap: { size: this.heapUsed, fill: this.heapFill }, sleepable: this.faultsIn };
  }

  /** r9 = ctx; leave at once when the session is stopping; r8 = heap. */
  private prologue(heapFd = this.options.fds.heap): void {
    this.a.emit(I.BPF_MOV64_REG(CTX, R1));
    if (this.options.shared) {
      this.call(U.BPF_FUNC_get_attach_cookie); // r1 is still the context
      this.a.emit(I.BPF_STX_MEM(8, FP, R0, COOKIE_SLOT));
    }
    this.a.emit(I.BPF_MOV64_IMM(ENTRY, 0));
    const go = this.a.label();
    this.lookupStateSlot(STATE_STOP, go);
    this.a.emit(I.BPF_LDX_MEM(8, R1, R0, 0));
    this.a.jumpImm(U.BPF_JNE, R1, 0, this.earlyExit);
    this.a.place(go);
    if (this.options.fds.traced !== undefined) {
      // bit tgid & 63 of word tgid >> 6 of the traced-process bitmap (process-events.ts)
      this.call(U.BPF_FUNC_get_current_pid_tgid);
      this.a.emit(I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32), I.BPF_STX_MEM(8, FP, R0, -16), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 6), I.BPF_STX_MEM(4, FP, R0, -8));
      this.emitLdMap(R1, this.options.fds.traced);
      this.stackPtr(R2, -8);
      this.call(U.BPF_FUNC_map_lookup_elem);
      this.a.jumpImm(U.BPF_JEQ, R0, 0, this.earlyExit);
      this.a.emit(I.BPF_LDX_MEM(8, R1, R0, 0), I.BPF_LDX_MEM(8, R2, FP, -16), I.BPF_ALU64_IMM(U.BPF_AND, R2, 63), I.BPF_ALU64_REG(U.BPF_RSH, R1, R2), I.BPF_ALU64_IMM(U.BPF_AND, R1, 1));
      this.a.jumpImm(U.BPF_JEQ, R1, 0, this.earlyExit);
    }
    this.a.emit(I.BPF_ST_MEM(4, FP, -8, 0));
    this.emitLdMap(R1, heapFd);
    this.stackPtr(R2, -8);
    this.call(U.BPF_FUNC_map_lookup_elem);
    this.a.jumpImm(U.BPF_JEQ, R0, 0, this.earlyExit);
    this.a.emit(I.BPF_MOV64_REG(HEAP, R0));
    // The scratch is this CPU's, but a hit may be preempted, or sleep faulting a page in, and
    // another thread's hit of the same program run on this CPU meanwhile: that one must not
    // overwrite the scratch in use. It is skipped and counted (utap warns), never mixed in.
    const free = this.a.label();
    this.a.emit(I.BPF_LDX_MEM(8, R1, HEAP, this.busy));
    this.a.jumpImm(U.BPF_JEQ, R1, 0, free);
    this.lookupStateSlot(STATE_BUSY_SKIPS, this.earlyExit);
    this.a.emit(I.BPF_MOV64_IMM(R1, 1), I.BPF_ATOMIC_OP(8, U.BPF_ADD, R0, R1, 0));
    this.a.jump(this.earlyExit);
    this.a.place(free);
    this.a.emit(I.BPF_ST_MEM(8, HEAP, this.busy, 1));
    if (this.options.mapsSnapshot) this.snapshotStop();
  }

  /** The end of every program: the scratch is free again; a return's entry values are done with. */
  private epilogue(deleteEntry: boolean): void {
    this.a.place(this.exitLabel);
    this.a.emit(I.BPF_ST_MEM(8, HEAP, this.busy, 0));
    this.a.place(this.earlyExit);
    if (deleteEntry) this.deleteEntry();
    this.a.emit(I.BPF_MOV64_IMM(R0, 0), I.BPF_EXIT_INSN());
  }

  /**
   * When STATE_SNAPSHOT asks for it and this hit is the one that swaps it to 0: a header-only
   * SNAPSHOT_RECORD_ID record (at fp-16), then SIGSTOP to the process; utap reads its mappings
   * and sends SIGCONT. Without room for the record there is no stop (nobody would end it).
   */
  private snapshotStop(): void {
    const done = this.a.label();
    this.lookupStateSlot(STATE_SNAPSHOT, done);
    this.a.emit(I.BPF_LDX_MEM(8, R1, R0, 0));
    this.a.jumpImm(U.BPF_JEQ, R1, 0, done);
    this.a.emit(I.BPF_MOV64_IMM(R1, 0), I.BPF_ATOMIC_OP(8, BPF_XCHG, R0, R1, 0));
    this.a.jumpImm(U.BPF_JEQ, R1, 0, done);
    this.a.emit(I.BPF_ST_MEM(4, FP, -16, SNAPSHOT_RECORD_ID | 0));
    this.call(U.BPF_FUNC_get_current_pid_tgid);
    this.a.emit(I.BPF_STX_MEM(4, FP, R0, -12), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32), I.BPF_STX_MEM(4, FP, R0, -8), I.BPF_ST_MEM(4, FP, -4, 0));
    this.emitLdMap(R1, this.options.fds.ring);
    this.stackPtr(R2, -16);
    this.a.emit(I.BPF_MOV64_IMM(R3, RECORD_HEADER), I.BPF_MOV64_IMM(R4, 0));
    this.call(U.BPF_FUNC_ringbuf_output);
    this.a.jumpImm(U.BPF_JNE, R0, 0, done);
    this.a.emit(I.BPF_MOV64_IMM(R1, SIGSTOP));
    this.call(U.BPF_FUNC_send_signal);
    this.a.place(done);
  }

  // ───────────── small emitters ─────────────

  private call(helper: number): void {
    this.a.emit(I.BPF_CALL_HELPER(helper));
  }

  private emitLdMap(reg: number, fd: number): void {
    this.a.emit(...I.BPF_LD_MAP_FD(reg, fd));
  }

  private stackPtr(reg: number, off: number): void {
    this.a.emit(I.BPF_MOV64_REG(reg, FP), I.BPF_ALU64_IMM(U.BPF_ADD, reg, off));
  }

  private heapPtr(reg: number, off: number): void {
    this.a.emit(I.BPF_MOV64_REG(reg, HEAP));
    if (off !== 0) this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, reg, off));
  }

  private loadImm(reg: number, value: bigint): void {
    const v = BigInt.asIntN(64, value);
    if (v >= -(1n << 31n) && v < 1n << 31n) this.a.emit(I.BPF_MOV64_IMM(reg, Number(v)));
    else this.a.emit(...I.BPF_LD_IMM64(reg, v));
  }

  /**
   * The key of a return site's entry captures, 16 bytes at fp-16: the thread id, then the stack
   * pointer at the function's entry (pointing at the return address). At the uretprobe the
   * return address has been popped, so that is rsp - 8 there. Keyed so, each call of a
   * recursive function pairs its return with its own entry. A shared program's sites share one
   * entry map, so its key also holds the site (the cookie) above the thread id: a function that
   * ends in a tail call (`jmp g`) enters g at its own stack pointer, and both returns fire at
   * g's `ret` — keyed by thread and frame alone, g's entry would overwrite f's.
   */
  private entryKeyToStack(atReturn: boolean): void {
    this.call(U.BPF_FUNC_get_current_pid_tgid);
    this.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R0, 32), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
    if (this.options.shared) this.a.emit(I.BPF_LDX_MEM(8, R1, FP, COOKIE_SLOT), I.BPF_ALU64_IMM(U.BPF_LSH, R1, 32), I.BPF_ALU64_REG(U.BPF_OR, R0, R1));
    this.a.emit(I.BPF_STX_MEM(8, FP, R0, -16));
    this.a.emit(I.BPF_LDX_MEM(8, R0, CTX, U.PT_REGS_OFFSET.rsp));
    if (atReturn) this.a.emit(I.BPF_ALU64_IMM(U.BPF_SUB, R0, 8));
    this.a.emit(I.BPF_STX_MEM(8, FP, R0, -8));
  }

  private allocTemp(): number {
    this.stackUsed += 8;
    if (this.stackUsed > U.MAX_BPF_STACK) throw new EventModeNeeded('it needs more than the 512 bytes of stack a kernel handler has');
    return -this.stackUsed;
  }

  private freeTemp(): void {
    this.stackUsed -= 8;
  }

  private heapAlloc(size: number): number {
    const at = this.heapUsed;
    this.heapUsed += (size + 7) & ~7;
    if (this.heapUsed > MAX_HEAP) throw new EventModeNeeded(`its strings and keys need more than the ${MAX_HEAP} bytes of scratch a kernel handler has`);
    return at;
  }

  private literal(text: string): number {
    let at = this.literals.get(text);
    if (at !== undefined) return at;
    const bytes = Buffer.from(text, 'latin1').subarray(0, this.maxStr - 1);
    at = this.heapAlloc(this.maxStr);
    this.heapFill.push({ offset: at, bytes });
    this.literals.set(text, at);
    return at;
  }

  /** A shared program's pp() or probefunc(): the hitting site's, from the site strings map. */
  private siteString(which: 'probefunc' | 'pp'): StringRef {
    this.usesSiteStrings = true;
    const to = this.heapAlloc(this.maxStr);
    const key = this.allocTemp();
    const done = this.a.label();
    this.a.emit(I.BPF_ST_MEM(1, HEAP, to, 0));
    this.a.emit(I.BPF_LDX_MEM(8, R0, FP, COOKIE_SLOT), I.BPF_STX_MEM(4, FP, R0, key));
    this.emitLdMap(R1, this.options.shared!.siteStrings);
    this.stackPtr(R2, key);
    this.call(U.BPF_FUNC_map_lookup_elem);
    this.freeTemp();
    this.a.jumpImm(U.BPF_JEQ, R0, 0, done);
    this.a.emit(I.BPF_MOV64_REG(R3, R0));
    if (which === 'pp') this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R3, this.maxStr));
    this.heapPtr(R1, to);
    this.a.emit(I.BPF_MOV64_IMM(R2, this.maxStr));
    this.call(U.BPF_FUNC_probe_read_kernel_str);
    this.a.place(done);
    return { heap: to };
  }

  private empty(): number {
    if (this.emptyString < 0) this.emptyString = this.heapAlloc(8);
    return this.emptyString;
  }

  private declareLocal(slot: number, type: ScalarType): void {
    if (type === 'long') {
      const off = this.allocTemp();
      this.localOffset.set(slot, off);
      this.a.emit(I.BPF_ST_MEM(8, FP, off, 0));
    } else {
      const at = this.heapAlloc(this.maxStr);
      this.localHeap.set(slot, at);
      this.a.emit(I.BPF_ST_MEM(1, HEAP, at, 0));
    }
  }

  /** Copies the string at heap `from` to heap `to` (at most maxStringLen bytes with the NUL). */
  private copyString(to: number, from: StringRef | number): void {
    const src = typeof from === 'number' ? from : from.heap;
    if (src === to) return;
    this.heapPtr(R1, to);
    this.a.emit(I.BPF_MOV64_IMM(R2, this.maxStr));
    this.heapPtr(R3, src);
    this.call(U.BPF_FUNC_probe_read_kernel_str);
  }

  /** Copies a NUL-terminated string from the kernel pointer in r3 into heap `to` (or "" when r3 is 0). */
  private copyStringFromPtr(to: number): void {
    const done = this.a.label();
    const some = this.a.label();
    this.a.jumpImm(U.BPF_JNE, R3, 0, some);
    this.a.emit(I.BPF_ST_MEM(1, HEAP, to, 0));
    this.a.jump(done);
    this.a.place(some);
    this.heapPtr(R1, to);
    this.a.emit(I.BPF_MOV64_IMM(R2, this.maxStr));
    this.call(U.BPF_FUNC_probe_read_kernel_str);
    this.a.place(done);
  }

  /** Zeroes `size` bytes of heap at `at` (keys must be zero past each string's NUL). */
  private zeroHeap(at: number, size: number): void {
    this.heapPtr(R1, at);
    this.a.emit(I.BPF_MOV64_IMM(R2, size));
    this.heapPtr(R3, 0);
    this.call(U.BPF_FUNC_probe_read_kernel);
  }

  // ───────────── records and errors ─────────────

  /** Writes the record header at heap `at` (id, tid, pid, cpu). */
  private recordHeader(at: number, id: number): void {
    if (this.options.shared) this.a.emit(I.BPF_LDX_MEM(8, R0, FP, COOKIE_SLOT), I.BPF_ALU64_IMM(U.BPF_ADD, R0, id), I.BPF_STX_MEM(4, HEAP, R0, at));
    else this.a.emit(I.BPF_ST_MEM(4, HEAP, at, id));
    this.call(U.BPF_FUNC_get_current_pid_tgid);
    this.a.emit(I.BPF_STX_MEM(4, HEAP, R0, at + 4), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32), I.BPF_STX_MEM(4, HEAP, R0, at + 8));
    this.call(U.BPF_FUNC_get_smp_processor_id);
    this.a.emit(I.BPF_STX_MEM(4, HEAP, R0, at + 12));
  }

  private sendRecord(at: number, size: number): void {
    this.emitLdMap(R1, this.options.fds.ring);
    this.heapPtr(R2, at);
    this.a.emit(I.BPF_MOV64_IMM(R3, size), I.BPF_MOV64_IMM(R4, 0));
    this.call(U.BPF_FUNC_ringbuf_output);
    // A full ring drops the record: count it, so that utap can say how much output is missing.
    const sent = this.a.label();
    this.a.jumpImm(U.BPF_JEQ, R0, 0, sent);
    this.lookupStateSlot(STATE_LOST_RECORDS, sent);
    this.a.emit(I.BPF_MOV64_IMM(R1, 1), I.BPF_ATOMIC_OP(8, U.BPF_ADD, R0, R1, 0));
    this.a.place(sent);
  }

  /** Evaluates `args` into a fresh record and sends it. */
  private valuesRecord(spec: (id: number, fields: RecordField[]) => RecordSpec, args: readonly Expr[]): void {
    const fields: RecordField[] = args.map((e) => (e.type === 'string' ? { type: 'string', size: this.maxStr } : { type: 'long' }));
    const size = recordSize(fields);
    const id = this.options.nextRecordId();
    this.records.push(spec(id, fields));
    const at = this.heapAlloc(size);
    let off = at + RECORD_HEADER;
    for (const e of args) {
      if (e.type === 'string') {
        this.copyString(off, this.str(e));
        off += this.maxStr;
      } else {
        this.long(e);
        this.a.emit(I.BPF_STX_MEM(8, HEAP, R0, off));
        off += 8;
      }
    }
    this.recordHeader(at, id);
    this.sendRecord(at, size);
  }

  /** Sets the stop flag, so no further hit runs a kernel handler (exit() or an error). */
  private setStopFlag(): void {
    const skip = this.a.label();
    this.lookupStateSlot(STATE_STOP, skip);
    this.a.emit(I.BPF_MOV64_IMM(R1, 1), I.BPF_STX_MEM(8, R0, R1, 0));
    this.a.place(skip);
  }

  /** r0 = the address of the state map's `slot` (layout.ts STATE_*); to `missing` if the lookup fails. */
  private lookupStateSlot(slot: number, missing: Label): void {
    this.a.emit(I.BPF_ST_MEM(4, FP, -8, slot));
    this.emitLdMap(R1, this.options.fds.state);
    this.stackPtr(R2, -8);
    this.call(U.BPF_FUNC_map_lookup_elem);
    this.a.jumpImm(U.BPF_JEQ, R0, 0, missing);
  }

  /** A runtime error: stop the session, tell userspace, leave the handler. r6 holds the address for faults. */
  private kernelError(error: KernelErrorKind, loc: SourceLoc, extra: { size?: number; global?: number; addressInR6?: boolean } = {}): void {
    if (this.skipTarget) {
      this.a.jump(this.skipTarget); // an event program computing a shipped read's address
      return;
    }
    const fields: RecordField[] = extra.addressInR6 ? [{ type: 'long' }] : [];
    const id = this.options.nextRecordId();
    this.records.push({ id, site: this.site.id, kind: 'kernelError', error, size: extra.size, global: extra.global, fields, loc });
    const size = recordSize(fields);
    const at = this.heapAlloc(size);
    if (extra.addressInR6) this.a.emit(I.BPF_STX_MEM(8, HEAP, R6, at + RECORD_HEADER));
    this.setStopFlag();
    this.recordHeader(at, id);
    this.sendRecord(at, size);
    this.a.jump(this.exitLabel);
  }

  // ───────────── statements ─────────────

  private stmt(s: Stmt): void {
    this.a.loc = s.loc;
    switch (s.kind) {
      case 'block':
        for (const b of s.body) this.stmt(b);
        return;
      case 'expr':
        if (s.expr.type === 'string') this.str(s.expr);
        else if (s.expr.type === 'void') throw new EventModeNeeded('it calls a function', s.loc);
        else this.long(s.expr);
        return;
      case 'if': {
        const otherwise = this.a.label();
        const end = this.a.label();
        this.long(s.test);
        this.a.jumpImm(U.BPF_JEQ, R0, 0, otherwise);
        this.stmt(s.then);
        this.a.jump(end);
        this.a.place(otherwise);
        if (s.else) this.stmt(s.else);
        this.a.place(end);
        return;
      }
      case 'next':
        this.a.jump(this.exitLabel);
        return;
      case 'delete':
        return this.deleteStmt(s);
      case 'statsAdd':
        return this.statsAdd(s.target, s.value, s.loc);
      case 'printf':
        return this.valuesRecord((id, fields) => ({ id, site: this.site.id, kind: 'printf', format: s.format, fields, loc: s.loc }), s.args);
      case 'print':
        return this.valuesRecord((id, fields) => ({ id, site: this.site.id, kind: 'print', newline: s.newline, fields, loc: s.loc }), s.args);
      case 'exit':
        if (s.abort) throw new EventModeNeeded('it calls abort()', s.loc);
        this.setStopFlag();
        return this.valuesRecord((id, fields) => ({ id, site: this.site.id, kind: 'exit', fields, loc: s.loc }), []);
      case 'error':
        if (s.warn) throw new EventModeNeeded('it calls warn()', s.loc);
        this.setStopFlag();
        this.valuesRecord((id, fields) => ({ id, site: this.site.id, kind: 'scriptError', fields, loc: s.loc }), [s.message]);
        this.a.jump(this.exitLabel);
        return;
      case 'while':
      case 'for':
      case 'foreach':
      case 'break':
      case 'continue':
        throw new EventModeNeeded('it has a loop', s.loc);
      case 'return':
        throw new EventModeNeeded('it returns from a function', s.loc);
      case 'printHist':
        throw new EventModeNeeded('it prints a histogram', s.loc);
      case 'printBacktrace':
        throw new EventModeNeeded('it prints a backtrace', s.loc);
      case 'try':
        throw new EventModeNeeded('it catches errors (try/catch)', s.loc);
    }
  }

  private deleteStmt(s: Extract<Stmt, { kind: 'delete' }>): void {
    const t = s.target;
    switch (t.kind) {
      case 'local':
        if (this.localOffset.has(t.slot)) this.a.emit(I.BPF_ST_MEM(8, FP, this.localOffset.get(t.slot)!, 0));
        else this.a.emit(I.BPF_ST_MEM(1, HEAP, this.localHeap.get(t.slot)!, 0));
        return;
      case 'element': {
        const decl = this.arrayDecl(t.global);
        const key = this.buildKey(decl.keyTypes, t.keys);
        this.emitLdMap(R1, this.globalFd(t.global));
        this.heapPtr(R2, key);
        this.call(U.BPF_FUNC_map_delete_elem);
        return;
      }
      case 'global': {
        const decl = this.program.globals[t.global];
        if (decl.kind !== 'scalar') throw new EventModeNeeded('it deletes a whole statistic, which lives per CPU', s.loc);
        this.scalarPtr(t.global);
        const skip = this.a.label();
        this.a.jumpImm(U.BPF_JEQ, R0, 0, skip);
        if (decl.type === 'long') this.a.emit(I.BPF_ST_MEM(8, R0, 0, 0));
        else this.a.emit(I.BPF_ST_MEM(1, R0, 0, 0));
        this.a.place(skip);
        return;
      }
      case 'array':
        throw new EventModeNeeded('it deletes a whole array', s.loc);
      case 'slice':
        throw new EventModeNeeded('it deletes a slice of an array', s.loc);
    }
  }

  // ───────────── globals ─────────────

  private globalFd(index: number): number {
    this.globals.add(index);
    return this.options.fds.global(index);
  }

  private arrayDecl(index: number): Extract<ProgramIR['globals'][number], { kind: 'array' }> {
    const d = this.program.globals[index];
    if (d.kind !== 'array') throw new Error(`global ${index} is not an array`);
    return d;
  }

  /** r0 = pointer to a scalar or stats global's value (0 only if the kernel failed). */
  private scalarPtr(index: number): void {
    this.a.emit(I.BPF_ST_MEM(4, FP, -8, 0));
    this.emitLdMap(R1, this.globalFd(index));
    this.stackPtr(R2, -8);
    this.call(U.BPF_FUNC_map_lookup_elem);
  }

  /** Evaluates key parts and assembles the key in a fresh heap buffer; returns its offset. */
  private buildKey(types: readonly ScalarType[], keys: readonly Expr[]): number {
    const layout = keyLayout(types, this.maxStr);
    // Every part is evaluated first: a part may itself look up an array.
    const temps: Array<{ stack?: number; str?: StringRef }> = [];
    for (const k of keys) {
      if (k.type === 'string') temps.push({ str: this.str(k) });
      else {
        this.long(k);
        const t = this.allocTemp();
        this.a.emit(I.BPF_STX_MEM(8, FP, R0, t));
        temps.push({ stack: t });
      }
    }
    const at = this.heapAlloc(layout.size);
    if (layout.parts.some((p) => p.type === 'string')) this.zeroHeap(at, layout.size);
    layout.parts.forEach((p, i) => {
      const t = temps[i];
      if (t.str) this.copyString(at + p.offset, t.str);
      else this.a.emit(I.BPF_LDX_MEM(8, R0, FP, t.stack!), I.BPF_STX_MEM(8, HEAP, R0, at + p.offset));
    });
    for (const t of temps) if (t.stack !== undefined) this.freeTemp();
    return at;
  }

  /** r0 = pointer to the element, creating it (zeroed) when absent; an overflow error when full. */
  private elementPtrCreate(global: number, key: number, loc: SourceLoc): void {
    const decl = this.arrayDecl(global);
    const fd = this.globalFd(global);
    const found = this.a.label();
    this.emitLdMap(R1, fd);
    this.heapPtr(R2, key);
    this.call(U.BPF_FUNC_map_lookup_elem);
    this.a.jumpImm(U.BPF_JNE, R0, 0, found);
    this.emitLdMap(R1, fd);
    this.heapPtr(R2, key);
    this.heapPtr(R3, 0);
    this.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_NOEXIST));
    this.call(U.BPF_FUNC_map_update_elem);
    this.emitLdMap(R1, fd);
    this.heapPtr(R2, key);
    this.call(U.BPF_FUNC_map_lookup_elem);
    this.a.jumpImm(U.BPF_JNE, R0, 0, found);
    this.kernelError('arrayOverflow', loc, { global, size: decl.maxEntries });
    this.a.place(found);
  }

  // ───────────── statistics ─────────────

  private statsAdd(target: StatsRef, value: Expr, loc: SourceLoc): void {
    const decl = this.program.globals[target.global];
    const hists = decl.kind === 'stats' ? decl.stats.hist : decl.kind === 'array' ? decl.stats?.hist ?? [] : [];
    if ((decl.kind === 'stats' || decl.kind === 'array') && decl.stats?.variance) throw new EventModeNeeded('it feeds a statistic read with @variance (its running state is kept in userspace)', loc);
    const layout = statsLayout(hists);
    this.long(value);
    const v = this.allocTemp();
    this.a.emit(I.BPF_STX_MEM(8, FP, R0, v));
    if (target.keys && target.keys.length > 0) {
      const key = this.buildKey(this.arrayDecl(target.global).keyTypes, target.keys);
      this.elementPtrCreate(target.global, key, loc);
    } else {
      this.scalarPtr(target.global);
      this.a.jumpImm(U.BPF_JEQ, R0, 0, this.exitLabel);
    }
    // r6 = value pointer, r1 = v, r2 = old count
    this.a.emit(I.BPF_MOV64_REG(R6, R0), I.BPF_LDX_MEM(8, R1, FP, v), I.BPF_LDX_MEM(8, R2, R6, STATS_COUNT));
    this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R2, 1), I.BPF_STX_MEM(8, R6, R2, STATS_COUNT));
    this.a.emit(I.BPF_LDX_MEM(8, R3, R6, STATS_SUM), I.BPF_ALU64_REG(U.BPF_ADD, R3, R1), I.BPF_STX_MEM(8, R6, R3, STATS_SUM));
    const first = this.a.label();
    const minDone = this.a.label();
    const maxDone = this.a.label();
    this.a.jumpImm(U.BPF_JEQ, R2, 1, first);
    this.a.emit(I.BPF_LDX_MEM(8, R3, R6, STATS_MIN));
    this.a.jumpReg(U.BPF_JSGE, R1, R3, minDone);
    this.a.emit(I.BPF_STX_MEM(8, R6, R1, STATS_MIN));
    this.a.place(minDone);
    this.a.emit(I.BPF_LDX_MEM(8, R3, R6, STATS_MAX));
    this.a.jumpReg(U.BPF_JSLE, R1, R3, maxDone);
    this.a.emit(I.BPF_STX_MEM(8, R6, R1, STATS_MAX));
    this.a.jump(maxDone);
    this.a.place(first);
    this.a.emit(I.BPF_STX_MEM(8, R6, R1, STATS_MIN), I.BPF_STX_MEM(8, R6, R1, STATS_MAX));
    this.a.place(maxDone);
    hists.forEach((h, i) => {
      this.a.emit(I.BPF_LDX_MEM(8, R1, FP, v));
      if (h.kind === 'log') this.logBucket();
      else this.linearBucket(h.low, h.step, layout.histBuckets[i]);
      // r1 = bucket index in [0, buckets-1]; the jump teaches the verifier that bound.
      const ok = this.a.label();
      this.a.jumpImm(U.BPF_JLE, R1, layout.histBuckets[i] - 1, ok);
      this.a.emit(I.BPF_MOV64_IMM(R1, layout.histBuckets[i] - 1));
      this.a.place(ok);
      this.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R1, 3), I.BPF_MOV64_REG(R2, R6), I.BPF_ALU64_REG(U.BPF_ADD, R2, R1));
      this.a.emit(I.BPF_LDX_MEM(8, R3, R2, layout.histOffsets[i]), I.BPF_ALU64_IMM(U.BPF_ADD, R3, 1), I.BPF_STX_MEM(8, R2, R3, layout.histOffsets[i]));
    });
    this.freeTemp();
  }

  /** r1 = SystemTap's log2 bucket of r1: 64 for 0, 64 ± bit length of |v|. Uses r2-r4. */
  private logBucket(): void {
    const zero = this.a.label();
    const done = this.a.label();
    const positive = this.a.label();
    this.a.jumpImm(U.BPF_JEQ, R1, 0, zero);
    this.a.emit(I.BPF_MOV64_IMM(R4, 1)); // sign: 1 positive, -1 negative
    this.a.jumpImm(U.BPF_JSGT, R1, 0, positive);
    this.a.emit(I.BPF_MOV64_IMM(R4, -1), I.BPF_NEG64(R1));
    this.a.place(positive);
    // r2 = bit length of r1 (unsigned), by halving.
    this.a.emit(I.BPF_MOV64_IMM(R2, 0));
    for (const shift of [32, 16, 8, 4, 2, 1]) {
      const skip = this.a.label();
      this.a.emit(I.BPF_MOV64_REG(R3, R1), I.BPF_ALU64_IMM(U.BPF_RSH, R3, shift));
      this.a.jumpImm(U.BPF_JEQ, R3, 0, skip);
      this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R2, shift), I.BPF_MOV64_REG(R1, R3));
      this.a.place(skip);
    }
    this.a.emit(I.BPF_ALU64_REG(U.BPF_ADD, R2, R1)); // the remaining top bit
    this.a.emit(I.BPF_ALU64_REG(U.BPF_MUL, R2, R4), I.BPF_MOV64_IMM(R1, 64), I.BPF_ALU64_REG(U.BPF_ADD, R1, R2));
    this.a.jump(done);
    this.a.place(zero);
    this.a.emit(I.BPF_MOV64_IMM(R1, 64));
    this.a.place(done);
  }

  /** r1 = linear bucket of r1: 0 below low, 1 + (v - low) / step, capped at the overflow bucket. */
  private linearBucket(low: bigint, step: bigint, buckets: number): void {
    const under = this.a.label();
    const done = this.a.label();
    this.loadImm(R2, low);
    this.a.jumpReg(U.BPF_JSLT, R1, R2, under);
    this.a.emit(I.BPF_ALU64_REG(U.BPF_SUB, R1, R2));
    this.loadImm(R2, step);
    this.a.emit(I.BPF_ALU64_REG(U.BPF_DIV, R1, R2), I.BPF_ALU64_IMM(U.BPF_ADD, R1, 1));
    const ok = this.a.label();
    this.a.jumpImm(U.BPF_JLE, R1, buckets - 1, ok);
    this.a.emit(I.BPF_MOV64_IMM(R1, buckets - 1));
    this.a.place(ok);
    this.a.jump(done);
    this.a.place(under);
    this.a.emit(I.BPF_MOV64_IMM(R1, 0));
    this.a.place(done);
  }

  // ───────────── long expressions: result in r0 ─────────────

  private long(e: Expr): void {
    this.a.loc = e.loc;
    switch (e.op) {
      case 'long':
        return this.loadImm(R0, e.value);
      case 'local': {
        const off = this.localOffset.get(e.slot);
        if (off === undefined) throw new Error(`long local ${e.slot} not declared`);
        this.a.emit(I.BPF_LDX_MEM(8, R0, FP, off));
        return;
      }
      case 'global': {
        this.scalarPtr(e.global);
        const done = this.a.label();
        this.a.jumpImm(U.BPF_JEQ, R0, 0, done);
        this.a.emit(I.BPF_LDX_MEM(8, R0, R0, 0));
        this.a.place(done);
        return;
      }
      case 'arrayGet':
      case 'arrayIn': {
        const decl = this.arrayDecl(e.global);
        if (decl.value === 'stats') throw new EventModeNeeded('it reads a statistic, whose parts live on every CPU', e.loc);
        const key = this.buildKey(decl.keyTypes, e.keys);
        this.emitLdMap(R1, this.globalFd(e.global));
        this.heapPtr(R2, key);
        this.call(U.BPF_FUNC_map_lookup_elem);
        const done = this.a.label();
        if (e.op === 'arrayIn') {
          this.a.jumpImm(U.BPF_JEQ, R0, 0, done);
          this.a.emit(I.BPF_MOV64_IMM(R0, 1));
        } else {
          this.a.jumpImm(U.BPF_JEQ, R0, 0, done);
          this.a.emit(I.BPF_LDX_MEM(8, R0, R0, 0));
        }
        this.a.place(done);
        return;
      }
      case 'binary':
        return this.binary(e);
      case 'compare': {
        if (e.left.type === 'string') throw new EventModeNeeded('it compares strings', e.loc);
        const ops = { '==': U.BPF_JEQ, '!=': U.BPF_JNE, '<': U.BPF_JSLT, '<=': U.BPF_JSLE, '>': U.BPF_JSGT, '>=': U.BPF_JSGE };
        this.twoOperands(e.left, e.right);
        const yes = this.a.label();
        const done = this.a.label();
        this.a.jumpReg(ops[e.operator], R0, R1, yes);
        this.a.emit(I.BPF_MOV64_IMM(R0, 0));
        this.a.jump(done);
        this.a.place(yes);
        this.a.emit(I.BPF_MOV64_IMM(R0, 1));
        this.a.place(done);
        return;
      }
      case 'logical': {
        const short = this.a.label();
        const done = this.a.label();
        this.long(e.left);
        this.a.jumpImm(e.operator === '&&' ? U.BPF_JEQ : U.BPF_JNE, R0, 0, short);
        this.long(e.right);
        this.a.jumpImm(U.BPF_JEQ, R0, 0, done); // r0 is already 0
        this.a.emit(I.BPF_MOV64_IMM(R0, 1));
        this.a.jump(done);
        this.a.place(short);
        this.a.emit(I.BPF_MOV64_IMM(R0, e.operator === '&&' ? 0 : 1));
        this.a.place(done);
        return;
      }
      case 'unary':
        this.long(e.operand);
        if (e.operator === '-') this.a.emit(I.BPF_NEG64(R0));
        else if (e.operator === '~') this.a.emit(I.BPF_ALU64_IMM(U.BPF_XOR, R0, -1));
        else if (e.operator === '!') {
          const zero = this.a.label();
          const done = this.a.label();
          this.a.jumpImm(U.BPF_JEQ, R0, 0, zero);
          this.a.emit(I.BPF_MOV64_IMM(R0, 0));
          this.a.jump(done);
          this.a.place(zero);
          this.a.emit(I.BPF_MOV64_IMM(R0, 1));
          this.a.place(done);
        }
        return;
      case 'conditional': {
        const otherwise = this.a.label();
        const done = this.a.label();
        this.long(e.test);
        this.a.jumpImm(U.BPF_JEQ, R0, 0, otherwise);
        this.long(e.then);
        this.a.jump(done);
        this.a.place(otherwise);
        this.long(e.else);
        this.a.place(done);
        return;
      }
      case 'assign':
        return this.assignLong(e);
      case 'incdec':
        return this.incdec(e);
      case 'context':
        return this.contextLong(e.what, e.loc);
      case 'reg':
        this.a.emit(I.BPF_LDX_MEM(8, R0, CTX, U.PT_REGS_OFFSET[e.reg]));
        return;
      case 'userRead': {
        const shipped = this.hoisted.get(exprKey(e));
        if (shipped && this.skipTarget) {
          // An event program: the read was done and shipped already; reuse its bytes.
          this.a.emit(I.BPF_LDX_MEM(8, R0, HEAP, shipped.status));
          this.a.jumpImm(U.BPF_JNE, R0, 0, this.skipTarget);
          if (e.signed && e.size < 8) this.a.emit(I.BPF_LDX_MEMSX(e.size as 1 | 2 | 4, R0, HEAP, shipped.value));
          else this.a.emit(I.BPF_LDX_MEM(e.size, R0, HEAP, shipped.value));
          return;
        }
        return this.userRead(e);
      }
      case 'entry': {
        const done = this.a.label();
        this.a.emit(I.BPF_MOV64_IMM(R0, 0));
        this.a.jumpImm(U.BPF_JEQ, ENTRY, 0, done);
        this.a.emit(I.BPF_LDX_MEM(8, R0, ENTRY, this.entryOffsets[e.index]));
        this.a.place(done);
        return;
      }
      case 'aggregate':
        throw new EventModeNeeded('it reads a statistic, whose parts live on every CPU', e.loc);
      case 'call':
        throw new EventModeNeeded('it calls a script function', e.loc);
      case 'builtin':
        throw new EventModeNeeded(`it calls ${e.name}()`, e.loc);
      default:
        throw new EventModeNeeded(`it uses ${e.op} expressions`, e.loc);
    }
  }

  /** r0 = left, r1 = right (right evaluated after left, as the runtime does). */
  private twoOperands(left: Expr, right: Expr): void {
    this.long(left);
    const t = this.allocTemp();
    this.a.emit(I.BPF_STX_MEM(8, FP, R0, t));
    this.long(right);
    this.a.emit(I.BPF_MOV64_REG(R1, R0), I.BPF_LDX_MEM(8, R0, FP, t));
    this.freeTemp();
  }

  private binary(e: Extract<Expr, { op: 'binary' }>): void {
    this.twoOperands(e.left, e.right);
    this.applyOp(e.operator, e.loc);
  }

  /** r0 = r0 op r1. */
  private applyOp(op: string, loc: SourceLoc): void {
    switch (op) {
      case '+': this.a.emit(I.BPF_ALU64_REG(U.BPF_ADD, R0, R1)); return;
      case '-': this.a.emit(I.BPF_ALU64_REG(U.BPF_SUB, R0, R1)); return;
      case '*': this.a.emit(I.BPF_ALU64_REG(U.BPF_MUL, R0, R1)); return;
      case '&': this.a.emit(I.BPF_ALU64_REG(U.BPF_AND, R0, R1)); return;
      case '|': this.a.emit(I.BPF_ALU64_REG(U.BPF_OR, R0, R1)); return;
      case '^': this.a.emit(I.BPF_ALU64_REG(U.BPF_XOR, R0, R1)); return;
      case '<<': this.a.emit(I.BPF_ALU64_IMM(U.BPF_AND, R1, 63), I.BPF_ALU64_REG(U.BPF_LSH, R0, R1)); return;
      case '>>': this.a.emit(I.BPF_ALU64_IMM(U.BPF_AND, R1, 63), I.BPF_ALU64_REG(U.BPF_ARSH, R0, R1)); return;
      case '>>>': this.a.emit(I.BPF_ALU64_IMM(U.BPF_AND, R1, 63), I.BPF_ALU64_REG(U.BPF_RSH, R0, R1)); return;
      case '/':
      case '%': {
        const ok = this.a.label();
        this.a.jumpImm(U.BPF_JNE, R1, 0, ok);
        this.kernelError('divisionByZero', loc);
        this.a.place(ok);
        this.a.emit(I.BPF_ALU64_REG_SIGNED(op === '/' ? U.BPF_DIV : U.BPF_MOD, R0, R1));
        return;
      }
      default:
        throw new EventModeNeeded(`it uses the ${op} operator`, loc);
    }
  }

  private contextLong(what: ContextValue, loc: SourceLoc): void {
    if (!KERNEL_CONTEXT.has(what)) throw new EventModeNeeded(`it reads ${what}()`, loc);
    switch (what) {
      case 'tid':
        this.call(U.BPF_FUNC_get_current_pid_tgid);
        this.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R0, 32), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
        return;
      case 'pid':
        this.call(U.BPF_FUNC_get_current_pid_tgid);
        this.a.emit(I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
        return;
      case 'uid':
        this.call(U.BPF_FUNC_get_current_uid_gid);
        this.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R0, 32), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
        return;
      case 'gid':
        this.call(U.BPF_FUNC_get_current_uid_gid);
        this.a.emit(I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
        return;
      case 'cpu':
        this.call(U.BPF_FUNC_get_smp_processor_id);
        return;
      case 'target':
        return this.loadImm(R0, BigInt(this.options.targetPid));
      case 'monotonic_ns':
        this.call(U.BPF_FUNC_ktime_get_ns);
        return;
      case 'walltime_ns':
        this.call(U.BPF_FUNC_ktime_get_ns);
        this.loadImm(R1, this.options.walltimeOffsetNs);
        this.a.emit(I.BPF_ALU64_REG(U.BPF_ADD, R0, R1));
        return;
      case 'uaddr':
        this.a.emit(I.BPF_LDX_MEM(8, R0, CTX, U.PT_REGS_OFFSET.rip));
        return;
      default:
        throw new EventModeNeeded(`it reads ${what}() as a number`, loc);
    }
  }

  private userRead(e: Extract<Expr, { op: 'userRead' }>): void {
    this.long(e.addr);
    const buf = this.allocTemp();
    this.a.emit(I.BPF_MOV64_REG(R6, R0), I.BPF_ST_MEM(8, FP, buf, 0));
    this.stackPtr(R1, buf);
    this.a.emit(I.BPF_MOV64_IMM(R2, e.size), I.BPF_MOV64_REG(R3, R6));
    this.call(U.BPF_FUNC_probe_read_user);
    this.faultInRetry(() => {
      this.stackPtr(R1, buf);
      this.a.emit(I.BPF_MOV64_IMM(R2, e.size), I.BPF_MOV64_REG(R3, R6));
    });
    const ok = this.a.label();
    this.a.jumpImm(U.BPF_JSGE, R0, 0, ok);
    this.kernelError('readFault', e.loc, { size: e.size, addressInR6: true });
    this.a.place(ok);
    if (e.signed && e.size < 8) this.a.emit(I.BPF_LDX_MEMSX(e.size as 1 | 2 | 4, R0, FP, buf));
    else this.a.emit(I.BPF_LDX_MEM(e.size, R0, FP, buf));
    this.freeTemp();
  }

  // ───────────── assignment ─────────────

  private assignLong(e: Extract<Expr, { op: 'assign' }>): void {
    if (e.type === 'string') {
      this.str(e);
      return;
    }
    const op = e.operator === '=' ? undefined : e.operator.slice(0, -1);
    const t = e.target;
    if (t.kind === 'local') {
      const off = this.localOffset.get(t.slot)!;
      if (op) {
        this.long(e.value);
        this.a.emit(I.BPF_MOV64_REG(R1, R0), I.BPF_LDX_MEM(8, R0, FP, off));
        this.applyOp(op, e.loc);
      } else this.long(e.value);
      this.a.emit(I.BPF_STX_MEM(8, FP, R0, off));
      return;
    }
    if (t.kind === 'global' || t.kind === 'element') {
      // The value first (it may look up other globals), then the target's pointer.
      this.long(e.value);
      const v = this.allocTemp();
      this.a.emit(I.BPF_STX_MEM(8, FP, R0, v));
      this.targetPtr(t, e.loc);
      this.a.emit(I.BPF_MOV64_REG(R6, R0), I.BPF_LDX_MEM(8, R1, FP, v));
      if (op === '+' || op === '-') {
        // Atomic: several CPUs may add to the same counter at once.
        if (op === '-') this.a.emit(I.BPF_NEG64(R1));
        this.a.emit(I.BPF_MOV64_REG(R2, R1), I.BPF_ATOMIC_OP(8, U.BPF_ADD | BPF_FETCH, R6, R1, 0), I.BPF_ALU64_REG(U.BPF_ADD, R1, R2), I.BPF_MOV64_REG(R0, R1));
      } else if (op) {
        this.a.emit(I.BPF_LDX_MEM(8, R0, R6, 0));
        this.applyOp(op, e.loc);
        this.a.emit(I.BPF_STX_MEM(8, R6, R0, 0));
      } else {
        this.a.emit(I.BPF_STX_MEM(8, R6, R1, 0), I.BPF_MOV64_REG(R0, R1));
      }
      this.freeTemp();
      return;
    }
    throw new EventModeNeeded('it writes to the target', e.loc);
  }

  /** r0 = pointer to a long/string global or element, created when absent. Leaves on failure. */
  private targetPtr(t: Extract<LValue, { kind: 'global' | 'element' }>, loc: SourceLoc): void {
    if (t.kind === 'global') {
      this.scalarPtr(t.global);
      this.a.jumpImm(U.BPF_JEQ, R0, 0, this.exitLabel);
      return;
    }
    const key = this.buildKey(this.arrayDecl(t.global).keyTypes, t.keys);
    this.elementPtrCreate(t.global, key, loc);
  }

  private incdec(e: Extract<Expr, { op: 'incdec' }>): void {
    const t = e.target;
    if (t.kind === 'local') {
      const off = this.localOffset.get(t.slot)!;
      this.a.emit(I.BPF_LDX_MEM(8, R0, FP, off), I.BPF_MOV64_REG(R1, R0), I.BPF_ALU64_IMM(U.BPF_ADD, R1, e.delta), I.BPF_STX_MEM(8, FP, R1, off));
      if (e.prefix) this.a.emit(I.BPF_MOV64_REG(R0, R1));
      return;
    }
    if (t.kind === 'global' || t.kind === 'element') {
      this.targetPtr(t, e.loc);
      this.a.emit(I.BPF_MOV64_IMM(R1, e.delta), I.BPF_ATOMIC_OP(8, U.BPF_ADD | BPF_FETCH, R0, R1, 0), I.BPF_MOV64_REG(R0, R1));
      if (e.prefix) this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R0, e.delta));
      return;
    }
    throw new EventModeNeeded('it writes to the target', e.loc);
  }

  // ───────────── strings: result is a heap offset ─────────────

  private str(e: Expr): StringRef {
    this.a.loc = e.loc;
    switch (e.op) {
      case 'string':
        return { heap: this.literal(e.value) };
      case 'local':
        return { heap: this.localHeap.get(e.slot)! };
      case 'global':
      case 'arrayGet': {
        if (e.op === 'global') this.scalarPtr(e.global);
        else {
          const decl = this.arrayDecl(e.global);
          const key = this.buildKey(decl.keyTypes, e.keys);
          this.emitLdMap(R1, this.globalFd(e.global));
          this.heapPtr(R2, key);
          this.call(U.BPF_FUNC_map_lookup_elem);
        }
        const to = this.heapAlloc(this.maxStr);
        this.a.emit(I.BPF_MOV64_REG(R3, R0));
        this.copyStringFromPtr(to);
        return { heap: to };
      }
      case 'conditional': {
        const to = this.heapAlloc(this.maxStr);
        const otherwise = this.a.label();
        const done = this.a.label();
        this.long(e.test);
        this.a.jumpImm(U.BPF_JEQ, R0, 0, otherwise);
        this.copyString(to, this.str(e.then));
        this.a.jump(done);
        this.a.place(otherwise);
        this.copyString(to, this.str(e.else));
        this.a.place(done);
        return { heap: to };
      }
      case 'assign': {
        if (e.operator !== '=') throw new EventModeNeeded('it appends to a string', e.loc);
        const value = this.str(e.value);
        const t = e.target;
        if (t.kind === 'local') {
          const to = this.localHeap.get(t.slot)!;
          this.copyString(to, value);
          return { heap: to };
        }
        if (t.kind === 'global') {
          this.a.emit(I.BPF_ST_MEM(4, FP, -8, 0));
          this.emitLdMap(R1, this.globalFd(t.global));
          this.stackPtr(R2, -8);
          this.heapPtr(R3, value.heap);
          this.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_ANY));
          this.call(U.BPF_FUNC_map_update_elem);
          return value;
        }
        if (t.kind === 'element') {
          const key = this.buildKey(this.arrayDecl(t.global).keyTypes, t.keys);
          this.emitLdMap(R1, this.globalFd(t.global));
          this.heapPtr(R2, key);
          this.heapPtr(R3, value.heap);
          this.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_ANY));
          this.call(U.BPF_FUNC_map_update_elem);
          const ok = this.a.label();
          this.a.jumpImm(U.BPF_JSGE, R0, 0, ok);
          this.kernelError('arrayOverflow', e.loc, { global: t.global, size: this.arrayDecl(t.global).maxEntries });
          this.a.place(ok);
          return value;
        }
        throw new EventModeNeeded('it writes to the target', e.loc);
      }
      case 'context': {
        if (e.what === 'pp') return this.options.shared ? this.siteString('pp') : { heap: this.literal(this.site.pp) };
        if (e.what === 'probefunc') return this.options.shared ? this.siteString('probefunc') : { heap: this.literal(this.site.function) };
        if (e.what !== 'execname') throw new EventModeNeeded(`it reads ${e.what}()`, e.loc);
        const to = this.heapAlloc(Math.max(16, 8));
        this.heapPtr(R1, to);
        this.a.emit(I.BPF_MOV64_IMM(R2, 16));
        this.call(U.BPF_FUNC_get_current_comm);
        return { heap: to };
      }
      case 'userString':
        return this.userString(e);
      case 'entry': {
        const to = this.heapAlloc(this.maxStr);
        const done = this.a.label();
        this.a.emit(I.BPF_ST_MEM(1, HEAP, to, 0));
        this.a.jumpImm(U.BPF_JEQ, ENTRY, 0, done);
        this.a.emit(I.BPF_MOV64_REG(R3, ENTRY), I.BPF_ALU64_IMM(U.BPF_ADD, R3, this.entryOffsets[e.index]));
        this.heapPtr(R1, to);
        this.a.emit(I.BPF_MOV64_IMM(R2, this.maxStr));
        this.call(U.BPF_FUNC_probe_read_kernel_str);
        this.a.place(done);
        return { heap: to };
      }
      case 'concat':
        throw new EventModeNeeded('it builds strings', e.loc);
      case 'sprintf':
        throw new EventModeNeeded('it formats strings with sprintf', e.loc);
      case 'call':
        throw new EventModeNeeded('it calls a script function', e.loc);
      case 'builtin':
        throw new EventModeNeeded(`it calls ${e.name}()`, e.loc);
      default:
        throw new EventModeNeeded(`it uses ${e.op} string expressions`, e.loc);
    }
  }

  private userString(e: Extract<Expr, { op: 'userString' }>): StringRef {
    const to = this.heapAlloc(this.maxStr);
    this.userStringRead(to, e);
    const ok = this.a.label();
    this.a.jumpImm(U.BPF_JSGE, R0, 0, ok);
    this.kernelError('userStringFault', e.loc, { addressInR6: true });
    this.a.place(ok);
    return { heap: to };
  }

  /** Reads the string at e.addr into heap `to`; leaves the helper's result in r0 and the address in r6. */
  private userStringRead(to: number, e: Extract<Expr, { op: 'userString' }>): void {
    // r6 = address, r7 is the entry pointer: keep the size in a stack temp.
    const size = this.allocTemp();
    if (e.maxLen) {
      this.long(e.maxLen);
      const ok = this.a.label();
      const small = this.a.label();
      this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R0, 1));
      this.a.jumpImm(U.BPF_JSGE, R0, 1, small);
      this.a.emit(I.BPF_MOV64_IMM(R0, 1));
      this.a.place(small);
      this.a.jumpImm(U.BPF_JSLE, R0, this.maxStr, ok);
      this.a.emit(I.BPF_MOV64_IMM(R0, this.maxStr));
      this.a.place(ok);
      this.a.emit(I.BPF_STX_MEM(8, FP, R0, size));
    } else {
      this.a.emit(I.BPF_ST_MEM(8, FP, size, this.maxStr));
    }
    this.long(e.addr);
    this.a.emit(I.BPF_MOV64_REG(R6, R0));
    const readString = () => {
      this.heapPtr(R1, to);
      this.a.emit(I.BPF_LDX_MEM(8, R2, FP, size));
      // Re-establish the bound for the verifier after the spill.
      const inRange = this.a.label();
      this.a.jumpImm(U.BPF_JLE, R2, this.maxStr, inRange);
      this.a.emit(I.BPF_MOV64_IMM(R2, this.maxStr));
      this.a.place(inRange);
      const positive = this.a.label();
      this.a.jumpImm(U.BPF_JGE, R2, 1, positive);
      this.a.emit(I.BPF_MOV64_IMM(R2, 1));
      this.a.place(positive);
      this.a.emit(I.BPF_MOV64_REG(R3, R6));
      this.call(U.BPF_FUNC_probe_read_user_str);
    };
    readString();
    if (this.options.sleepable) this.stringFaultIn(readString);
    this.freeTemp();
  }

  /**
   * After a bpf_probe_read_user whose result is in r0: when it failed, and the program is
   * sleepable, the same read again with bpf_copy_from_user (`args` sets r1-r3 as before), which
   * faults the pages in. Leaves the result in r0 either way.
   */
  private faultInRetry(args: () => void): void {
    if (!this.options.sleepable) return;
    this.faultsIn = true;
    const done = this.a.label();
    this.a.jumpImm(U.BPF_JSGE, R0, 0, done);
    args();
    this.call(U.BPF_FUNC_copy_from_user);
    this.a.place(done);
  }

  /**
   * After a failed bpf_probe_read_user_str of the string at r6 (result in r0): fault in its pages
   * one at a time with a one-byte bpf_copy_from_user (there is no string form of that helper but
   * a kfunc), each time reading the string again with `readString`, until a read succeeds or a
   * page cannot be faulted in (not mapped: a real fault). Leaves the last result in r0.
   */
  private stringFaultIn(readString: () => void): void {
    this.faultsIn = true;
    const done = this.a.label();
    const byte = this.allocTemp();
    const pages = Math.ceil(this.maxStr / PAGE_SIZE) + 1;
    for (let i = 0; i < pages; i++) {
      this.a.jumpImm(U.BPF_JSGE, R0, 0, done);
      this.stackPtr(R1, byte);
      this.a.emit(I.BPF_MOV64_IMM(R2, 1), I.BPF_MOV64_REG(R3, R6));
      if (i > 0) this.a.emit(I.BPF_ALU64_IMM(U.BPF_AND, R3, -PAGE_SIZE), I.BPF_ALU64_IMM(U.BPF_ADD, R3, i * PAGE_SIZE));
      this.call(U.BPF_FUNC_copy_from_user);
      this.a.jumpImm(U.BPF_JSLT, R0, 0, done);
      readString();
    }
    this.a.place(done);
    this.freeTemp();
  }
}
