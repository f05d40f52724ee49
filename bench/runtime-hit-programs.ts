// The scripts runtime-hit.ts measures, as handler IR (built by hand until the front end lands;
// the script text each stands for is in the comments).
import type { Expr, ProgramIR } from '../tracer/ir/ir';
import {
  agg, assign, at, bin, ctx, del, entry, ex, get, iff, incdec, isIn, L, lit, local, long, next, printf, ProgramBuilder, reg, statsAdd, str, string, un, ustr,
} from '../test/support/ir-builder';

export function benchPrograms(): { count: ProgramIR; psql: ProgramIR; keyedHist: ProgramIR; printf: ProgramIR } {
  // global n; probe process("psql").function("SendQuery") { n++ }
  const count = new ProgramBuilder();
  const n = count.scalar('n');
  count.probe(['process("psql").function("SendQuery")'], [], ex(incdec(L.global(n), 1, false)));

  // The DESIGN.md script; $query lowered to rdi (captured at entry, as the planner does for .return).
  const psql = new ProgramBuilder();
  const entryArr = psql.array('entry', ['long']);
  const queries = psql.array('queries', ['string'], 'stats');
  const time = psql.fn('time', [], [], 'long', { kind: 'return', value: bin('/', ctx('walltime_ns'), lit(1000)), loc: at() });
  const now = (): Expr => ({ op: 'call', type: 'long', function: time, args: [], loc: at() });
  psql.probe(['process("psql").function("SendQuery").call'], [], ex(assign(L.element(entryArr, [ctx('tid')]), now())));
  psql.probe(['process("psql").function("SendQuery").return'], [long('tid'), string('query')],
    ex(assign(L.local(0), ctx('tid'))),
    iff(un('!', isIn(entryArr, [local(0)])), next()),
    ex(assign(L.local(1), ustr(entry(0)), '=', 'string')),
    statsAdd({ global: queries, keys: [local(1, 'string')] }, bin('-', now(), get(entryArr, [local(0)]))),
    del({ kind: 'element', global: entryArr, keys: [local(0)] }));
  psql.probe(['end'], [], printf(psql.format('%d\n'), [agg('count', queries, [str('SELECT 1;')])]));

  // global lat; probe process("psql").function("SendQuery") { lat[tid() % 8] <<< $arg } probe end { print(@hist_log(lat[0])) }
  const keyedHist = new ProgramBuilder();
  const lat = keyedHist.array('lat', ['long'], 'stats');
  keyedHist.probe(['process("psql").function("SendQuery")'], [], statsAdd({ global: lat, keys: [bin('%', ctx('tid'), lit(8))] }, reg('rdi')));
  keyedHist.probe(['end'], [], { kind: 'printHist', source: { global: lat, keys: [lit(0)] }, hist: { kind: 'log' }, loc: at() });

  // probe process("psql").function("SendQuery") { printf("%d %s\n", tid(), execname()) }
  const pf = new ProgramBuilder();
  pf.probe(['process("psql").function("SendQuery")'], [], printf(pf.format('%d %s\n'), [ctx('tid'), ctx('execname', 'string')]));

  return { count: count.build(), psql: psql.build(), keyedHist: keyedHist.build(), printf: pf.build() };
}
