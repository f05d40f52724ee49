// The three kinds of program a site compiles to, and what every program starts and ends with:
// the main program (the handler itself), a return site's function-entry program (it saves the
// entry captures), and an event-mode program (one record with what the userspace handler needs,
// the target memory it reads read at the hit).
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { ContextValue, Expr, ScalarType } from '../ir/ir';
import { CTX, HEAP, ENTRY, FP, R0, R1, R2, R3, R4, R6, COOKIE_SLOT, MAX_HEAP } from './allocation';
import type { CompiledProgram, EventProgramRequest } from './compile-options';
import { deleteEntry, entryKeyToStack, entryValueEnd, lookupEntry } from './entry-captures';
import { EventModeNeeded } from './event-mode';
import { ContextUnavailable } from './context-kind';
import { TRACED } from '../../kernel-helper/exec-watch';
import { exprKey } from './expr-key';
import { contextLong } from './expressions';
import { fieldSize, RECORD_HEADER, recordSize, SNAPSHOT_RECORD_ID, STATE_BUSY_SKIPS, STATE_SNAPSHOT, STATE_STOP, type RecordField } from './layout';
import { lookupStateSlot, recordHeader, sendRecord } from './record-writer';
import { EVENT_READ_FAULT, EVENT_READ_OK, EVENT_READ_SKIPPED, STACK_CHUNK, type EventRead } from './records';
import type { SiteGen } from './site-gen';
import { emitStmt } from './statements';
import { faultInRetry, userStringRead } from './user-reads';

const BPF_FETCH = 0x01;
const BPF_XCHG = 0xe0 | BPF_FETCH;
const SIGSTOP = 19;
/** Context values an event record carries (tid, pid and cpu are in every record's header). */
const EVENT_CONTEXT = new Set<ContextValue>(['uid', 'gid', 'execname', 'walltime_ns', 'monotonic_ns', 'uaddr']);

export function compileMain(g: SiteGen): CompiledProgram {
  prologue(g);
  if (g.entryOffsets.length > 0) lookupEntry(g);
  for (const l of g.site.handler.locals.entries()) g.declareLocal(l[0], l[1].type);
  emitStmt(g, g.site.handler.body);
  epilogue(g, g.entryOffsets.length > 0);
  return finish(g);
}

export function compileEntry(g: SiteGen): CompiledProgram {
  prologue(g, g.options.fds.entryHeap ?? g.options.fds.heap);
  const value = g.alloc.heap(g.entryOffsets.length === 0 ? 8 : entryValueEnd(g));
  g.site.entryCaptures.forEach((e, i) => {
    g.a.loc = e.loc;
    const at = value + g.entryOffsets[i];
    if (e.type === 'string') g.copyString(at, g.str(e));
    else {
      g.long(e);
      g.a.emit(I.BPF_STX_MEM(8, HEAP, R0, at));
    }
  });
  entryKeyToStack(g, false);
  g.emitLdMap(R1, g.options.fds.entry);
  g.stackPtr(R2, -16);
  g.heapPtr(R3, value);
  g.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_ANY));
  g.call(U.BPF_FUNC_map_update_elem);
  epilogue(g, false);
  return finish(g);
}

/**
 * An event-mode program: one record with the registers and kernel-known context values the
 * userspace handler needs, the entry values when the kernel keeps them, and the target memory
 * the handler reads, read now (when utap handles the record the target has run on).
 */
export function compileEvent(g: SiteGen, request: EventProgramRequest): CompiledProgram {
  const { kind, regs, context, reads } = request;
  prologue(g);
  const withEntry = g.entryOffsets.length > 0;
  if (withEntry) lookupEntry(g);
  const shipped = context.filter((c) => EVENT_CONTEXT.has(c));
  const entries: ScalarType[] = withEntry ? g.site.entryCaptures.map((e) => e.type as ScalarType) : [];
  const stringField: RecordField = { type: 'string', size: g.maxStr };
  const fields: RecordField[] = [
    ...regs.map((): RecordField => ({ type: 'long' })),
    ...shipped.map((c): RecordField => (c === 'execname' ? { type: 'string', size: 16 } : { type: 'long' })),
    ...entries.map((t): RecordField => (t === 'string' ? stringField : { type: 'long' })),
  ];
  const readSpecs: EventRead[] = reads.map((r) => {
    if (r.op === 'userString') return { type: 'string', size: g.maxStr, what: r.maxLen ? 'user_string_n' : 'user_string', loc: r.loc };
    if (r.op === 'userRead') return { type: 'long', size: r.size, what: `${r.size}-byte read`, loc: r.loc };
    throw new Error(`event program: ${r.op} is not a target-memory read`);
  });
  for (const r of readSpecs) fields.push({ type: 'long' }, { type: 'long' }, r.type === 'string' ? stringField : { type: 'long' });
  const stack = request.stackBytes;
  if (stack % STACK_CHUNK !== 0) throw new Error(`event program: ${stack} bytes of stack is not a multiple of ${STACK_CHUNK}`);
  if (stack > 0) fields.push({ type: 'long' }, { type: 'long' }, { type: 'string', size: stack });
  const id = g.options.nextRecordId();
  g.records.push({ id, site: g.site.id, kind, regs: [...regs], context: shipped, entries, reads: readSpecs, stack, fields });
  const size = recordSize(fields);
  const at = g.alloc.heap(size);
  let off = at + RECORD_HEADER;
  for (const r of regs) {
    g.a.emit(I.BPF_LDX_MEM(8, R0, CTX, g.regOffset(r)), I.BPF_STX_MEM(8, HEAP, R0, off));
    off += 8;
  }
  for (const c of shipped) {
    if (c === 'execname') {
      g.heapPtr(R1, off);
      g.a.emit(I.BPF_MOV64_IMM(R2, 16));
      g.call(U.BPF_FUNC_get_current_comm);
      off += 16;
    } else {
      contextLong(g, c, g.site.handler.body.loc);
      g.a.emit(I.BPF_STX_MEM(8, HEAP, R0, off));
      off += 8;
    }
  }
  entries.forEach((t, index) => {
    const loc = g.site.entryCaptures[index].loc;
    if (t === 'string') {
      g.copyString(off, g.str({ op: 'entry', type: 'string', index, loc }));
      off += fieldSize(stringField);
    } else {
      g.long({ op: 'entry', type: 'long', index, loc });
      g.a.emit(I.BPF_STX_MEM(8, HEAP, R0, off));
      off += 8;
    }
  });
  reads.forEach((r, i) => {
    hoistRead(g, r, off);
    off += 16 + (readSpecs[i].type === 'string' ? fieldSize(stringField) : 8);
  });
  if (stack > 0) stackCopy(g, off, stack);
  recordHeader(g, at, id);
  sendRecord(g, at, size);
  epilogue(g, withEntry);
  return finish(g);
}

/**
 * One shipped read at record offset `at`: status, address, bytes. A failure while computing
 * the address (a read it depends on faulted, a division by zero) ships EVENT_READ_SKIPPED, a
 * fault of the read itself EVENT_READ_FAULT; neither stops anything here: the userspace
 * handler reports the error only if it does that read.
 */
export function hoistRead(g: SiteGen, e: Expr, at: number): void {
  if (e.op !== 'userRead' && e.op !== 'userString') throw new Error(`event program: ${e.op} is not a target-memory read`);
  g.a.loc = e.loc;
  const status = at;
  const address = at + 8;
  const value = at + 16;
  const skip = g.a.label();
  const fault = g.a.label();
  const done = g.a.label();
  g.skipTarget = skip;
  if (e.op === 'userRead') {
    g.long(e.addr);
    g.skipTarget = undefined;
    g.a.emit(I.BPF_STX_MEM(8, HEAP, R0, address), I.BPF_MOV64_REG(R3, R0), I.BPF_ST_MEM(8, HEAP, value, 0));
    g.heapPtr(R1, value);
    g.a.emit(I.BPF_MOV64_IMM(R2, e.size));
    g.call(U.BPF_FUNC_probe_read_user);
    faultInRetry(g, () => {
      g.heapPtr(R1, value);
      g.a.emit(I.BPF_MOV64_IMM(R2, e.size), I.BPF_LDX_MEM(8, R3, HEAP, address));
    });
  } else {
    userStringRead(g, value, e);
    g.skipTarget = undefined;
    g.a.emit(I.BPF_STX_MEM(8, HEAP, R6, address));
  }
  g.a.jumpImm(U.BPF_JSLT, R0, 0, fault);
  g.a.emit(I.BPF_ST_MEM(8, HEAP, status, EVENT_READ_OK));
  g.a.jump(done);
  g.a.place(fault);
  g.a.emit(I.BPF_ST_MEM(8, HEAP, status, EVENT_READ_FAULT));
  g.a.jump(done);
  g.a.place(skip);
  g.a.emit(I.BPF_ST_MEM(8, HEAP, status, EVENT_READ_SKIPPED), I.BPF_ST_MEM(8, HEAP, address, 0));
  g.a.place(done);
  g.hoisted.set(exprKey(e), { status, value });
}

/**
 * The user stack for a backtrace, at record offset `at`: the address it starts at (rsp rounded
 * down to STACK_CHUNK), the number of bytes read, then up to `bytes` of it, chunk by chunk
 * until one faults (the end of the stack's mapping).
 */
export function stackCopy(g: SiteGen, at: number, bytes: number): void {
  const done = g.a.label();
  g.a.emit(I.BPF_LDX_MEM(8, R6, CTX, g.regOffset('rsp')), I.BPF_ALU64_IMM(U.BPF_AND, R6, -STACK_CHUNK));
  g.a.emit(I.BPF_STX_MEM(8, HEAP, R6, at), I.BPF_ST_MEM(8, HEAP, at + 8, 0));
  for (let i = 0; i < bytes / STACK_CHUNK; i++) {
    g.heapPtr(R1, at + 16 + i * STACK_CHUNK);
    g.a.emit(I.BPF_MOV64_IMM(R2, STACK_CHUNK), I.BPF_MOV64_REG(R3, R6));
    if (i > 0) g.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R3, i * STACK_CHUNK));
    g.call(U.BPF_FUNC_probe_read_user);
    g.a.jumpImm(U.BPF_JSLT, R0, 0, done);
    g.a.emit(I.BPF_ST_MEM(8, HEAP, at + 8, (i + 1) * STACK_CHUNK));
  }
  g.a.place(done);
}

export function finish(g: SiteGen): CompiledProgram {
  if (g.alloc.heapUsed > MAX_HEAP) throw new EventModeNeeded(`its strings and keys need ${g.alloc.heapUsed} bytes of scratch, more than the ${MAX_HEAP} a kernel handler has`);
  return { insns: g.a.finish(), locs: g.a.locs, heap: { size: g.alloc.heapUsed, fill: g.alloc.heapFill }, sleepable: g.faultsIn };
}

/** A system-call program fires for every process: leave unless this one is traced (fds.tgids). */
function tgidFilter(g: SiteGen): void {
  if (g.options.fds.tgids === undefined) throw new ContextUnavailable('the map of traced processes');
  g.call(U.BPF_FUNC_get_current_pid_tgid);
  g.a.emit(I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32), I.BPF_STX_MEM(4, FP, R0, -8));
  g.emitLdMap(R1, g.options.fds.tgids);
  g.stackPtr(R2, -8);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.a.jumpImm(U.BPF_JEQ, R0, 0, g.earlyExit);
  g.a.emit(I.BPF_LDX_MEM(1, R1, R0, 0));
  g.a.jumpImm(U.BPF_JNE, R1, TRACED, g.earlyExit); // (a -c command's shell, before its exec: exec-watch.ts)
}

/**
 * Leave unless this process is in the traced set: bit tgid & 63 of word tgid >> 6 of its bitmap.
 * The target itself passes without the map lookup (most hits are its own).
 */
function tracedFilter(g: SiteGen, tracedFd: number): void {
  const traced = g.a.label();
  g.call(U.BPF_FUNC_get_current_pid_tgid);
  g.a.emit(I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
  if (g.options.targetPid > 0) g.a.jumpImm(U.BPF_JEQ, R0, g.options.targetPid, traced);
  g.a.emit(I.BPF_STX_MEM(8, FP, R0, -16), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 6), I.BPF_STX_MEM(4, FP, R0, -8));
  g.emitLdMap(R1, tracedFd);
  g.stackPtr(R2, -8);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.a.jumpImm(U.BPF_JEQ, R0, 0, g.earlyExit);
  g.a.emit(I.BPF_LDX_MEM(8, R1, R0, 0), I.BPF_LDX_MEM(8, R2, FP, -16), I.BPF_ALU64_IMM(U.BPF_AND, R2, 63), I.BPF_ALU64_REG(U.BPF_RSH, R1, R2), I.BPF_ALU64_IMM(U.BPF_AND, R1, 1));
  g.a.jumpImm(U.BPF_JEQ, R1, 0, g.earlyExit);
  g.a.place(traced);
}

/** r9 = ctx; leave at once when the session is stopping (or the process is not traced); r8 = heap. */
export function prologue(g: SiteGen, heapFd = g.options.fds.heap): void {
  g.a.emit(I.BPF_MOV64_REG(CTX, R1));
  if (g.contextKind !== 'pt_regs') tgidFilter(g);
  if (g.options.shared) {
    g.call(U.BPF_FUNC_get_attach_cookie); // r1 is still the context
    g.a.emit(I.BPF_STX_MEM(8, FP, R0, COOKIE_SLOT));
  }
  g.a.emit(I.BPF_MOV64_IMM(ENTRY, 0));
  const go = g.a.label();
  lookupStateSlot(g, STATE_STOP, go);
  g.a.emit(I.BPF_LDX_MEM(8, R1, R0, 0));
  g.a.jumpImm(U.BPF_JNE, R1, 0, g.earlyExit);
  g.a.place(go);
  if (g.options.fds.traced !== undefined) tracedFilter(g, g.options.fds.traced);
  g.a.emit(I.BPF_ST_MEM(4, FP, -8, 0));
  g.emitLdMap(R1, heapFd);
  g.stackPtr(R2, -8);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.a.jumpImm(U.BPF_JEQ, R0, 0, g.earlyExit);
  g.a.emit(I.BPF_MOV64_REG(HEAP, R0));
  // The scratch is this CPU's, but a hit may be preempted, or sleep faulting a page in, and
  // another thread's hit of the same program run on this CPU meanwhile: that one must not
  // overwrite the scratch in use. It is skipped and counted (utap warns), never mixed in.
  const free = g.a.label();
  g.a.emit(I.BPF_LDX_MEM(8, R1, HEAP, g.busy));
  g.a.jumpImm(U.BPF_JEQ, R1, 0, free);
  lookupStateSlot(g, STATE_BUSY_SKIPS, g.earlyExit);
  g.a.emit(I.BPF_MOV64_IMM(R1, 1), I.BPF_ATOMIC_OP(8, U.BPF_ADD, R0, R1, 0));
  g.a.jump(g.earlyExit);
  g.a.place(free);
  g.a.emit(I.BPF_ST_MEM(8, HEAP, g.busy, 1));
  if (g.options.mapsSnapshot) snapshotStop(g);
}

/** The end of every program: the scratch is free again; a return's entry values are done with. */
export function epilogue(g: SiteGen, withEntry: boolean): void {
  g.a.place(g.exitLabel);
  g.a.emit(I.BPF_ST_MEM(8, HEAP, g.busy, 0));
  g.a.place(g.earlyExit);
  if (withEntry) deleteEntry(g);
  g.a.emit(I.BPF_MOV64_IMM(R0, 0), I.BPF_EXIT_INSN());
}

/**
 * When STATE_SNAPSHOT asks for it and this hit is the one that swaps it to 0: a header-only
 * SNAPSHOT_RECORD_ID record (at fp-16), then SIGSTOP to the process; utap reads its mappings
 * and sends SIGCONT. Without room for the record there is no stop (nobody would end it).
 */
export function snapshotStop(g: SiteGen): void {
  const done = g.a.label();
  lookupStateSlot(g, STATE_SNAPSHOT, done);
  g.a.emit(I.BPF_LDX_MEM(8, R1, R0, 0));
  g.a.jumpImm(U.BPF_JEQ, R1, 0, done);
  g.a.emit(I.BPF_MOV64_IMM(R1, 0), I.BPF_ATOMIC_OP(8, BPF_XCHG, R0, R1, 0));
  g.a.jumpImm(U.BPF_JEQ, R1, 0, done);
  g.a.emit(I.BPF_ST_MEM(4, FP, -16, SNAPSHOT_RECORD_ID | 0));
  g.call(U.BPF_FUNC_get_current_pid_tgid);
  g.a.emit(I.BPF_STX_MEM(4, FP, R0, -12), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32), I.BPF_STX_MEM(4, FP, R0, -8), I.BPF_ST_MEM(4, FP, -4, 0));
  g.emitLdMap(R1, g.options.fds.ring);
  g.stackPtr(R2, -16);
  g.a.emit(I.BPF_MOV64_IMM(R3, RECORD_HEADER), I.BPF_MOV64_IMM(R4, 0));
  g.call(U.BPF_FUNC_ringbuf_output);
  g.a.jumpImm(U.BPF_JNE, R0, 0, done);
  g.a.emit(I.BPF_MOV64_IMM(R1, SIGSTOP));
  g.call(U.BPF_FUNC_send_signal);
  g.a.place(done);
}
