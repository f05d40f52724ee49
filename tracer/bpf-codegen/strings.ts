// String expressions: the result is a heap offset holding a NUL-terminated copy.
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { Expr } from '../ir/ir';
import { HEAP, ENTRY, FP, R0, R1, R2, R3, R4, COOKIE_SLOT } from './allocation';
import { unfit } from './kernel-fit';
import { arrayDecl, buildKey, globalFd, scalarPtr } from './map-access';
import { kernelError } from './record-writer';
import type { SiteGen, StringRef } from './site-gen';
import { userStringRead } from './user-reads';

export function emitString(g: SiteGen, e: Expr): StringRef {
  g.a.loc = e.loc;
  switch (e.op) {
    case 'string':
      return { heap: g.alloc.literal(e.value) };
    case 'local':
      return { heap: g.localHeap.get(e.slot)! };
    case 'global':
    case 'arrayGet': {
      if (e.op === 'global') scalarPtr(g, e.global);
      else {
        const decl = arrayDecl(g, e.global);
        const key = buildKey(g, decl.keyTypes, e.keys);
        g.emitLdMap(R1, globalFd(g, e.global));
        g.heapPtr(R2, key);
        g.call(U.BPF_FUNC_map_lookup_elem);
      }
      const to = g.alloc.heap(g.maxStr);
      g.a.emit(I.BPF_MOV64_REG(R3, R0));
      g.copyStringFromPtr(to);
      return { heap: to };
    }
    case 'conditional': {
      const to = g.alloc.heap(g.maxStr);
      const otherwise = g.a.label();
      const done = g.a.label();
      g.long(e.test);
      g.a.jumpImm(U.BPF_JEQ, R0, 0, otherwise);
      g.copyString(to, g.str(e.then));
      g.a.jump(done);
      g.a.place(otherwise);
      g.copyString(to, g.str(e.else));
      g.a.place(done);
      return { heap: to };
    }
    case 'assign': {
      if (e.operator !== '=') throw unfit('a string append', e.loc);
      const value = g.str(e.value);
      const t = e.target;
      if (t.kind === 'local') {
        const to = g.localHeap.get(t.slot)!;
        g.copyString(to, value);
        return { heap: to };
      }
      if (t.kind === 'global') {
        g.a.emit(I.BPF_ST_MEM(4, FP, -8, 0));
        g.emitLdMap(R1, globalFd(g, t.global));
        g.stackPtr(R2, -8);
        g.heapPtr(R3, value.heap);
        g.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_ANY));
        g.call(U.BPF_FUNC_map_update_elem);
        return value;
      }
      if (t.kind === 'element') {
        const key = buildKey(g, arrayDecl(g, t.global).keyTypes, t.keys);
        g.emitLdMap(R1, globalFd(g, t.global));
        g.heapPtr(R2, key);
        g.heapPtr(R3, value.heap);
        g.a.emit(I.BPF_MOV64_IMM(R4, U.BPF_ANY));
        g.call(U.BPF_FUNC_map_update_elem);
        const ok = g.a.label();
        g.a.jumpImm(U.BPF_JSGE, R0, 0, ok);
        kernelError(g, 'arrayOverflow', e.loc, { global: t.global, size: arrayDecl(g, t.global).maxEntries });
        g.a.place(ok);
        return value;
      }
      throw unfit('a write to the target', e.loc);
    }
    case 'context': {
      if (e.what === 'pp') return g.options.shared ? siteString(g, 'pp') : { heap: g.alloc.literal(g.site.pp) };
      if (e.what === 'probefunc') return g.options.shared ? siteString(g, 'probefunc') : { heap: g.alloc.literal(g.site.function) };
      if (e.what !== 'execname') throw unfit(`${e.what}()`, e.loc);
      const to = g.alloc.heap(Math.max(16, 8));
      g.heapPtr(R1, to);
      g.a.emit(I.BPF_MOV64_IMM(R2, 16));
      g.call(U.BPF_FUNC_get_current_comm);
      return { heap: to };
    }
    case 'userString':
      return userString(g, e);
    case 'entry': {
      const to = g.alloc.heap(g.maxStr);
      const done = g.a.label();
      g.a.emit(I.BPF_ST_MEM(1, HEAP, to, 0));
      g.a.jumpImm(U.BPF_JEQ, ENTRY, 0, done);
      g.a.emit(I.BPF_MOV64_REG(R3, ENTRY), I.BPF_ALU64_IMM(U.BPF_ADD, R3, g.entryOffsets[e.index]));
      g.heapPtr(R1, to);
      g.a.emit(I.BPF_MOV64_IMM(R2, g.maxStr));
      g.call(U.BPF_FUNC_probe_read_kernel_str);
      g.a.place(done);
      return { heap: to };
    }
    default:
      throw unfit(`a ${e.op} string expression`, e.loc);
  }
}

export function userString(g: SiteGen, e: Extract<Expr, { op: 'userString' }>): StringRef {
  const to = g.alloc.heap(g.maxStr);
  userStringRead(g, to, e);
  const ok = g.a.label();
  g.a.jumpImm(U.BPF_JSGE, R0, 0, ok);
  kernelError(g, 'userStringFault', e.loc, { addressInR6: true });
  g.a.place(ok);
  return { heap: to };
}

/** A shared program's pp() or probefunc(): the hitting site's, from the site strings map. */
export function siteString(g: SiteGen, which: 'probefunc' | 'pp'): StringRef {
  g.usesSiteStrings = true;
  const to = g.alloc.heap(g.maxStr);
  const key = g.alloc.temp();
  const done = g.a.label();
  g.a.emit(I.BPF_ST_MEM(1, HEAP, to, 0));
  g.a.emit(I.BPF_LDX_MEM(8, R0, FP, COOKIE_SLOT), I.BPF_STX_MEM(4, FP, R0, key));
  g.emitLdMap(R1, g.options.shared!.siteStrings);
  g.stackPtr(R2, key);
  g.call(U.BPF_FUNC_map_lookup_elem);
  g.alloc.free();
  g.a.jumpImm(U.BPF_JEQ, R0, 0, done);
  g.a.emit(I.BPF_MOV64_REG(R3, R0));
  if (which === 'pp') g.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R3, g.maxStr));
  g.heapPtr(R1, to);
  g.a.emit(I.BPF_MOV64_IMM(R2, g.maxStr));
  g.call(U.BPF_FUNC_probe_read_kernel_str);
  g.a.place(done);
  return { heap: to };
}
