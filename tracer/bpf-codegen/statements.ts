// Statements of a kernel handler.
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { Stmt } from '../ir/ir';
import { HEAP, FP, R0, R1, R2 } from './allocation';
import { unfit } from './kernel-fit';
import { assignLong } from './expressions';
import { arrayDecl, buildKey, globalFd, scalarPtr } from './map-access';
import { setStopFlag, valuesRecord } from './record-writer';
import type { SiteGen } from './site-gen';
import { statsAdd } from './stats-add';

export function emitStmt(g: SiteGen, s: Stmt): void {
  g.a.loc = s.loc;
  switch (s.kind) {
    case 'block':
      for (const b of s.body) emitStmt(g, b);
      return;
    case 'expr':
      if (s.expr.type === 'string') g.str(s.expr);
      else if (s.expr.type === 'void') throw unfit('a call of a function', s.loc);
      else if (s.expr.op === 'assign') assignLong(g, s.expr, true);
      else g.long(s.expr);
      return;
    case 'if': {
      const otherwise = g.a.label();
      const end = g.a.label();
      g.long(s.test);
      g.a.jumpImm(U.BPF_JEQ, R0, 0, otherwise);
      emitStmt(g, s.then);
      g.a.jump(end);
      g.a.place(otherwise);
      if (s.else) emitStmt(g, s.else);
      g.a.place(end);
      return;
    }
    case 'next':
      g.a.jump(g.exitLabel);
      return;
    case 'delete':
      return deleteStmt(g, s);
    case 'statsAdd':
      return statsAdd(g, s.target, s.value, s.loc);
    case 'printf':
      return valuesRecord(g, (id, fields) => ({ id, site: g.site.id, kind: 'printf', format: s.format, fields, loc: s.loc }), s.args);
    case 'print':
      return valuesRecord(g, (id, fields) => ({ id, site: g.site.id, kind: 'print', newline: s.newline, fields, loc: s.loc }), s.args);
    case 'exit':
      if (s.abort) throw unfit('abort()', s.loc);
      setStopFlag(g);
      return valuesRecord(g, (id, fields) => ({ id, site: g.site.id, kind: 'exit', fields, loc: s.loc }), []);
    case 'error':
      if (s.warn) throw unfit('warn()', s.loc);
      setStopFlag(g);
      valuesRecord(g, (id, fields) => ({ id, site: g.site.id, kind: 'scriptError', fields, loc: s.loc }), [s.message]);
      g.a.jump(g.exitLabel);
      return;
    default:
      throw unfit(`a ${s.kind} statement`, s.loc);
  }
}

export function deleteStmt(g: SiteGen, s: Extract<Stmt, { kind: 'delete' }>): void {
  const t = s.target;
  switch (t.kind) {
    case 'local':
      if (g.localOffset.has(t.slot)) g.a.emit(I.BPF_ST_MEM(8, FP, g.localOffset.get(t.slot)!, 0));
      else g.a.emit(I.BPF_ST_MEM(1, HEAP, g.localHeap.get(t.slot)!, 0));
      return;
    case 'element': {
      const decl = arrayDecl(g, t.global);
      const key = buildKey(g, decl.keyTypes, t.keys);
      g.emitLdMap(R1, globalFd(g, t.global));
      g.heapPtr(R2, key);
      g.call(U.BPF_FUNC_map_delete_elem);
      return;
    }
    case 'global': {
      const decl = g.program.globals[t.global];
      if (decl.kind !== 'scalar') throw unfit('delete of a statistic', s.loc);
      scalarPtr(g, t.global);
      const skip = g.a.label();
      g.a.jumpImm(U.BPF_JEQ, R0, 0, skip);
      if (decl.type === 'long') g.a.emit(I.BPF_ST_MEM(8, R0, 0, 0));
      else g.a.emit(I.BPF_ST_MEM(1, R0, 0, 0));
      g.a.place(skip);
      return;
    }
    default:
      throw unfit(`delete of an ${t.kind}`, s.loc);
  }
}
