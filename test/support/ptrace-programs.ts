// Hand-built scripts for the ptrace engine's end-to-end tests (the front end is not needed):
// each is the IR of a short SystemTap script, shown in its comment. Probe points name the
// binary by absolute path — process("/path").function("f") or
// process("/path").library("/lib/path").function("f") — and siteResolver finds the function's
// entry with nm. Shared by the in-process tests and ptrace-child.ts (signals need a process).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPlan } from '../../tracer/plan/plan';
import { ptraceEngine } from '../../tracer/engine/ptrace/ptrace-engine';
import type { Expr, PlanIR, ProbeIR, ProbePointIR, ProbeSiteIR, ProgramIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import type { ProcessProbeResolver, ResolveContext } from '../../tracer/plan/plan';
import { agg, assign, bin, cmp, ctx, entry, ex, foreach, get, glob, iff, incdec, L, lit, local, long, printf, ProgramBuilder, reg, statsAdd } from './ir-builder';
import { symbolAddress } from './symbol-sites';

/** Resolves function entries by nm; return sites capture `captures` (default: rdi) at entry. */
export function siteResolver(captures: Expr[] = [reg('rdi')]): ProcessProbeResolver {
  return (probe: ProbeIR, point: ProbePointIR, c: ResolveContext): ProbeSiteIR[] => {
    const arg = (name: string) => point.components.find((p) => p.name === name)?.arg as string | undefined;
    const fn = arg('function')!;
    const binary = arg('library') ?? arg('process')!;
    const isReturn = point.components.some((p) => p.name === 'return');
    const { vaddr, fileOffset } = symbolAddress(binary, fn);
    const entryCaptures = isReturn ? captures : [];
    return [{
      id: c.nextSiteId(), probe: probe.index, pp: point.text, handler: probe.handler,
      needs: handlerNeeds(c.program, probe.handler, entryCaptures),
      kind: isReturn ? 'return' : 'entry', binary, vaddr, fileOffset, function: fn, entryCaptures,
    }];
  };
}

/** `process("BIN")[.library("LIB")].function("FN")` */
export function point(binary: string, fn: string, library?: string, suffix = ''): string {
  return `process("${binary}")${library ? `.library("${library}")` : ''}.function("${fn}")${suffix}`;
}

/**
 * global calls
 * probe POINT { calls[tid()]++ }
 * probe end { foreach ([t] in calls+) printf("%d\n", calls[t]) ... }  one line `tid calls` per thread
 */
export function perThread(where: string): ProgramIR {
  const b = new ProgramBuilder();
  const calls = b.array('calls', ['long']);
  b.probe([where], [], ex(incdec(L.element(calls, [ctx('tid')]), 1, false)));
  b.probe(['end'], [long('t')], foreach(calls, [0], printf(b.format('%d %d\n'), [local(0), get(calls, [local(0)])])));
  return b.build();
}

export { agg, bin, entry, statsAdd };

export interface EngineResult {
  status: number;
  output: string;
}

/** Runs `program` on the ptrace engine in this process (-c or -p), its output through a file (or stdout). */
export async function runPtrace(program: ProgramIR, target: { command?: string; pid?: number; pin?: boolean }, captures?: Expr[]): Promise<EngineResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-ptrace-'));
  const outputFile = path.join(dir, 'out');
  try {
    const plan: PlanIR = buildPlan(program, { targetPid: target.pid, resolveProcessProbe: siteResolver(captures) });
    const status = await ptraceEngine.run({
      plan, session: { json: false, outputFile, targetPid: target.pid }, pid: target.pid, command: target.command,
      pin: target.pin ?? false, guru: program.guru, detach: false, log: () => undefined,
    });
    return { status, output: outputFile ? fs.readFileSync(outputFile, 'utf8') : '' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
