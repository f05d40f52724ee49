// PLT probe points resolved without running anything: the spec the parser makes of `.plt`,
// `.plt("NAME")` and `.return`, and the sites the planner builds on runtime-c/plt's two stub
// layouts — each at the stub objdump shows (`name@plt`) and its file offset (objdump -F),
// entry or return kind, with `$$name` lowered to the function's name.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UtapError } from '../../tracer/errors';
import { DEFAULT_LIMITS, type Expr, type ProbeIR, type ProgramIR, type ProbeSiteIR, type Stmt } from '../../tracer/ir/ir';
import { buildPlan } from '../../tracer/plan/plan';
import { createProbeResolver } from '../../tracer/plan/probe-resolver';
import { parseProbePointText } from '../../tracer/plan/probe-point-text';
import { parseProcessProbe } from '../../tracer/plan/probe-spec';
import { SymbolCache } from '../../symbolizer/cache';
import { at, block, print } from '../support/ir-builder';
import { fixture } from '../support/paths';
import { objdumpPlt } from '../symbolizer/oracles';

const spec = (text: string) => {
  const point = parseProbePointText(text);
  return parseProcessProbe(point.components, point.text);
};

function sites(pointText: string, body: Stmt = block()): ProbeSiteIR[] {
  const point = parseProbePointText(pointText);
  const probe: ProbeIR = { index: 0, points: [{ ...point, loc: at() }], handler: { locals: [], body }, loc: at() };
  const program: ProgramIR = { globals: [], functions: [], probes: [probe], formats: [], limits: { ...DEFAULT_LIMITS, extra: {} }, guru: false, sources: {} };
  const resolver = createProbeResolver({ cache: SymbolCache.disabled() });
  try {
    return buildPlan(program, { resolveProcessProbe: resolver.resolve }).sites;
  } finally {
    resolver.close();
  }
}

/** `name@plt` → file offset, as objdump -F prints it for the stub sections. */
function objdumpPltOffsets(file: string): Map<string, bigint> {
  const out = execFileSync('objdump', ['-d', '-F', '-j', '.plt', '-j', '.plt.sec', '-j', '.plt.got', file], { encoding: 'latin1' });
  return new Map([...out.matchAll(/^[0-9a-f]+ <(.+@plt)> \(File Offset: 0x([0-9a-f]+)\):$/gm)].map((m) => [m[1], BigInt(`0x${m[2]}`)]));
}

test('the parser: .plt alone is every entry, .plt("NAME") a glob, .return the return; nothing else follows', () => {
  assert.equal(spec('process("/bin/ls").plt'), { process: '/bin/ls', library: undefined, kind: 'plt', pattern: { name: '*' } });
  assert.equal(spec('process("/bin/ls").plt("str*").return'), { process: '/bin/ls', library: undefined, kind: 'plt', pattern: { name: 'str*' }, variant: 'return' });
  assert.equal(spec('process.library("libc.so.6").plt("malloc")'), { process: undefined, library: 'libc.so.6', kind: 'plt', pattern: { name: 'malloc' } });
  for (const [text, why] of [
    ['process("/bin/ls").plt("")', /\.plt takes a function name in quotes/],
    ['process("/bin/ls").plt(3)', /\.plt takes a function name in quotes/],
    ['process("/bin/ls").plt("x").call', /\.call cannot follow \.plt\(\.\.\.\)/],
    ['process("/bin/ls").plt("x").return.return', /unexpected \.return at the end/],
  ] as const) {
    assert.throws(() => spec(text), (e: unknown) => e instanceof UtapError && why.test(e.message), text);
  }
});

for (const layout of ['lazy', 'ibt-now']) {
  const binary = fixture(`plt-target-${layout}`);
  test(`plt-target-${layout}: one site per stub, at objdump's address and file offset, $$name lowered to the name`, () => {
    const name: Expr = { op: 'target', type: 'string', ref: { name: '$name', path: [], atEntry: false }, loc: at() };
    const found = sites(`process("${binary}").plt`, block(print([name])));
    const stubs = objdumpPlt(binary);
    const offsets = objdumpPltOffsets(binary);
    assert.is(found.length, stubs.length);
    for (const stub of stubs) {
      const target = stub.name.replace(/@plt$/, '');
      const site = found.find((s) => s.function === target);
      assert.ok(site, `no site for ${stub.name}`);
      assert.is(site!.vaddr, stub.address, stub.name);
      assert.is(site!.fileOffset, offsets.get(stub.name), stub.name);
      assert.is(site!.kind, 'entry');
      assert.is(site!.pp, `process("${binary}").plt("${target}")`);
      const printed = (site!.handler.body as Extract<Stmt, { kind: 'block' }>).body[0] as Extract<Stmt, { kind: 'print' }>;
      const { op, value } = printed.args[0] as Extract<Expr, { op: 'string' }>;
      assert.equal({ op, value }, { op: 'string', value: target });
    }
    if (layout === 'ibt-now') assert.ok(stubs.some((s) => s.name === 'strlen@plt' && offsets.has(s.name)));
    const returns = sites(`process("${binary}").plt("str*").return`);
    assert.equal(returns.map((s) => [s.function, s.kind]).sort(), [['strcmp', 'return'], ['strlen', 'return']]);
  });
}

test.run();
