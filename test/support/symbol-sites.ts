// Probe sites for hand-built plans, found the way a person would with binutils: the symbol's
// address from `nm`, its file offset through the PT_LOAD headers `readelf` prints. Lets engine
// tests run before (and independently of) utap's own probe resolution.
import { execFileSync } from 'node:child_process';
import type { Expr, ProbeIR, ProbePointIR, ProbeSiteIR } from '../../tracer/ir/ir';
import { handlerNeeds } from '../../tracer/ir/needs';
import type { ProcessProbeResolver, ResolveContext } from '../../tracer/plan/plan';

export function symbolAddress(binary: string, symbol: string): { vaddr: bigint; fileOffset: bigint } {
  const nm = execFileSync('nm', ['--defined-only', binary], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) [TtWw] ${symbol}$`, 'm').exec(nm);
  if (!m) throw new Error(`${symbol} not in ${binary}`);
  const vaddr = BigInt(`0x${m[1]}`);
  const headers = execFileSync('readelf', ['-lW', binary], { encoding: 'utf8' });
  for (const line of headers.split('\n')) {
    const l = /^\s*LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/.exec(line);
    if (!l) continue;
    const offset = BigInt(`0x${l[1]}`), start = BigInt(`0x${l[2]}`), size = BigInt(`0x${l[3]}`);
    if (vaddr >= start && vaddr < start + size) return { vaddr, fileOffset: vaddr - start + offset };
  }
  throw new Error(`no PT_LOAD covers ${symbol} in ${binary}`);
}

/**
 * Resolves `process(...).function("NAME")[.call|.return]` points to the entry of NAME in
 * `binary`; `captures(name)` gives the entry captures of a return site.
 */
export function symbolResolver(binary: string, captures: (fn: string) => Expr[] = () => []): ProcessProbeResolver {
  return (probe: ProbeIR, point: ProbePointIR, c: ResolveContext): ProbeSiteIR[] => {
    const fn = point.components.find((p) => p.name === 'function')?.arg as string;
    const isReturn = point.components.some((p) => p.name === 'return');
    const { vaddr, fileOffset } = symbolAddress(binary, fn);
    const entryCaptures = isReturn ? captures(fn) : [];
    return [{
      id: c.nextSiteId(), probe: probe.index, pp: point.text, handler: probe.handler,
      needs: handlerNeeds(c.program, probe.handler, entryCaptures),
      kind: isReturn ? 'return' : 'entry', binary, vaddr, fileOffset, function: fn, entryCaptures,
    }];
  };
}
