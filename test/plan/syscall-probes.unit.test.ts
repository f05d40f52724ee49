// System-call probe points as the planner reads them, and their target expressions lowered to
// the registers of a system-call stop: $syscall orig_rax, $arg1..6 rdi rsi rdx r10 r8 r9,
// $return rax, $$parms SystemTap's `$arg1=0x.. ... $arg6=0x..`; writes refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseProbePointText } from '../../tracer/plan/probe-point-text';
import { parseProcessProbe } from '../../tracer/plan/probe-spec';
import { lowerSyscallTargets } from '../../tracer/plan/syscall-lower';
import { compileScript } from '../../tracer/lang/compile';
import type { ElfBinary } from '../../symbolizer/elf-binary';
import type { Expr, Stmt } from '../../tracer/ir/ir';
import { UtapError } from '../../tracer/errors';

function spec(text: string) {
  const point = parseProbePointText(text);
  return parseProcessProbe(point.components, point.text);
}

test('process("P").syscall, .syscall.return and bare process.syscall', () => {
  assert.equal(spec('process("/bin/true").syscall'), { process: '/bin/true', kind: 'syscall', pattern: { name: '*' } });
  assert.equal(spec('process.syscall.return'), { process: undefined, kind: 'syscall', pattern: { name: '*' }, variant: 'return' });
  assert.throws(() => spec('process("x").syscall("read")'), /takes no argument/);
  assert.throws(() => spec('process("x").syscall.call'), /only \.return may/);
  assert.throws(() => spec('process("x").library("libc.so.6").syscall'), /not to a library/);
});

/** The registers a lowered handler reads, in order, and the text of its sprintf formats. */
function lowered(source: string, atReturn: boolean, guru = false): { regs: string[]; formats: string[] } {
  const program = compileScript({ text: source, file: 't.stp', scriptArgs: [], defines: [], includeDirs: [], guru });
  const location = { binary: { path: '/bin/x' } as ElfBinary, kind: atReturn ? 'syscallReturn' : 'syscall', function: '', vaddr: 0n, entryPc: 0n, inlined: false, canonical: 'process("/bin/x").syscall' } as const;
  const { handler } = lowerSyscallTargets(program, program.probes[0].handler, location);
  const regs: string[] = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if ((x as Expr).op === 'reg') regs.push((x as Extract<Expr, { op: 'reg' }>).reg);
    if ((x as Expr).op === 'target') throw new Error('a target node is left');
    for (const v of Object.values(x)) visit(v);
  };
  visit(handler.body as Stmt);
  return { regs, formats: program.formats.map((f) => f.text) };
}

test('$syscall, $arg1..$arg6 and $$parms at entry; $syscall and $return at return', () => {
  assert.equal(lowered('probe process("x").syscall { println($syscall + $arg1 + $arg2 + $arg3 + $arg4 + $arg5 + $arg6) }', false).regs, ['orig_rax', 'rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9']);
  assert.equal(lowered('probe process("x").syscall.return { println($syscall + $return) }', true).regs, ['orig_rax', 'rax']);
  const parms = lowered('probe process("x").syscall { println($$parms) }', false);
  assert.equal(parms.regs, ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9']);
  assert.ok(parms.formats.includes('$arg1=%#x $arg2=%#x $arg3=%#x $arg4=%#x $arg5=%#x $arg6=%#x'), parms.formats.join(' | '));
});

test('system-call variables are read-only, as in SystemTap', () => {
  try {
    lowered('probe process("x").syscall.return { $return = 1 }', true, true);
    assert.unreachable('the write was lowered');
  } catch (error) {
    assert.instance(error, UtapError);
    assert.match((error as Error).message, /t\.stp:1:\d+: error: \$return is read-only/);
  }
});

test.run();
