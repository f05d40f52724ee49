// site-modes.ts without a kernel: where each site's handler runs on the uprobe engine. The
// kernel-fit verdict per site, then the fixpoint over shared globals (a kernel handler touching a
// global an event-mode or ptrace-placed site touches runs in event mode too, its globals staying
// in the Session), and the fallback's too-big sites.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { siteModes } from '../../tracer/engine/uprobe/site-modes';
import { desugarProgram } from '../../tracer/ir/desugar';
import type { PlanIR, ProbeSiteIR, ProgramIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import { completeStatsUse } from '../../tracer/ir/stats-use';
import { compileScript } from '../../tracer/lang/compile';

const SCRIPT = `global n, m, t
probe process("t").function("a") { n++ }
probe process("t").function("b") { for (i = 0; i < 2; i++) n++ }
probe process("t").function("c") { m += 2; t = execname() }
probe end { printf("%d %d %s\\n", n, m, t) }`;

function planOf(text: string): PlanIR {
  const program: ProgramIR = completeStatsUse(desugarProgram(compileScript({ text, file: 's.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false })));
  const sites = program.probes.slice(0, 3).map((p, id): ProbeSiteIR => ({
    id, probe: id, pp: p.points[0].text, handler: p.handler, needs: handlerNeeds(program, p.handler), kind: 'entry',
    binary: '/usr/bin/t', vaddr: 0x1000n + BigInt(id), fileOffset: 0x1000n + BigInt(id), function: 'f', entryCaptures: [],
  }));
  return { program, begin: [], end: [], error: [], timers: [], sites };
}

const summary = (plan: PlanIR, ...args: [ReadonlySet<number>?, ReadonlyMap<number, string>?]) => {
  const { modes, kernelGlobals } = siteModes(plan, 0, ...args);
  return { modes: modes.map((m) => `${m.mode}${m.reason ? `: ${m.reason}` : ''}`), kernelGlobals: [...kernelGlobals].map((g) => plan.program.globals[g].name).sort() };
};

test('a kernel handler sharing a global with an event-mode site runs in event mode too; the others keep their maps', () => {
  const plan = planOf(SCRIPT);
  assert.equal(summary(plan), {
    modes: [
      'event: it shares global n with an event-mode probe, whose hits utap applies in order',
      'event: it has a loop',
      'kernel',
    ],
    kernelGlobals: ['m', 't'],
  });
  const { modes } = siteModes(plan, 0);
  assert.ok(modes[0].event && modes[1].event, 'event-mode sites get what their record ships');
  assert.is(modes[2].event, undefined);
});

test('a site placed by ptrace, and a site too big for the kernel (the fallback), pull their globals out of the kernel alike', () => {
  const plan = planOf(SCRIPT.replace('for (i = 0; i < 2; i++) n++', 'n--'));
  assert.equal(summary(plan).modes, ['kernel', 'kernel', 'kernel']);
  assert.equal(summary(plan, new Set([2])), {
    modes: ['kernel', 'kernel', 'ptrace: the kernel refuses a uprobe at its instruction'],
    kernelGlobals: ['n'],
  });
  assert.equal(summary(plan, new Set(), new Map([[0, 'it needs more than the 512 bytes of stack a kernel handler has']])), {
    modes: [
      'event: it needs more than the 512 bytes of stack a kernel handler has',
      'event: it shares global n with an event-mode probe, whose hits utap applies in order',
      'kernel',
    ],
    kernelGlobals: ['m', 't'],
  });
});

test.run();
