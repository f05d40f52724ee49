// Site handlers driven through Session.hit() with a ProbeContext: registers, user memory and
// strings, entry captures, context values, memory faults, guru writes, and the no-thread context
// of begin/end/timer probes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr, ProbeIR, ProbePointIR, ProbeSiteIR, ProgramIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import type { ResolveContext } from '../../tracer/plan/plan';
import {
  assign, at, bin, ctx, del, entry, ex, get, iff, isIn, L, lit, local, long, next, print, printf, ProgramBuilder, reg, statsAdd, str, string, uread, ustr, un, agg,
} from '../support/ir-builder';
import { cString, FakeContext } from '../support/fake-context';
import { runProgram } from '../support/run-plan';

/** A resolver that gives each process point one site, `captures` as its entry captures. */
function oneSitePerPoint(captures: Expr[] = []) {
  return (probe: ProbeIR, point: ProbePointIR, c: ResolveContext): ProbeSiteIR[] => [{
    id: c.nextSiteId(),
    probe: probe.index,
    pp: point.text,
    handler: probe.handler,
    needs: handlerNeeds(c.program, probe.handler, captures),
    kind: point.components.some((p) => p.name === 'return') ? 'return' : 'entry',
    binary: '/usr/bin/psql',
    vaddr: 0x1000n,
    fileOffset: 0x1000n,
    function: 'SendQuery',
    entryCaptures: point.components.some((p) => p.name === 'return') ? captures : [],
  }];
}

/** The DESIGN.md psql script with $query already lowered to the first argument register. */
function psqlProgram(): ProgramIR {
  const b = new ProgramBuilder();
  const entryArr = b.array('entry', ['long']);
  const queries = b.array('queries', ['string'], 'stats');
  const time = b.fn('time', [], [], 'long', { kind: 'return', value: bin('/', ctx('walltime_ns'), lit(1000)), loc: at() });
  const call = (): Expr => ({ op: 'call', type: 'long', function: time, args: [], loc: at() });
  b.probe(['process("psql").function("SendQuery").call'], [], ex(assign(L.element(entryArr, [ctx('tid')]), call())));
  b.probe(['process("psql").function("SendQuery").return'], [long('tid'), string('query')],
    ex(assign(L.local(0), ctx('tid'))),
    iff(un('!', isIn(entryArr, [local(0)])), next()),
    ex(assign(L.local(1), ustr(entry(0)), '=', 'string')),
    statsAdd({ global: queries, keys: [local(1, 'string')] }, bin('-', call(), get(entryArr, [local(0)]))),
    del({ kind: 'element', global: entryArr, keys: [local(0)] }));
  const header = b.format('%2s %6s %-40s\n');
  const row = b.format('%2d %6d %-40s\n');
  b.probe(['end'], [string('q')],
    printf(header, [str('#'), str('uS'), str('query')]),
    { kind: 'foreach', global: queries, keys: [0], sort: { by: 'value', direction: 'desc' }, limit: lit(10), loc: at(),
      body: printf(row, [agg('count', queries, [local(0, 'string')]), agg('avg', queries, [local(0, 'string')]), local(0, 'string')]) });
  return b.build();
}

test('the psql latency script on synthetic hits: entry/return pairs, user strings, the lecture report', () => {
  const queryAt = 0x7000n;
  const plan = { resolveProcessProbe: oneSitePerPoint([reg('rdi')]) };
  const calls: Array<[number, string, number, number]> = [
    // tid, query, entry µs, return µs
    [1, 'BEGIN TRANSACTION;', 1000, 1132],
    [2, 'DELETE FROM num_result;', 1000, 1990],
    [1, 'DELETE FROM num_result;', 2000, 2990],
    [2, 'COMMIT TRANSACTION;', 3000, 6909],
  ];
  const r = runProgram(psqlProgram(), {
    plan,
    drive: (s) => {
      for (const [tid, query, t0, t1] of calls) {
        const at0 = new FakeContext({ tid, context: { walltime_ns: BigInt(t0) * 1000n }, regs: { rdi: queryAt } });
        const captured = s.captureEntry(1, at0);
        s.hit(0, at0);
        s.hit(1, new FakeContext({ tid, context: { walltime_ns: BigInt(t1) * 1000n }, memory: [[queryAt, cString(query, 64)]], entry: captured }));
      }
      // A return without a matching call (`next`), e.g. when tracing started mid-call:
      s.hit(1, new FakeContext({ tid: 9, context: { walltime_ns: 5000n }, memory: [[queryAt, cString('lost', 8)]], entry: [queryAt] }));
    },
  });
  assert.is(r.stderr, '');
  assert.is(r.stdout, [
    ' #     uS query                                   ',
    ' 2    990 DELETE FROM num_result;                 ',
    ' 1    132 BEGIN TRANSACTION;                      ',
    ' 1   3909 COMMIT TRANSACTION;                     ',
    '',
  ].join('\n'));
  assert.is(r.status, 0);
});

test('entry captures are evaluated at entry by captureEntry()', () => {
  const b = new ProgramBuilder();
  b.probe(['process("x").function("f").return'], [], printf(b.format('%d %d\n'), [entry(0), entry(1)]));
  const r = runProgram(b.build(), {
    plan: { resolveProcessProbe: oneSitePerPoint([reg('rsi'), uread(reg('rdi'), 4, true)]) },
    drive: (s) => {
      const values = s.captureEntry(0, new FakeContext({ regs: { rsi: 7n, rdi: 0x100n }, memory: [[0x100n, new Uint8Array([0xfe, 0xff, 0xff, 0xff])]] }));
      assert.equal(values, [7, -2]);
      s.hit(0, new FakeContext({ entry: values }));
    },
  });
  assert.is(r.stdout, '7 -2\n');
});

test('a bad user address is a runtime error with the address', () => {
  const b = new ProgramBuilder();
  b.probe(['process("x").function("f")'], [], print([ustr(reg('rdi'), undefined, at(1, 10))], true));
  b.probe(['process("x").function("g")'], [], print([uread(reg('rdi'), 8, false, at(2, 4))], true));
  b.probe(['end'], [], print([str('end')], true));
  b.probe(['error'], [], print([str('error')], true));
  const stringFault = runProgram(b.build(), { plan: { resolveProcessProbe: oneSitePerPoint() }, drive: (s) => s.hit(0, new FakeContext({ regs: { rdi: 0x10n } })) });
  assert.match(stringFault.stderr, /^ERROR: user string copy fault -14 at 0x10 near (?:[^\n]* at )?test.stp:1:10\n/);
  assert.is(stringFault.stdout, 'error\n');
  assert.is(stringFault.status, 1);
  const readFault = runProgram(b.build(), { plan: { resolveProcessProbe: oneSitePerPoint() }, drive: (s) => s.hit(1, new FakeContext({ regs: { rdi: 0xdead0000n } })) });
  assert.match(readFault.stderr, /^ERROR: read fault at 0xdead0000 \(8 bytes\) near (?:[^\n]* at )?test.stp:2:4\n/);
  assert.is(readFault.status, 1);
});

test('user strings stop at NUL, at the limit, and read across pages only as far as needed', () => {
  const b = new ProgramBuilder();
  b.probe(['process("x").function("f")'], [], print([ustr(reg('rdi')), str('|'), ustr(reg('rsi'), lit(3)), str('|'), ustr(reg('rdx'))], true));
  // 'end of page' sits in the last bytes of a readable page; the next page is unmapped.
  const page = new Uint8Array(4096);
  page.set(Buffer.from('end of page\0'), 4096 - 12);
  const long200 = new Uint8Array(300).fill(0x61);
  const r = runProgram(b.build({ maxStringLen: 100 }), {
    plan: { resolveProcessProbe: oneSitePerPoint() },
    drive: (s) => s.hit(0, new FakeContext({ regs: { rdi: 0x10000n + 4084n, rsi: 0x20000n, rdx: 0x30000n }, memory: [[0x10000n, page], [0x20000n, cString('abcdef')], [0x30000n, long200]] })),
  });
  assert.is(r.stderr, '');
  assert.is(r.stdout, `end of page|abc|${'a'.repeat(99)}\n`);
});

test('context values come from the probe context; registers are signed 64-bit', () => {
  const b = new ProgramBuilder();
  b.probe(['process("x").function("f")'], [], printf(b.format('%d %d %s %d %s %s\n'), [ctx('tid'), ctx('cpu'), ctx('execname', 'string'), reg('rax'), ctx('pp', 'string'), ctx('probefunc', 'string')]));
  const r = runProgram(b.build(), {
    plan: { resolveProcessProbe: oneSitePerPoint() },
    drive: (s) => s.hit(0, new FakeContext({ tid: 4242, context: { cpu: 1, execname: 'psql' }, regs: { rax: 0xffffffffffffffffn } })),
  });
  assert.is(r.stdout, '4242 1 psql -1 process("x").function("f") SendQuery\n');
});

test('guru writes go to the context', () => {
  const b = new ProgramBuilder();
  b.probe(['process("x").function("f").return'], [],
    ex(assign({ kind: 'reg', reg: 'rax' }, lit(0))),
    ex(assign({ kind: 'userMemory', addr: lit(0x100), size: 4 }, lit(-2))));
  const fake = new FakeContext();
  runProgram(b.build(), { plan: { resolveProcessProbe: oneSitePerPoint() }, drive: (s) => s.hit(0, fake) });
  assert.equal(fake.regWrites, [['rax', 0n]]);
  assert.equal(fake.writes.map(([a, bytes]) => [a, [...bytes]]), [[0x100n, [0xfe, 0xff, 0xff, 0xff]]]);
});

test('begin/end/timer probes have no thread: a register read is a clean runtime error', () => {
  const b = new ProgramBuilder();
  b.probe(['begin'], [], print([reg('rdi', at(5, 9))], true));
  const r = runProgram(b.build());
  assert.match(r.stderr, /^ERROR: register rdi is not available in probe begin: it has no thread near (?:[^\n]* at )?test.stp:5:9\n/);
  assert.is(r.status, 1);
  const b2 = new ProgramBuilder();
  b2.probe(['begin'], [], printf(b2.format('%d %d %s\n'), [bin('-', ctx('pid'), lit(process.pid)), ctx('target'), ctx('execname', 'string')]));
  assert.is(runProgram(b2.build(), { targetPid: 77 }).stdout, '0 77 utap\n');
});

test('hits after exit() are ignored', () => {
  const b = new ProgramBuilder();
  const n = b.scalar('n');
  b.probe(['process("x").function("f")'], [], ex(assign(L.global(n), lit(1), '+=')), { kind: 'exit', loc: at() });
  b.probe(['end'], [], print([{ op: 'global', type: 'long', global: n, loc: at() }], true));
  const r = runProgram(b.build(), {
    plan: { resolveProcessProbe: oneSitePerPoint() },
    drive: (s) => {
      s.hit(0, new FakeContext());
      assert.is(s.running, false);
      s.hit(0, new FakeContext());
    },
  });
  assert.is(r.stdout, '1\n');
});

test('needs: registers, memory, context values and globals, through called functions', () => {
  const program = psqlProgram();
  const needs = handlerNeeds(program, program.probes[1].handler, [reg('rdi')]);
  assert.equal(needs.registers, ['rdi']);
  assert.is(needs.readsUserMemory, true);
  assert.equal(needs.context, ['tid', 'walltime_ns']);
  assert.equal(needs.globalsRead, [0]);
  assert.equal(needs.globalsWritten, [0, 1]);
  assert.equal(needs.functionsCalled, [0]);
  assert.is(needs.hasLoops, false);
  assert.is(needs.writesTarget, false);
  assert.is(handlerNeeds(program, program.probes[2].handler).hasLoops, true);
});

test.run();
