// The uprobe engine end to end on a real process (runtime-c/uprobe-targets/hits.c), against
// two oracles: the target's own ground truth, and the reference runtime fed the same hits by
// hand (a differential test of the generated eBPF against the interpreter's semantics).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr, PlanIR, ProgramIR } from '../../tracer/ir/ir';
import { buildPlan } from '../../tracer/plan/plan';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { uprobeEngine } from '../../tracer/engine/uprobe/engine';
import {
  agg, assign, bin, block, cmp, ctx, entry, ex, foreach, glob, get, iff, incdec, L, lit, local, long, next, printf, printHist, ProgramBuilder, reg, string, str, statsAdd, ustr, whilst,
} from '../support/ir-builder';
import { FakeContext } from '../support/fake-context';
import { fixtureResolver } from '../support/fixture-resolver';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runProgram } from '../support/run-plan';
import { runEngine } from '../support/run-engine';
import { startWaiting } from '../support/target-process';
import { sh } from '../support/shell';

const missing = detectBpfFeatures().unavailable;
const BINARY = fixture('uprobe-hits');
const N = 2000;

/** The test script, built by hand (what the front end will produce for it). */
function script(withStrings = true): { program: ProgramIR; captures: Record<number, Expr[]> } {
  const b = new ProgramBuilder();
  const calls = b.scalar('calls');
  const total = b.scalar('total');
  const shared = b.scalar('shared');
  const s = b.stats('s');
  const r = b.stats('r');
  const names = b.array('names', ['string']);
  const last = b.scalar('last', 'string');
  const fmtThree = b.format('three from %s\n');
  const fmtEnd = b.format('calls %d total %d shared %d last %s\n');
  const fmtStats = b.format('s: count %d sum %d min %d max %d\n');
  const fmtR = b.format('r: count %d sum %d max %d\n');
  const fmtName = b.format('%s=%d\n');
  // probe hit: calls++; total += $i; s <<< $i; shared += 1; if ($i == 3) printf(...)
  b.probe(['process.function("hit")'], [], ex(incdec(L.global(calls), 1, false)), ex(assign(L.global(total), reg('rdi'), '+=')), statsAdd({ global: s }, reg('rdi')),
    iff(cmp('==', reg('rdi'), lit(3)), printf(fmtThree, [ctx('execname', 'string')])));
  // probe hit: shared += 1 — `shared` is also the event-mode depth probe's, so this runs in event mode too.
  b.probe(['process.function("hit")'], [], ex(assign(L.global(shared), lit(1), '+=')));
  // probe greet: names[user_string($who)] += $times; last = user_string($who)
  if (withStrings) b.probe(['process.function("greet")'], [], ex(assign(L.element(names, [ustr(reg('rdi'))]), reg('rsi'), '+=')), ex(assign(L.global(last), ustr(reg('rdi')))));
  // probe hit.return: if ($return > 100000) next; r <<< $return - @entry($i)
  const ret = b.probe(['process.function("hit").return'], [], iff(cmp('>', reg('rax'), lit(100000)), next()), statsAdd({ global: r }, bin('-', reg('rax'), entry(0))));
  // probe depth: a loop, so event mode; it shares `shared` with a kernel handler.
  b.probe(['process.function("depth")'], [long('n')], ex(assign(L.local(0), reg('rdi'))), whilst(cmp('>', local(0), lit(0)), ex(incdec(L.local(0), -1, false))),
    ex(assign(L.global(shared), lit(1000), '+=')));
  b.probe(['end'], [string('k'), long('v')],
    printf(fmtEnd, [glob(calls), glob(total), glob(shared), glob(last, 'string')]),
    printf(fmtStats, [agg('count', s), agg('sum', s), agg('min', s), agg('max', s)]),
    printf(fmtR, [agg('count', r), agg('sum', r), agg('max', r)]),
    foreach(names, [0], printf(fmtName, [local(0, 'string'), get(names, [local(0, 'string')])]), { sort: { by: 'key', part: 0, direction: 'asc' } }),
    printHist({ global: s }, { kind: 'log' }));
  return { program: b.build(), captures: { [ret]: [reg('rdi')] } };
}

function plan(withStrings = true): PlanIR {
  const { program, captures } = script(withStrings);
  return buildPlan(program, { resolveProcessProbe: fixtureResolver(BINARY, captures) });
}

/** The reference runtime, fed the hits hits.c makes, as its ground truth says. */
function expected(n: number, withStrings = true): string {
  const { program, captures } = script(withStrings);
  const names = new Map<string, bigint>([['alice', 0x1000n], ['bob', 0x2000n]]);
  const memory: Array<[bigint, Uint8Array]> = [...names].map(([s, a]) => [a, Buffer.from(`${s}\0`, 'latin1')]);
  const run = runProgram(program, {
    plan: { resolveProcessProbe: fixtureResolver(BINARY, captures) },
    drive: (session) => {
      const site = (fn: string, kind: string) => session.plan.sites.find((x) => x.function === fn && x.kind === kind)!.id;
      for (let i = 0; i < n; i++) {
        for (const hitSite of session.plan.sites.filter((x) => x.function === 'hit' && x.kind === 'entry')) {
          session.hit(hitSite.id, new FakeContext({ regs: { rdi: BigInt(i) }, context: { execname: 'uprobe-hits' } }));
        }
        session.hit(site('hit', 'return'), new FakeContext({ regs: { rax: BigInt(2 * i) }, entry: [BigInt(i)] }));
      }
      if (withStrings) for (const [who, times] of [['alice', 1n], ['bob', 2n], ['alice', 3n]] as const) {
        session.hit(site('greet', 'entry'), new FakeContext({ regs: { rdi: names.get(who)!, rsi: times }, memory }));
      }
      for (let d = 3; d >= 0; d--) session.hit(site('depth', 'entry'), new FakeContext({ regs: { rdi: BigInt(d) } }));
    },
  });
  assert.is(run.stderr, '');
  return run.stdout;
}

liveTest(test, '-p: kernel handlers and an event-mode probe give the reference runtime\'s output; a bystander running the same binary is not counted', missing, async () => {
  const traced = await startWaiting(BINARY, [String(N)]);
  const bystander = await startWaiting(BINARY, ['777']);
  const running = runEngine(uprobeEngine, plan(), { pid: traced.pid });
  // Let the engine arm its probes, then run both processes.
  await new Promise((r) => setTimeout(r, 300));
  const [truth] = await Promise.all([traced.release(), bystander.release()]);
  const run = await running;
  assert.match(truth.stdout, new RegExp(`calls ${N} sum ${(N * (N - 1)) / 2}`));
  assert.is(run.status, 0);
  assert.is(run.stdout, expected(N));
  assert.ok(run.log.some((l) => /function\("hit"\) at .*: kernel handler/.test(l)), run.log.join('\n'));
  assert.ok(run.log.some((l) => /function\("depth"\) at .*: event mode \(it has a loop\)/.test(l)), run.log.join('\n'));
  assert.ok(run.log.some((l) => /function\("hit"\) at .*: event mode \(it shares global shared with an event-mode probe/.test(l)), run.log.join('\n'));
});

// Without user_string: the strings greet() gets sit in pages the fresh process has not touched
// yet, and a kernel handler cannot fault them in (see docs/uprobe-engine.md).
liveTest(test, '-c: the command starts stopped, probes are armed, then it runs; every hit is seen', missing, async () => {
  const run = await runEngine(uprobeEngine, plan(false), { command: sh`${BINARY} 500` });
  assert.is(run.status, 0);
  assert.is(run.stdout, expected(500, false));
});

test.run();
