// The string forms ($$parms, $$locals, $var$, $var$$, $$return) and guru-mode writes, lowered
// for real probe sites and run in the runtime against a process stopped under gdb.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ElfFile } from '../../symbolizer/elf-file';
import { CallFrameInfo } from '../../symbolizer/dwarf/cfi';
import { Dwarf } from '../../symbolizer/dwarf/dwarf';
import { UtapError } from '../../tracer/errors';
import { DEFAULT_LIMITS, type Expr, type LValue, type PlanIR, type ProgramIR, type SiteKind, type SourceLoc, type TargetRef } from '../../tracer/ir/ir';
import { TargetLowering } from '../../tracer/plan/lower-target';
import { MemorySink } from '../../tracer/runtime/output-sink';
import { Session } from '../../tracer/runtime/session';
import { StoppedProcess } from '../support/stopped-process';
import { paramsProgram, VARIANTS } from '../symbolizer/dwarf/programs';
import { visitStops } from './gdb-stops';

const loc: SourceLoc = { file: 'test.stp', line: 3, column: 5 };
const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

function ref(text: string): TargetRef {
  const m = /^(&)?\$(\$?\w+)((?:->\w+|\[\d+\])*)(\$*)$/.exec(text)!;
  const path = [...m[3].matchAll(/->(\w+)|\[(\d+)\]/g)].map((x) =>
    x[1] ? { kind: 'member' as const, name: x[1] } : { kind: 'index' as const, index: { op: 'long' as const, type: 'long' as const, value: BigInt(x[2]), loc } });
  return { name: m[2], path, atEntry: false, ...(m[1] && { addressOf: true }), ...(m[4] && { pretty: m[4] as '$' | '$$' }) };
}

function program(guru = false): ProgramIR {
  return { globals: [], functions: [], probes: [], formats: [], limits: { ...DEFAULT_LIMITS, extra: {} }, guru, sources: {} };
}

/** Runs `exprs` as one site's handler on a stopped process and returns each printed line. */
function runHandler(prog: ProgramIR, exprs: Expr[], ctx: StoppedProcess, kind: SiteKind = 'statement'): string[] {
  const plan: PlanIR = {
    program: prog, begin: [], end: [], error: [], timers: [],
    sites: [{
      id: 0, probe: 0, pp: 'test', kind, binary: 'x', vaddr: 0n, fileOffset: 0n, function: 'f', entryCaptures: [],
      needs: { registers: [], readsUserMemory: true, writesTarget: true, context: [], globalsRead: [], globalsWritten: [], functionsCalled: [], hasLoops: false },
      handler: { locals: [], body: { kind: 'block', loc, body: exprs.map((e) => ({ kind: 'print' as const, newline: true, loc, args: [e] })) } },
    }],
  };
  const out = new MemorySink();
  const errors = new MemorySink();
  const session = new Session(plan, { output: out, errors });
  session.begin();
  session.hit(0, ctx);
  assert.is(errors.text, '');
  return out.text.split('\n').slice(0, exprs.length);
}

for (const variant of VARIANTS.filter((v) => v.name.endsWith('dwarf5'))) {
  test(`${variant.name}: $$parms, $$locals, $var$ and $var$$ print SystemTap's strings`, async () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const cfi = CallFrameInfo.fromElf(elf);
    const fn = (name: string) => dwarf.functionIndex().byName(name)[0].instances[0];
    const sites = ['take_ints', 'take_pointers', 'take_structs'].map((name) => ({ name, instance: fn(name), pc: dwarf.afterPrologue(fn(name)) }));
    const results = new Map<string, string[]>();
    const gdbValues = new Map<string, bigint>();
    await visitStops(exe, ['1'], sites.map((s) => s.pc), async (stop) => {
      const site = sites.find((s) => s.pc === stop.pc)!;
      const prog = program();
      const lowering = new TargetLowering(prog, { binary: exe, dwarf, cfi, functionName: site.name, functionDie: site.instance.die, kind: 'statement', pc: stop.pc, entryPc: site.instance.entryPc, vaddr: stop.pc, relocatable: true });
      const targets: Record<string, string[]> = {
        take_ints: ['$$parms', '$$locals'],
        take_pointers: ['$node->pos$', '$node->label$', '$str$', '$node->next->grid$', '$node->next->grid$$'],
        take_structs: ['$p$', '$f$', '$list$', '$list$$', '$$parms'],
      };
      const exprs = targets[site.name].map((t) => lowering.expr({ op: 'target', type: 'string', ref: ref(t), loc }));
      const ctx = new StoppedProcess(stop.pid, stop.registers, { uaddr: stop.pc + stop.bias });
      results.set(site.name, runHandler(prog, exprs, ctx));
      ctx.close();
      for (const g of ['list', 'list->next', 'arr', 'node->next', 'list->next->next']) {
        const v = await stop.gdb.evaluate(`(long)(${g})`);
        if (v !== undefined) gdbValues.set(`${site.name}:${g}`, BigInt(v));
      }
    });
    elf.close();
    const [intsParms, intsLocals] = results.get('take_ints')!;
    assert.is(intsParms, `c=${hex(-3n)} uc=0xfa s=${hex(-1234n)} us=0xea60 i=${hex(-100000n)} u=0xb2d05e00 l=${hex(-5000000000n)} ul=${hex(18000000000000000000n)} ll=${hex(-7n)}`);
    assert.is(intsLocals, '');
    const [pos, label, str, gridRows, gridExpanded] = results.get('take_pointers')!;
    assert.is(pos, '{.x=3, .y=4}');
    assert.is(label, '"first"');
    assert.is(str, '"hello"');
    assert.is(gridRows, '[[...], ...]');
    assert.is(gridExpanded, '[[1, ...], ...]');
    const [p, f, list, listExpanded, structParms] = results.get('take_structs')!;
    assert.is(p, '{.x=-5, .y=9}');
    assert.is(f, '{.a=5, .b=-3, .c=1, .d=123456789}');
    const next = gdbValues.get('take_structs:list->next')!;
    assert.is(list, `{.value=42, .next=${hex(next)}, .label="first", .pos={...}, .grid=[...]}`);
    assert.is(listExpanded, `{.value=42, .next=${hex(next)}, .label="first", .pos={.x=3, .y=4}, .grid=[[0, ...], ...]}`);
    assert.is(structParms, `p={...} f={...} n={...} list=${hex(gdbValues.get('take_structs:list')!)} arr=${hex(gdbValues.get('take_structs:arr')!)}`);
  });

  test(`${variant.name}: guru writes land in the variable gdb reads (register or stack slot, and through pointers)`, async () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const cfi = CallFrameInfo.fromElf(elf);
    const ints = dwarf.functionIndex().byName('take_ints')[0].instances[0];
    const pointers = dwarf.functionIndex().byName('take_pointers')[0].instances[0];
    const sites = [
      { name: 'take_ints', instance: ints, pc: dwarf.afterPrologue(ints), writes: [['$i', 'i', 12345n], ['$s', 's', -77n]] as const },
      { name: 'take_pointers', instance: pointers, pc: dwarf.afterPrologue(pointers), writes: [['$node->next->value', 'node->next->value', 99n], ['$ip[0]', 'ip[0]', -8n]] as const },
    ];
    const seen: string[] = [];
    await visitStops(exe, ['1'], sites.map((s) => s.pc), async (stop) => {
      const site = sites.find((s) => s.pc === stop.pc)!;
      const prog = program(true);
      const lowering = new TargetLowering(prog, { binary: exe, dwarf, cfi, functionName: site.name, functionDie: site.instance.die, kind: 'statement', pc: stop.pc, entryPc: site.instance.entryPc, vaddr: stop.pc, relocatable: true });
      const assigns: Expr[] = site.writes.map(([target, , value]) => {
        const lvalue: LValue = lowering.lvalue(ref(target), loc);
        return { op: 'assign', type: 'long', operator: '=', target: lvalue, value: { op: 'long', type: 'long', value, loc }, loc };
      });
      const ctx = new StoppedProcess(stop.pid, stop.registers, { uaddr: stop.pc + stop.bias }, true);
      runHandler(prog, assigns, ctx);
      ctx.close();
      // Apply what the handler wrote through gdb, then read the C variables back.
      for (const [name, value] of ctx.registerWrites) await stop.gdb.command(`-data-evaluate-expression "$${name}=${BigInt.asIntN(64, value)}"`);
      for (const [address, bytes] of ctx.memoryWrites) await stop.gdb.command(`-data-write-memory-bytes 0x${address.toString(16)} ${Buffer.from(bytes).toString('hex')}`);
      for (const [target, gdbExpr, value] of site.writes) {
        assert.is(await stop.gdb.evaluate(`(long)(${gdbExpr})`), String(value), `${target} after the write`);
        seen.push(target);
      }
    });
    elf.close();
    assert.equal(seen, ['$i', '$s', '$node->next->value', '$ip[0]']);
  });
}

test('script mistakes and missing debug information are one-sentence errors with the script location', () => {
  const exe = paramsProgram(VARIANTS[0]);
  const elf = ElfFile.open(exe);
  const dwarf = Dwarf.fromElf(elf)!;
  const cfi = CallFrameInfo.fromElf(elf);
  const inst = dwarf.functionIndex().byName('take_structs')[0].instances[0];
  const site = (kind: SiteKind, guru = false, withDwarf = true) => new TargetLowering(program(guru), {
    binary: exe, dwarf: withDwarf ? dwarf : undefined, cfi, functionName: 'take_structs', functionDie: withDwarf ? inst.die : undefined,
    kind, pc: dwarf.afterPrologue(inst), entryPc: inst.entryPc, vaddr: inst.entryPc, relocatable: true,
  });
  const fail = (lowering: TargetLowering, text: string, lvalue = false): UtapError => {
    try {
      if (lvalue) lowering.lvalue(ref(text), loc);
      else lowering.expr({ op: 'target', type: 'long', ref: ref(text), loc });
    } catch (e) {
      assert.instance(e, UtapError);
      return e as UtapError;
    }
    throw new Error(`${text} lowered without an error`);
  };
  const cases: Array<[UtapError, number, RegExp]> = [
    [fail(site('statement'), '$nope'), 1, /^test\.stp:3:5: error: \$nope is not a parameter or local of take_structs at this point, nor a global of [^;]+; these are: \$p \$f \$n \$list \$arr\.$/],
    [fail(site('statement'), '$list->nope'), 1, /struct node has no member nope; its members are: value next label pos grid\.$/],
    [fail(site('statement'), '$p->x->y'), 1, /\$p->x is int, not a struct, union or pointer to one\.$/],
    [fail(site('statement'), '$p'), 1, /\$p is struct point; name one of its members/],
    [fail(site('statement'), '$list[0]->value->x'), 1, /is int, not a struct/],
    [fail(site('statement'), '$return'), 1, /\$return only has a value in a \.return probe\.$/],
    [fail(site('statement', false, false), '$p->x'), 2, /has no debug information for take_structs, so \$p cannot be read; install its debug symbols/],
    [fail(site('statement'), '$p->x', true), 1, /needs guru mode \(-g\)\.$/],
    [fail(site('return', true), '$p->x', true), 1, /value at entry, which is gone/],
    [fail(site('statement', true), '$f->b', true), 1, /bitfield/],
  ];
  // take_structs returns long: $return in its .return probe is rax.
  assert.is(site('return').expr({ op: 'target', type: 'long', ref: ref('$return'), loc }).op, 'reg');
  for (const [error, status, pattern] of cases) {
    assert.is(error.status, status, error.message);
    assert.ok(error.preformatted);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
  }
  elf.close();
});

test('-O2: a variable the compiler dropped at the pc is reported as optimized out there', () => {
  const exe = paramsProgram(VARIANTS[1]);
  const elf = ElfFile.open(exe);
  const dwarf = Dwarf.fromElf(elf)!;
  const inst = dwarf.functionIndex().byName('take_pointers')[0].instances[0];
  const pc = dwarf.afterPrologue(inst);
  const lowering = new TargetLowering(program(), { binary: exe, dwarf, cfi: CallFrameInfo.fromElf(elf), functionName: 'take_pointers', functionDie: inst.die, kind: 'statement', pc, entryPc: inst.entryPc, vaddr: pc, relocatable: true });
  try {
    lowering.expr({ op: 'target', type: 'long', ref: ref('$ul'), loc });
    assert.unreachable('lowered');
  } catch (e) {
    assert.instance(e, UtapError);
    assert.is((e as UtapError).status, 2);
    assert.match((e as UtapError).message, new RegExp(`\\$ul is optimized out at 0x${pc.toString(16)} in take_pointers`));
  }
  // $$parms still prints, with ? for it.
  const s = lowering.expr({ op: 'target', type: 'string', ref: ref('$$parms'), loc });
  assert.is(s.op, 'sprintf');
  elf.close();
});

test.run();
