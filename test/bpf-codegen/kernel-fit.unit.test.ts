// kernel-fit.ts: which handlers the uprobe engine runs in the kernel, and the reason (and script
// line) it gives under -v for the others — decided by reading the IR, no kernel needed. Every
// case is also compiled, to check the analysis and the generator agree: what kernelFit sends to
// the kernel compiles, and the generator refuses (as a utap bug) what it sends to event mode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileSite } from '../../tracer/bpf-codegen/site-compiler';
import { entryCapturesFit, kernelFit, type KernelFit } from '../../tracer/bpf-codegen/kernel-fit';
import { desugarProgram } from '../../tracer/ir/desugar';
import type { Expr, ProbeSiteIR, ProgramIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import { completeStatsUse } from '../../tracer/ir/stats-use';
import { compileScript } from '../../tracer/lang/compile';
import { ctx, ProgramBuilder, reg, ustr, L, assign, ex, glob } from '../support/ir-builder';

/** The program of `text` as planning hands it to the engines (desugared, statistics uses complete). */
function programOf(text: string): ProgramIR {
  return completeStatsUse(desugarProgram(compileScript({ text, file: 'k.stp', scriptArgs: [], defines: [], includeDirs: [], guru: true })));
}

function siteOf(program: ProgramIR, probe = 0, kind: ProbeSiteIR['kind'] = 'entry', captures: Expr[] = []): ProbeSiteIR {
  const p = program.probes[probe];
  return {
    id: 0, probe, pp: p.points[0].text, handler: p.handler, needs: handlerNeeds(program, p.handler, captures), kind,
    binary: '/usr/bin/target', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'work', entryCaptures: kind === 'return' ? captures : [],
  };
}

/** kernelFit of the site, checked against the generator. */
function fit(program: ProgramIR, site: ProbeSiteIR): KernelFit {
  const verdict = kernelFit(program, site);
  let ids = 0;
  const compile = () => compileSite({ program, site, fds: { global: (i) => 100 + i, ring: 1, state: 2, heap: 3, entry: 4 }, nextRecordId: () => ids++, targetPid: 0, walltimeOffsetNs: 0n });
  if (verdict.mode === 'kernel') {
    const compiled = compile();
    assert.equal([...compiled.globals].sort(), [...verdict.globals].sort(), 'the maps the kernel handler needs');
  } else {
    assert.throws(compile, /kernel-fit\.ts should have sent the site to event mode/);
  }
  return verdict;
}

/** The verdict on the first probe of a script whose handler is `body` (on line 3). */
function verdict(body: string, declarations = ''): KernelFit {
  const program = programOf(`global n, a, s, t, b\n${declarations}\nprobe process("t").function("work") { ${body} }\nprobe end { n = 0; a[1, 2] = 1; s <<< 1; t = ""; b["x"] = 1 }`);
  return fit(program, siteOf(program));
}

function event(body: string, reason: string, column?: number, declarations = ''): void {
  const v = verdict(body, declarations);
  assert.is(v.mode, 'event', body);
  if (v.mode !== 'event') return;
  assert.is(v.reason, reason, body);
  assert.is(v.loc?.line, 3, `${body}: the line`);
  if (column !== undefined) assert.is(v.loc?.column, column, `${body}: the column`);
}

test('counters, keyed arrays, statistics, printf and strings run in the kernel; the globals they touch are known', () => {
  const v = verdict('n++; a[tid(), pid()] += 2; s <<< uaddr(); printf("%s %d\\n", execname(), cpu()); t = pp(); if (n > 3) next; delete a[tid(), 0]', '');
  assert.is(v.mode, 'kernel');
  if (v.mode === 'kernel') assert.equal([...v.globals].sort(), [0, 1, 2, 3]);
  assert.is(verdict('x = uaddr() << 3 >> n; y = x % 7; exit()').mode, 'kernel');
});

test('each construct eBPF does not do gives its reason and its place', () => {
  event('for (i = 0; i < 3; i++) n++', 'it has a loop', 39);
  event('while (n) n--', 'it has a loop');
  event('foreach ([k, j] in a) n++', 'it has a loop');
  event('if (execname() == "sh") n++', 'it compares strings');
  event('t = "a" . execname()', 'it builds strings');
  event('t = sprintf("%d", n)', 'it formats strings with sprintf');
  event('n = strlen(t)', 'it calls strlen()');
  event('t = usymname(uaddr())', 'it calls usymname()');
  event('println(@count(s))', 'it reads a statistic, whose parts live on every CPU');
  event('print(@hist_log(s))', 'it prints a histogram');
  event('print_ubacktrace()', 'it prints a backtrace');
  event('delete a', 'it deletes a whole array');
  event('delete a[*, 1]', 'it deletes a slice of an array');
  event('delete s', 'it deletes a whole statistic, which lives per CPU');
  event('n = ppid()', 'it reads ppid()');
  event('t = ubacktrace()', 'it reads ubacktrace()');
  event('t .= "x"', 'it appends to a string');
  event('warn("x")', 'it calls warn()');
  event('abort()', 'it calls abort()');
  event('try { n++ } catch { n-- }', 'it catches errors (try/catch)');
  event('f()', 'it calls a function', undefined, 'function f() { println("f") }');
  event('n = g(2)', 'it calls a script function', undefined, 'function g(x) { for (i = 0; i < x; i++) n++; return n }');
  event('$rax = 5', 'it writes to the target');
  event('register("rax")++', 'it writes to the target');
});

test('a statistic read with @variance is fed in userspace', () => {
  const program = programOf('global s\nprobe end { println(@variance(s)) }\nprobe process("t").function("work") { s <<< 2 }');
  const v = fit(program, siteOf(program, 1));
  assert.is(v.mode === 'event' && v.reason, 'it feeds a statistic read with @variance (its running state is kept in userspace)');
});

test('the first construct in evaluation order is the one named: a value before the place it is stored in', () => {
  event('b[sprintf("%d", n)] = strlen(t)', 'it calls strlen()');
  event('a[strlen(t), 0] = 1', 'it calls strlen()');
  event('t = sprintf("%d", n) . usymname(0)', 'it builds strings');
  event('n = 1; if (ppid()) n = strlen(t)', 'it reads ppid()');
});

test('a return site: its entry captures are compiled first, and decide whether the kernel keeps them', () => {
  const b = new ProgramBuilder();
  const total = b.scalar('total');
  b.probe(['process("t").function("work").return'], [], ex(assign(L.global(total), glob(total))));
  const program = desugarProgram(b.build());
  const fine = siteOf(program, 0, 'return', [ctx('monotonic_ns'), ustr(reg('rdi'))]);
  assert.is(fit(program, fine).mode, 'kernel');
  assert.is(entryCapturesFit(program, fine).mode, 'kernel');
  const notHere = siteOf(program, 0, 'return', [ctx('ppid')]);
  const v = fit(program, notHere);
  assert.is(v.mode === 'event' && v.reason, 'it reads ppid()');
  assert.is(entryCapturesFit(program, notHere).mode, 'event');
});

test.run();
