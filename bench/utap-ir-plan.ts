// The benchmark's two utap scripts as handler IR — what the front end would lower them to — and
// their plan from the real planner (probe resolver included):
//   count   global n; probe PP { n++ } probe end { printf("utap-bench hits=%d\n", n) }
//   printf  probe PP { printf("hit\n") }
// where PP is process.function("NAME") or process("PATH").function("NAME").
import type { PlanIR, ProbePointIR, ProgramIR } from '../tracer/ir/ir';
import { buildPlan } from '../tracer/plan/plan';
import { createProbeResolver } from '../tracer/plan/probe-resolver';
import { ex, glob, incdec, L, printf, ProgramBuilder } from '../test/support/ir-builder';

export interface BenchScript {
  printf: boolean;
  function: string;
  library?: string;
  /** The -c command: the target the probe resolves against. */
  command: string;
}

function benchProgram(script: BenchScript): ProgramIR {
  const b = new ProgramBuilder();
  if (script.printf) {
    b.probe(['never'], [], printf(b.format('hit\n'), []));
  } else {
    const n = b.scalar('n');
    b.probe(['never'], [], ex(incdec(L.global(n), 1, false)));
    b.probe(['end'], [], printf(b.format('utap-bench hits=%d\n'), [glob(n)]));
  }
  const program = b.build();
  // The process point is set here: the builder's small parser splits on the dots of a path.
  const point: ProbePointIR = {
    text: script.library ? `process("${script.library}").function("${script.function}")` : `process.function("${script.function}")`,
    components: script.library
      ? [{ name: 'process', arg: script.library }, { name: 'function', arg: script.function }]
      : [{ name: 'process' }, { name: 'function', arg: script.function }],
    optional: false,
    loc: program.probes[0].loc,
  };
  program.probes[0].points = [point];
  return program;
}

export function planBenchScript(script: BenchScript): PlanIR {
  const resolver = createProbeResolver({ command: script.command });
  try {
    return buildPlan(benchProgram(script), { resolveProcessProbe: (probe, point, context) => resolver.resolve(probe, point, context) });
  } finally {
    resolver.close();
  }
}
