// A function probe on an IFUNC symbol (libc's strlen, memcpy...) goes where the calls go: on the
// implementation the process's dynamic linker chose, not on the resolver (which runs once per
// process). The choice is read, never computed: from the traced process (-p) when there is one,
// else from utap's own process when it has the same file loaded — the same file on the same CPU
// resolves the same way, which is what a -c command will do. When neither can tell, the probe
// goes on every implementation the resolver chooses among (a process calls only the one it got),
// and the run says so; on the resolver itself only when its code names none (symbolizer/ifunc.ts).
import { ifuncCandidates, ifuncSymbolAt, importedSlotValues, resolvedIfunc } from '../../symbolizer/ifunc';
import { readMaps } from '../../symbolizer/proc-maps';
import type { CodeSymbol } from '../../symbolizer/symbol-table';
import { canonicalText, type ProbeLocation } from './probe-match';

/** What an IFUNC probe point resolved to, for -l, -v and the warning. */
export interface IfuncResolution {
  /** The IFUNC's name and its resolver's link-time address. */
  symbol: string;
  resolver: bigint;
  /** The implementations the resolver chooses among, as its code shows them. */
  candidates: string[];
  candidateAddresses: bigint[];
  /** The implementation the probe is on, and where that choice was read ("process 1234"). */
  implementation?: string;
  resolvedBy?: string;
}

const RESOLVER_BYTES_MAX = 4096;

/**
 * `location` moved to its IFUNC's implementation (with `ifunc` said); to each implementation the
 * resolver may choose when none can be read; unchanged when it is no IFUNC.
 */
export function ifuncLocations(location: ProbeLocation, targetPid: number | undefined): ProbeLocation[] {
  const { binary } = location;
  if (location.kind === 'statement' || location.inlined) return [location];
  const table = binary.symbols();
  const symbol = ifuncSymbolAt(table, location.function, location.entryPc);
  if (!symbol) return [location];
  const offset = binary.fileOffset(symbol.address);
  let candidates: CodeSymbol[] = [];
  if (offset !== undefined && symbol.size > 0) {
    try {
      candidates = ifuncCandidates(table, binary.elf.read(Number(offset), Math.min(symbol.size, RESOLVER_BYTES_MAX), 'IFUNC resolver'), symbol.address);
    } catch {
      candidates = [];
    }
  }
  candidates = candidates.filter((c) => binary.fileOffset(c.address) !== undefined);
  const ifunc: IfuncResolution = { symbol: symbol.name, resolver: symbol.address, candidates: candidates.map((c) => c.name), candidateAddresses: candidates.map((c) => c.address) };
  const variant = /\.(call|return)$/.exec(location.canonical)?.[1] as 'call' | 'return' | undefined;
  const at = (address: bigint, said: IfuncResolution): ProbeLocation => {
    const described = binary.dwarf()?.functionIndex().functionAt(address);
    const die = described && described.instance.entryPc === address ? described.instance.die : undefined;
    return {
      binary,
      kind: location.kind,
      function: location.function,
      vaddr: address,
      entryPc: address,
      ...(die !== undefined && { functionDie: die }),
      inlined: false,
      canonical: canonicalText(binary.path, 'function', location.function, undefined, undefined, variant),
      ifunc: said,
    };
  };
  const sources: Array<[number, string]> = targetPid !== undefined ? [[targetPid, `process ${targetPid}`]] : [[process.pid, "utap's own process (it loads the same file)"]];
  for (const [pid, label] of sources) {
    let bias: bigint | undefined;
    try {
      bias = binary.loadBiasIn(readMaps(pid));
    } catch {
      bias = undefined;
    }
    if (bias === undefined) continue;
    const implementation = (at: bigint | undefined) => {
      const hit = at === undefined || at === symbol.address ? undefined : table.at(at);
      return hit && hit.offset === 0n && hit.symbol.source !== 'plt' && binary.fileOffset(at!) !== undefined ? hit : undefined;
    };
    let chosen = resolvedIfunc(binary.elf, symbol.address, pid, bias);
    if (!implementation(chosen)) {
      chosen = importedSlotValues(pid, symbol.name, readMaps(pid), binary.path).map((v) => v - bias).find((v) => implementation(v));
    }
    const hit = implementation(chosen);
    if (chosen === undefined || !hit) continue;
    return [at(chosen, { ...ifunc, implementation: hit.symbol.name, resolvedBy: label })];
  }
  if (candidates.length > 0) return candidates.map((c) => at(c.address, ifunc));
  return [Object.defineProperty(location, 'ifunc', { value: ifunc, enumerable: true })];
}

/** One line on an IFUNC point: what it resolved to and by whom, or what it may resolve to. */
export function describeIfunc(ifunc: IfuncResolution): string {
  if (ifunc.implementation) return `ifunc: resolved to ${ifunc.implementation} in ${ifunc.resolvedBy}`;
  if (ifunc.candidates.length === 0) return 'ifunc: resolves at run time; this is its resolver';
  return `ifunc: resolves at run time to one of ${ifunc.candidates.join(', ')}; give -p PID to see which`;
}
