// The state of compiling one program (main, entry or event) of one probe site, and the small
// emitters every part of the generator uses. The parts themselves are functions over a SiteGen,
// one module each: programs.ts (prologue, epilogue, the three program kinds), expressions.ts
// (long values into r0), strings.ts (string values into the heap), statements.ts, map-access.ts
// (globals and array elements), stats-add.ts (`x <<< v`), user-reads.ts (target memory),
// record-writer.ts (ring-buffer records and runtime errors), entry-captures.ts; allocation.ts
// holds the register roles and the stack and heap allocators. Expressions and strings nest in
// each other, so they are reached through long() and str() here rather than by importing one
// another.
import type { Expr, ProbeSiteIR, ProgramIR, RegName, ScalarType, SourceLoc } from '../ir/ir';
import { Assembler, type Label } from '../../kernel-helper/assembler';
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import { Allocation, FP, HEAP, R1, R2, R3 } from './allocation';
import type { CompileOptions } from './compile-options';
import { contextKindOf, contextRegOffset, type ContextKind } from './context-kind';
import { emitLong } from './expressions';
import { globalMapShape } from './layout';
import type { RecordSpec } from './records';
import { emitString } from './strings';

/** A string value: the heap offset of its NUL-terminated bytes. */
export type StringRef = { heap: number };

export class SiteGen {
  readonly a = new Assembler<SourceLoc>();
  readonly program: ProgramIR;
  readonly site: ProbeSiteIR;
  readonly maxStr: number;
  readonly alloc: Allocation;
  /** Where a hit leaves once it holds the scratch (its busy flag is cleared there). */
  readonly exitLabel: Label;
  /** Where a hit leaves that does not hold the scratch (stopping, or the scratch busy). */
  readonly earlyExit: Label;
  /** The heap's busy flag: a hit holds the per-CPU scratch from the prologue to the exit. */
  readonly busy: number;
  readonly localOffset = new Map<number, number>();
  readonly localHeap = new Map<number, number>();
  /** While an event program computes a shipped read's address: where a failure there jumps. */
  skipTarget: Label | undefined;
  /** An event program's reads done so far: their status and value in the record (by exprKey). */
  readonly hoisted = new Map<string, { status: number; value: number }>();
  usesSiteStrings = false;
  /** It reads target memory with the bpf_copy_from_user fallback (options.sleepable). */
  faultsIn = false;
  /** What the context is: a uprobe's pt_regs or a system-call tracepoint's record. */
  readonly contextKind: ContextKind;

  constructor(
    readonly options: CompileOptions,
    readonly records: RecordSpec[],
    /** Globals the code touches (their maps must exist). */
    readonly globals: Set<number>,
    /** Where each entry capture sits in the entry map's value (entry-captures.ts). */
    readonly entryOffsets: number[],
  ) {
    this.program = options.program;
    this.site = options.site;
    this.contextKind = contextKindOf(options.site.kind);
    this.maxStr = this.program.limits.maxStringLen;
    this.exitLabel = this.a.label();
    this.earlyExit = this.a.label();
    // The zero region at the heap's start is large enough to clear any key or value.
    let zero = this.maxStr;
    for (const d of this.program.globals) {
      const shape = globalMapShape(d, this.maxStr);
      zero = Math.max(zero, shape.keySize, shape.valueSize);
    }
    this.alloc = new Allocation(this.maxStr, (zero + 7) & ~7, !!options.shared);
    this.busy = this.alloc.heap(8);
  }

  /** Where register `reg` is in this program's context (context-kind.ts). */
  regOffset(reg: RegName): number {
    return contextRegOffset(this.contextKind, reg);
  }

  /** r0 = the long value of `e`. */
  long(e: Expr): void {
    emitLong(this, e);
  }

  /** The string value of `e`, in the heap. */
  str(e: Expr): StringRef {
    return emitString(this, e);
  }

  call(helper: number): void {
    this.a.emit(I.BPF_CALL_HELPER(helper));
  }

  emitLdMap(reg: number, fd: number): void {
    this.a.emit(...I.BPF_LD_MAP_FD(reg, fd));
  }

  stackPtr(reg: number, off: number): void {
    this.a.emit(I.BPF_MOV64_REG(reg, FP), I.BPF_ALU64_IMM(U.BPF_ADD, reg, off));
  }

  heapPtr(reg: number, off: number): void {
    this.a.emit(I.BPF_MOV64_REG(reg, HEAP));
    if (off !== 0) this.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, reg, off));
  }

  loadImm(reg: number, value: bigint): void {
    const v = BigInt.asIntN(64, value);
    if (v >= -(1n << 31n) && v < 1n << 31n) this.a.emit(I.BPF_MOV64_IMM(reg, Number(v)));
    else this.a.emit(...I.BPF_LD_IMM64(reg, v));
  }

  declareLocal(slot: number, type: ScalarType): void {
    if (type === 'long') {
      const off = this.alloc.temp();
      this.localOffset.set(slot, off);
      this.a.emit(I.BPF_ST_MEM(8, FP, off, 0));
    } else {
      const at = this.alloc.heap(this.maxStr);
      this.localHeap.set(slot, at);
      this.a.emit(I.BPF_ST_MEM(1, HEAP, at, 0));
    }
  }

  /** Copies the string at heap `from` to heap `to` (at most maxStringLen bytes with the NUL). */
  copyString(to: number, from: StringRef | number): void {
    const src = typeof from === 'number' ? from : from.heap;
    if (src === to) return;
    this.heapPtr(R1, to);
    this.a.emit(I.BPF_MOV64_IMM(R2, this.maxStr));
    this.heapPtr(R3, src);
    this.call(U.BPF_FUNC_probe_read_kernel_str);
  }

  /** Copies a NUL-terminated string from the kernel pointer in r3 into heap `to` (or "" when r3 is 0). */
  copyStringFromPtr(to: number): void {
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
  zeroHeap(at: number, size: number): void {
    this.heapPtr(R1, at);
    this.a.emit(I.BPF_MOV64_IMM(R2, size));
    this.heapPtr(R3, 0);
    this.call(U.BPF_FUNC_probe_read_kernel);
  }
}
