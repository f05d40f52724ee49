// A return site's entry captures: where each lives in a value of the entry map, the map's key
// (thread and frame), and looking the value up at the return and deleting it after.
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { ProbeSiteIR, ScalarType } from '../ir/ir';
import { CTX, ENTRY, FP, R0, R1, R2, COOKIE_SLOT } from './allocation';
import { scalarSize } from './layout';
import type { SiteGen } from './site-gen';

/** Where each entry capture lives in a value of the entry map, and the value's size. */
export function entryLayout(site: ProbeSiteIR, maxStr: number): { offsets: number[]; size: number } {
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

/** r7 = entry_map[tid, this call's frame] or 0. */
export function lookupEntry(g: SiteGen): void {
  entryKeyToStack(g, true);
  g.emitLdMap(R1, g.options.fds.entry);
  g.stackPtr(R2, -16);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.a.emit(I.BPF_MOV64_REG(ENTRY, R0));
}

/** The return is done with this call's entry captures. */
export function deleteEntry(g: SiteGen): void {
  entryKeyToStack(g, true);
  g.emitLdMap(R1, g.options.fds.entry);
  g.stackPtr(R2, -16);
  g.call(U.BPF_FUNC_map_delete_elem);
}

export function entryValueEnd(g: SiteGen): number {
  const last = g.site.entryCaptures.length - 1;
  return g.entryOffsets[last] + scalarSize(g.site.entryCaptures[last].type as ScalarType, g.maxStr);
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
export function entryKeyToStack(g: SiteGen, atReturn: boolean): void {
  g.call(U.BPF_FUNC_get_current_pid_tgid);
  g.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R0, 32), I.BPF_ALU64_IMM(U.BPF_RSH, R0, 32));
  if (g.options.shared) g.a.emit(I.BPF_LDX_MEM(8, R1, FP, COOKIE_SLOT), I.BPF_ALU64_IMM(U.BPF_LSH, R1, 32), I.BPF_ALU64_REG(U.BPF_OR, R0, R1));
  g.a.emit(I.BPF_STX_MEM(8, FP, R0, -16));
  g.a.emit(I.BPF_LDX_MEM(8, R0, CTX, g.regOffset('rsp')));
  if (atReturn) g.a.emit(I.BPF_ALU64_IMM(U.BPF_SUB, R0, 8));
  g.a.emit(I.BPF_STX_MEM(8, FP, R0, -8));
}
