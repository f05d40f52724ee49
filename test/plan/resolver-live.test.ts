// Resolved probe sites read the right $params in a live process: the fixture is run under gdb,
// stopped at each site the resolver chose (.function after the prologue or at the entry, .call at
// the entry), and the lowered handler is run by the runtime against the stopped process. The
// source's own arguments (args.c's main) are the oracle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SymbolCache } from '../../symbolizer/cache';
import { DEFAULT_LIMITS, type Expr, type ProbeIR, type ProgramIR } from '../../tracer/ir/ir';
import { buildPlan } from '../../tracer/plan/plan';
import { parseProbePointText } from '../../tracer/plan/probe-point-text';
import { createProbeResolver } from '../../tracer/plan/probe-resolver';
import { MemorySink } from '../../tracer/runtime/output-sink';
import { Session } from '../../tracer/runtime/session';
import { at, block, print, str } from '../support/ir-builder';
import { fixture } from '../support/paths';
import { StoppedProcess } from '../support/stopped-process';
import { visitStops } from './gdb-stops';

const target = (name: string): Expr => ({ op: 'target', type: 'long', ref: { name, path: [], atEntry: false }, loc: at() });
const userString = (addr: Expr): Expr => ({ op: 'userString', type: 'string', addr, loc: at() });

/** What args.c's main passes (see runtime-c/fixtures/args.c). */
const EXPECTED: Record<string, Array<[string, Expr, string]>> = {
  ints_signed: [
    ['sc', target('sc'), '-5'], ['s', target('s'), '-300'], ['i', target('i'), '-70000'], ['l', target('l'), '-5000000000'],
    ['ll', target('ll'), '-6000000000'], ['i8', target('i8'), '-8'], ['i16', target('i16'), '-16000'],
  ],
  pointers: [['text', userString(target('text')), 'hello, args']],
};

for (const name of ['args-O0', 'args-O2', 'args-O0-nopie', 'args-O2-dwarf4']) {
  test(`${name}: $params at the resolved .function and .call sites are the values main passes`, async () => {
    const exe = fixture(name);
    const points = Object.keys(EXPECTED).flatMap((fn) => [`process("${exe}").function("${fn}")`, `process("${exe}").function("${fn}").call`]);
    const probes: ProbeIR[] = points.map((text, index) => {
      const fn = /function\("(\w+)"/.exec(text)![1];
      const body = block(...EXPECTED[fn].map(([label, expr]) => print([str(`${index}:${label}=`), expr], true)));
      return { index, points: [{ ...parseProbePointText(text), loc: at() }], handler: { locals: [], body }, loc: at() };
    });
    const program: ProgramIR = { globals: [], functions: [], probes, formats: [], limits: { ...DEFAULT_LIMITS, extra: {} }, guru: false, sources: {} };
    const resolver = createProbeResolver({ cache: SymbolCache.disabled() });
    const plan = buildPlan(program, { resolveProcessProbe: resolver.resolve });
    resolver.close();
    assert.is(plan.sites.length, points.length);
    const out = new MemorySink();
    const errors = new MemorySink();
    const session = new Session(plan, { output: out, errors });
    session.begin();
    const hit = new Set<number>();
    await visitStops(exe, ['1'], plan.sites.map((s) => s.vaddr), async (stop) => {
      for (const site of plan.sites.filter((s) => s.vaddr === stop.pc)) {
        const ctx = new StoppedProcess(stop.pid, stop.registers, { uaddr: site.vaddr + stop.bias });
        session.hit(site.id, ctx);
        ctx.close();
        hit.add(site.id);
      }
    });
    assert.is(errors.text, '');
    assert.is(hit.size, plan.sites.length, 'every site was reached');
    for (const site of plan.sites) {
      const fn = site.function;
      for (const [label, , value] of EXPECTED[fn]) {
        assert.ok(out.text.includes(`${site.probe}:${label}=${value}\n`), `${site.pp} at 0x${site.vaddr.toString(16)}: $${label} should be ${value}; output:\n${out.text}`);
      }
    }
  });
}

test.run();
