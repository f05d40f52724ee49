// Writing ring-buffer records (printf, print, exit, error(), event records) and the kernel's
// runtime errors, which stop the session through the state map.
import type { Label } from '../../kernel-helper/assembler';
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { Expr, SourceLoc } from '../ir/ir';
import { HEAP, FP, R0, R1, R2, R3, R4, R6, COOKIE_SLOT } from './allocation';
import { RECORD_HEADER, recordSize, STATE_LOST_RECORDS, STATE_STOP, type RecordField } from './layout';
import type { KernelErrorKind, RecordSpec } from './records';
import type { SiteGen } from './site-gen';

/** Writes the record header at heap `at` (id, tid, pid, cpu). */
export function recordHeader(g: SiteGen, at: number, id: number): void {
  if (g.options.shared) g.a.emit(I.BPF_LDX_MEM(8, R0, FP, COOKIE_SLOT), I.BPF_ALU64_IMM(U.BPF_ADD, R0, id), I.BPF_STX_MEM(4, HEAP, R0, at));
  else g.a.emit(I.BPF_ST_MEM(4, HEAP, at, id));
  g.call(U.BPF_FUNC_get_current_pid_tgid);
  g.a.emit(I.BPF_STX_MEM(4, HEAP, R0, at + 4), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32), I.BPF_STX_MEM(4, HEAP, R0, at + 8));
  g.call(U.BPF_FUNC_get_smp_processor_id);
  g.a.emit(I.BPF_STX_MEM(4, HEAP, R0, at + 12));
}

export function sendRecord(g: SiteGen, at: number, size: number): void {
  g.emitLdMap(R1, g.options.fds.ring);
  g.heapPtr(R2, at);
  g.a.emit(I.BPF_MOV64_IMM(R3, size), I.BPF_MOV64_IMM(R4, 0));
  g.call(U.BPF_FUNC_ringbuf_output);
  // A full ring drops the record: count it, so that utap can say how much output is missing.
  const sent = g.a.label();
  g.a.jumpImm(U.BPF_JEQ, R0, 0, sent);
  lookupStateSlot(g, STATE_LOST_RECORDS, sent);
  g.a.emit(I.BPF_MOV64_IMM(R1, 1), I.BPF_ATOMIC_OP(8, U.BPF_ADD, R0, R1, 0));
  g.a.place(sent);
}

/** Evaluates `args` into a fresh record and sends it. */
export function valuesRecord(g: SiteGen, spec: (id: number, fields: RecordField[]) => RecordSpec, args: readonly Expr[]): void {
  const fields: RecordField[] = args.map((e) => (e.type === 'string' ? { type: 'string', size: g.maxStr } : { type: 'long' }));
  const size = recordSize(fields);
  const id = g.options.nextRecordId();
  g.records.push(spec(id, fields));
  const at = g.alloc.heap(size);
  let off = at + RECORD_HEADER;
  for (const e of args) {
    if (e.type === 'string') {
      g.copyString(off, g.str(e));
      off += g.maxStr;
    } else {
      g.long(e);
      g.a.emit(I.BPF_STX_MEM(8, HEAP, R0, off));
      off += 8;
    }
  }
  recordHeader(g, at, id);
  sendRecord(g, at, size);
}

/** Sets the stop flag, so no further hit runs a kernel handler (exit() or an error). */
export function setStopFlag(g: SiteGen): void {
  const skip = g.a.label();
  lookupStateSlot(g, STATE_STOP, skip);
  g.a.emit(I.BPF_MOV64_IMM(R1, 1), I.BPF_STX_MEM(8, R0, R1, 0));
  g.a.place(skip);
}

/** r0 = the address of the state map's `slot` (layout.ts STATE_*); to `missing` if the lookup fails. */
export function lookupStateSlot(g: SiteGen, slot: number, missing: Label): void {
  g.a.emit(I.BPF_ST_MEM(4, FP, -8, slot));
  g.emitLdMap(R1, g.options.fds.state);
  g.stackPtr(R2, -8);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.a.jumpImm(U.BPF_JEQ, R0, 0, missing);
}

/** A runtime error: stop the session, tell userspace, leave the handler. r6 holds the address for faults. */
export function kernelError(g: SiteGen, error: KernelErrorKind, loc: SourceLoc, extra: { size?: number; global?: number; addressInR6?: boolean } = {}): void {
  if (g.skipTarget) {
    g.a.jump(g.skipTarget); // an event program computing a shipped read's address
    return;
  }
  const fields: RecordField[] = extra.addressInR6 ? [{ type: 'long' }] : [];
  const id = g.options.nextRecordId();
  g.records.push({ id, site: g.site.id, kind: 'kernelError', error, size: extra.size, global: extra.global, fields, loc });
  const size = recordSize(fields);
  const at = g.alloc.heap(size);
  if (extra.addressInR6) g.a.emit(I.BPF_STX_MEM(8, HEAP, R6, at + RECORD_HEADER));
  setStopFlag(g);
  recordHeader(g, at, id);
  sendRecord(g, at, size);
  g.a.jump(g.exitLabel);
}
