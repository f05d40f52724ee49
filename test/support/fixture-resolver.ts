// A ProcessProbeResolver for engine tests that run hand-built IR before the real resolver is
// there: `process.function("NAME")[.return]` points resolve to NAME in one fixture binary
// (address from nm), with per-probe entry captures given by the test.
import type { Expr, ProbeSiteIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import type { ProcessProbeResolver } from '../../tracer/plan/plan';
import { symbolSite } from './symbol-site';

export function fixtureResolver(binary: string, entryCaptures: Record<number, Expr[]> = {}): ProcessProbeResolver {
  return (probe, point, context) => {
    const fn = point.components.find((c) => c.name === 'function')?.arg;
    if (typeof fn !== 'string') return [];
    const isReturn = point.components.some((c) => c.name === 'return');
    const where = symbolSite(binary, fn);
    const captures = isReturn ? entryCaptures[probe.index] ?? [] : [];
    const site: ProbeSiteIR = {
      id: context.nextSiteId(),
      probe: probe.index,
      pp: `process("${binary}").function("${fn}")${isReturn ? '.return' : ''}`,
      handler: probe.handler,
      needs: handlerNeeds(context.program, probe.handler, captures),
      kind: isReturn ? 'return' : 'entry',
      binary,
      vaddr: where.vaddr,
      fileOffset: where.fileOffset,
      function: fn,
      entryCaptures: captures,
    };
    return [site];
  };
}
