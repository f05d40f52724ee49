// Globals and array elements: their maps, keys built in the heap, pointers to values (created
// zeroed when absent).
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { Expr, LValue, ProgramIR, ScalarType, SourceLoc } from '../ir/ir';
import { HEAP, FP, R0, R1, R2, R3, R4 } from './allocation';
import { keyLayout } from './layout';
import { kernelError } from './record-writer';
import type { SiteGen, StringRef } from './site-gen';

export function globalFd(g: SiteGen, index: number): number {
  g.globals.add(index);
  return g.options.fds.global(index);
}

export function arrayDecl(g: SiteGen, index: number): Extract<ProgramIR['globals'][number], { kind: 'array' }> {
  const d = g.program.globals[index];
  if (d.kind !== 'array') throw new Error(`global ${index} is not an array`);
  return d;
}

/** r0 = pointer to a scalar or stats global's value (0 only if the kernel failed). */
export function scalarPtr(g: SiteGen, index: number): void {
  g.a.emit(I.BPF_ST_MEM(4, FP, -8, 0));
  g.emitLdMap(R1, globalFd(g, index));
  g.stackPtr(R2, -8);
  g.call(U.BPF_FUNC_map_lookup_elem);
}

/** Evaluates key parts and assembles the key in a fresh heap buffer; returns its offset. */
export function buildKey(g: SiteGen, types: readonly ScalarType[], keys: readonly Expr[]): number {
  const layout = keyLayout(types, g.maxStr);
  // Every part is evaluated first: a part may itself look up an array.
  const temps: Array<{ stack?: number; str?: StringRef }> = [];
  for (const k of keys) {
    if (k.type === 'string') temps.push({ str: g.str(k) });
    else {
      g.long(k);
      const t = g.alloc.temp();
      g.a.emit(I.BPF_STX_MEM(8, FP, R0, t));
      temps.push({ stack: t });
    }
  }
  const at = g.alloc.heap(layout.size);
  if (layout.parts.some((p) => p.type === 'string')) g.zeroHeap(at, layout.size);
  layout.parts.forEach((p, i) => {
    const t = temps[i];
    if (t.str) g.copyString(at + p.offset, t.str);
    else g.a.emit(I.BPF_LDX_MEM(8, R0, FP, t.stack!), I.BPF_STX_MEM(8, HEAP, R0, at + p.offset));
  });
  for (const t of temps) if (t.stack !== undefined) g.alloc.free();
  return at;
}

/** r0 = pointer to the element, creating it (zeroed) when absent; an overflow error when full. */
export function elementPtrCreate(g: SiteGen, global: number, key: number, loc: SourceLoc): void {
  const decl = arrayDecl(g, global);
  const fd = globalFd(g, global);
  const found = g.a.label();
  g.emitLdMap(R1, fd);
  g.heapPtr(R2, key);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.a.jumpImm(U.BPF_JNE, R0, 0, found);
  g.emitLdMap(R1, fd);
  g.heapPtr(R2, key);
  g.heapPtr(R3, 0);
  g.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_NOEXIST));
  g.call(U.BPF_FUNC_map_update_elem);
  g.emitLdMap(R1, fd);
  g.heapPtr(R2, key);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.a.jumpImm(U.BPF_JNE, R0, 0, found);
  kernelError(g, 'arrayOverflow', loc, { global, size: decl.maxEntries });
  g.a.place(found);
}

/** r0 = pointer to a long/string global or element, created when absent. Leaves on failure. */
export function targetPtr(g: SiteGen, t: Extract<LValue, { kind: 'global' | 'element' }>, loc: SourceLoc): void {
  if (t.kind === 'global') {
    scalarPtr(g, t.global);
    g.a.jumpImm(U.BPF_JEQ, R0, 0, g.exitLabel);
    return;
  }
  const key = buildKey(g, arrayDecl(g, t.global).keyTypes, t.keys);
  elementPtrCreate(g, t.global, key, loc);
}
