// Reads of target memory: a long of 1-8 bytes, a NUL-terminated string, and the retry with
// bpf_copy_from_user that faults a page in when the program is sleepable.
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { Expr } from '../ir/ir';
import { FP, R0, R1, R2, R3, R6 } from './allocation';
import { kernelError } from './record-writer';
import type { SiteGen } from './site-gen';

/** The page size the string read's fault-in steps by (x86-64). */
const PAGE_SIZE = 4096;

export function userRead(g: SiteGen, e: Extract<Expr, { op: 'userRead' }>): void {
  g.long(e.addr);
  const buf = g.alloc.temp();
  g.a.emit(I.BPF_MOV64_REG(R6, R0), I.BPF_ST_MEM(8, FP, buf, 0));
  g.stackPtr(R1, buf);
  g.a.emit(I.BPF_MOV64_IMM(R2, e.size), I.BPF_MOV64_REG(R3, R6));
  g.call(U.BPF_FUNC_probe_read_user);
  faultInRetry(g, () => {
    g.stackPtr(R1, buf);
    g.a.emit(I.BPF_MOV64_IMM(R2, e.size), I.BPF_MOV64_REG(R3, R6));
  });
  const ok = g.a.label();
  g.a.jumpImm(U.BPF_JSGE, R0, 0, ok);
  kernelError(g, 'readFault', e.loc, { size: e.size, addressInR6: true });
  g.a.place(ok);
  if (e.signed && e.size < 8) g.a.emit(I.BPF_LDX_MEMSX(e.size as 1 | 2 | 4, R0, FP, buf));
  else g.a.emit(I.BPF_LDX_MEM(e.size, R0, FP, buf));
  g.alloc.free();
}

/** Reads the string at e.addr into heap `to`; leaves the helper's result in r0 and the address in r6. */
export function userStringRead(g: SiteGen, to: number, e: Extract<Expr, { op: 'userString' }>): void {
  // r6 = address, r7 is the entry pointer: keep the size in a stack temp.
  const size = g.alloc.temp();
  if (e.maxLen) {
    g.long(e.maxLen);
    const ok = g.a.label();
    const small = g.a.label();
    g.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R0, 1));
    g.a.jumpImm(U.BPF_JSGE, R0, 1, small);
    g.a.emit(I.BPF_MOV64_IMM(R0, 1));
    g.a.place(small);
    g.a.jumpImm(U.BPF_JSLE, R0, g.maxStr, ok);
    g.a.emit(I.BPF_MOV64_IMM(R0, g.maxStr));
    g.a.place(ok);
    g.a.emit(I.BPF_STX_MEM(8, FP, R0, size));
  } else {
    g.a.emit(I.BPF_ST_MEM(8, FP, size, g.maxStr));
  }
  g.long(e.addr);
  g.a.emit(I.BPF_MOV64_REG(R6, R0));
  const readString = () => {
    g.heapPtr(R1, to);
    g.a.emit(I.BPF_LDX_MEM(8, R2, FP, size));
    // Re-establish the bound for the verifier after the spill.
    const inRange = g.a.label();
    g.a.jumpImm(U.BPF_JLE, R2, g.maxStr, inRange);
    g.a.emit(I.BPF_MOV64_IMM(R2, g.maxStr));
    g.a.place(inRange);
    const positive = g.a.label();
    g.a.jumpImm(U.BPF_JGE, R2, 1, positive);
    g.a.emit(I.BPF_MOV64_IMM(R2, 1));
    g.a.place(positive);
    g.a.emit(I.BPF_MOV64_REG(R3, R6));
    g.call(U.BPF_FUNC_probe_read_user_str);
  };
  readString();
  if (g.options.sleepable) stringFaultIn(g, readString);
  g.alloc.free();
}

/**
 * After a bpf_probe_read_user whose result is in r0: when it failed, and the program is
 * sleepable, the same read again with bpf_copy_from_user (`args` sets r1-r3 as before), which
 * faults the pages in. Leaves the result in r0 either way.
 */
export function faultInRetry(g: SiteGen, args: () => void): void {
  if (!g.options.sleepable) return;
  g.faultsIn = true;
  const done = g.a.label();
  g.a.jumpImm(U.BPF_JSGE, R0, 0, done);
  args();
  g.call(U.BPF_FUNC_copy_from_user);
  g.a.place(done);
}

/**
 * After a failed bpf_probe_read_user_str of the string at r6 (result in r0): fault in its pages
 * one at a time with a one-byte bpf_copy_from_user (there is no string form of that helper but
 * a kfunc), each time reading the string again with `readString`, until a read succeeds or a
 * page cannot be faulted in (not mapped: a real fault). Leaves the last result in r0.
 */
export function stringFaultIn(g: SiteGen, readString: () => void): void {
  g.faultsIn = true;
  const done = g.a.label();
  const byte = g.alloc.temp();
  const pages = Math.ceil(g.maxStr / PAGE_SIZE) + 1;
  for (let i = 0; i < pages; i++) {
    g.a.jumpImm(U.BPF_JSGE, R0, 0, done);
    g.stackPtr(R1, byte);
    g.a.emit(I.BPF_MOV64_IMM(R2, 1), I.BPF_MOV64_REG(R3, R6));
    if (i > 0) g.a.emit(I.BPF_ALU64_IMM(U.BPF_AND, R3, -PAGE_SIZE), I.BPF_ALU64_IMM(U.BPF_ADD, R3, i * PAGE_SIZE));
    g.call(U.BPF_FUNC_copy_from_user);
    g.a.jumpImm(U.BPF_JSLT, R0, 0, done);
    readString();
  }
  g.a.place(done);
  g.alloc.free();
}
