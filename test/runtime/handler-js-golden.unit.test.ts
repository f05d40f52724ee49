// Golden listings of the JavaScript the runtime generates for a few representative programs
// (tracer/runtime/handler-compiler.ts and js-codegen/), so a change to the generated code shows
// as a readable diff of test/runtime/golden-js/*.js. Corpus scripts go through the real front end
// and planner; the constructs only a process probe site has (registers, target memory, entry
// captures, event-mode captures, guru writes, context values) come from a hand-built program
// planned on made-up sites, as no binary is needed to generate their code.
// UTAP_UPDATE_GOLDEN=1 rewrites the files from what the compiler generates now.
// runner-tags: golden
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Expr, ProbeSiteIR, ProgramIR, Stmt } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import { compileScript } from '../../tracer/lang/compile';
import { buildPlan, type PlanOptions } from '../../tracer/plan/plan';
import { MemorySink } from '../../tracer/runtime/output-sink';
import { Session } from '../../tracer/runtime/session';
import {
  assign, at, bin, builtin, call, ctx, entry, ex, exit, L, lit, local, long, next, printf, ProgramBuilder, reg, ret, string, uread, ustr,
} from '../support/ir-builder';
import { repoRoot } from '../support/paths';

const GOLDEN = path.join(repoRoot, 'test', 'runtime', 'golden-js');
const CORPUS = path.join(repoRoot, 'test', 'corpus');
const UPDATE = process.env.UTAP_UPDATE_GOLDEN === '1';

function golden(name: string, text: string): void {
  const file = path.join(GOLDEN, `${name}.js`);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, text);
    return;
  }
  assert.ok(fs.existsSync(file), `${file} is missing: run with UTAP_UPDATE_GOLDEN=1 to write it`);
  assert.fixture(text, fs.readFileSync(file, 'utf8'));
}

/** The generated module of a planned program, as the session compiles it. */
function generated(program: ProgramIR, options?: PlanOptions): string {
  const session = new Session(buildPlan(program, options), { output: new MemorySink(), errors: new MemorySink() });
  return session.generatedSource + '\n';
}

// One per part of the generator: expressions and assignments, arrays and foreach, functions and
// recursion, statistics and histograms, strings and formatting, try/catch and errors, limits.
const CORPUS_CASES: Record<string, string[]> = {
  arithmetic: [],
  arrays: [],
  control: [],
  'foreach-sorted': [],
  functions: [],
  'histogram-buckets': [],
  'statistics-variance': [],
  strings: [],
  'print-family': [],
  'try-catch': [],
  abort: [],
  warn: [],
  'limits-stringlen': ['MAXSTRINGLEN=8'],
};

// What the corpus cases above leave out: slices, a stats array's values in foreach, the lazily
// bound helpers (tokenize's state, randint, ctime, errno_str).
const INLINE = `global a, s
probe begin {
  a[1, "x"] = 1; a[2, "y"] = 2
  if ([*, "x"] in a) delete a[*, "y"]
  s["k"] <<< 3; s["k"] <<< 5
  foreach (v = [k] in s- limit 2) printf("%s %d %d\\n", k, v, @sum(s[k]))
  t = tokenize("a b", " ")
  printf("%s %d %s %s\\n", t, randint(1), ctime(0), errno_str(2))
  exit()
}
`;

test('generated JavaScript: slices, stats values, lazily bound helpers', () => {
  const program = compileScript({ text: INLINE, file: 'inline.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false });
  golden('inline-helpers', generated(program));
});

for (const [name, defines] of Object.entries(CORPUS_CASES)) {
  test(`generated JavaScript: corpus ${name}.stp`, () => {
    const file = `${name}.stp`;
    const program = compileScript({
      text: fs.readFileSync(path.join(CORPUS, file), 'latin1'),
      file,
      scriptArgs: [],
      defines: defines.map((d) => ({ name: d.split('=')[0], value: d.split('=')[1] })),
      includeDirs: [],
      guru: false,
    });
    golden(name, generated(program));
  });
}

test('generated JavaScript: process sites (registers, target memory, entry and event captures, guru writes, context)', () => {
  const b = new ProgramBuilder();
  const f = b.format('%d %s %s %d\n');
  const hits = b.array('hits', ['string'], 'long');
  const regWrite = (value: Expr): Expr => ({ op: 'assign', type: 'long', operator: '=', target: { kind: 'reg', reg: 'rax' }, value, loc: at() });
  const memWrite = (addr: Expr, value: Expr): Expr => ({ op: 'assign', type: 'long', operator: '+=', target: { kind: 'userMemory', addr, size: 4 }, value, loc: at() });
  const captured = (index: number, type: 'long' | 'string'): Expr => ({ op: 'captured', type, index, loc: at() });
  const backtrace: Stmt = { kind: 'printBacktrace', loc: at() };
  // a function that ends the handler from inside (next → throw)
  const stop = b.fn('stop', [long('x')], [], 'long', { kind: 'block', body: [{ kind: 'if', test: local(0), then: next(), loc: at() }, ret(bin('*', local(0), lit(2)))], loc: at() });
  b.probe(['process("/usr/bin/target").function("work")'], [long('a'), string('s')],
    ex(assign(L.local(0), bin('+', reg('rdi'), uread(bin('+', reg('rsp'), lit(8)), 4, true)))),
    ex(assign(L.local(1), ustr(reg('rsi')), '=', 'string')),
    ex(assign(L.element(hits, [ustr(reg('rsi'), lit(16))]), lit(1), '+=')),
    printf(f, [ctx('tid'), ctx('pp', 'string'), ctx('execname', 'string'), ctx('uid')]),
    printf(f, [ctx('pid'), ctx('probefunc', 'string'), builtin('usymname', [reg('rip')], 'string'), call(stop, [local(0)])]),
    backtrace);
  const returnProbe = b.probe(['process("/usr/bin/target").function("work").return'], [long('r')],
    ex(assign(L.local(0), bin('-', reg('rax'), entry(0)))),
    ex(regWrite(lit(0))),
    ex(memWrite(entry(1), lit(-1))),
    printf(f, [local(0), entry(2, 'string'), captured(0, 'string'), captured(1, 'long')]),
    exit());
  const program = b.build();
  program.guru = true;
  const captures: Record<number, Expr[]> = {
    [returnProbe]: [reg('rdi'), reg('rsi'), ustr(reg('rdx'))],
  };
  let id = 0;
  const resolve: PlanOptions['resolveProcessProbe'] = (probe, point) => {
    const isReturn = point.components.some((c) => c.name === 'return');
    const entryCaptures = captures[probe.index] ?? [];
    const site: ProbeSiteIR = {
      id: id++, probe: probe.index, pp: point.text, handler: probe.handler, needs: handlerNeeds(program, probe.handler, entryCaptures),
      kind: isReturn ? 'return' : 'entry', binary: '/usr/bin/target', vaddr: 0x1000n, fileOffset: 0x1000n, function: 'work', entryCaptures,
    };
    return [site];
  };
  golden('process-sites', generated(program, { resolveProcessProbe: resolve }));
});

test.run();
