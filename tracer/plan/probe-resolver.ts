// The planner's ProcessProbeResolver: a process probe point → the binary it names → the places
// its pattern matches → one ProbeSiteIR per place, with the handler's target variables lowered
// for that pc (DWARF locations, CFI for the frame base, entry captures for .return).
import { EXIT_ENVIRONMENT, UtapError } from '../errors';
import type { ProbeIR, ProbePointIR, ProbeSiteIR, SemaphoreIR } from '../ir/ir';
import type { SdtMarker } from '../../symbolizer/sdt-notes';
import { lowerMarkerTargets } from './sdt-lower';
import { lowerPltTargets } from './plt-lower';
import { lowerSyscallTargets, syscallLocation } from './syscall-lower';
import { handlerNeeds } from '../ir/needs';
import { walkStmt } from '../ir/walk';
import { BinaryCatalog, defaultSymbolCache, type CatalogOptions } from './binaries';
import { lowerTargets } from './lower-target';
import type { ProcessProbeResolver, ResolveContext } from './plan';
import { describeIfunc, ifuncLocations } from './ifunc-location';
import { matchProbe, type ProbeLocation } from './probe-match';
import { parseProcessProbe, type ProcessProbeSpec } from './probe-spec';
import { expandPathPattern, isPathPattern } from './path-glob';

/** Resolves probe points against the binaries of one run; close() releases the files. */
export interface ProbeResolver {
  resolve: ProcessProbeResolver;
  catalog: BinaryCatalog;
  close(): void;
}

/** The places `point` names (no lowering): what `utap -l` lists and what sites are built from. */
export function locateProbe(catalog: BinaryCatalog, point: Pick<ProbePointIR, 'components' | 'text'>): ProbeLocation[] {
  const spec = parseProcessProbe(point.components, point.text);
  // process("/lib*/libc.so.*"): each file the pattern matches (none: nothing matches)
  if (typeof spec.process === 'string' && isPathPattern(spec.process)) {
    return expandPathPattern(spec.process).flatMap((file) => locateIn(catalog, { ...spec, process: file }, point));
  }
  return locateIn(catalog, spec, point);
}

function locateIn(catalog: BinaryCatalog, spec: ProcessProbeSpec, point: Pick<ProbePointIR, 'components' | 'text'>): ProbeLocation[] {
  const file = catalog.fileFor(spec, point.text);
  const binary = catalog.binary(file);
  if (spec.kind === 'syscall') return [syscallLocation(binary, spec.variant)];
  if ((spec.kind === 'statement' || spec.kind === 'label') && !binary.dwarf()) {
    throw new UtapError(`${file} has no debug information, so statement and label probes (source lines) cannot be placed in it; install its debug symbols (a -dbg or -dbgsym package) or rebuild it with -g.`, EXIT_ENVIRONMENT);
  }
  const locations = matchProbe(binary, spec);
  return spec.kind === 'statement' || spec.kind === 'label' || spec.kind === 'plt' ? locations : locations.flatMap((l) => ifuncLocations(l, catalog.options.targetPid));
}

/** Does a handler read or write target variables ($var, $return, @entry(...))? */
function usesTargetVariables(handler: ProbeIR['handler']): boolean {
  let found = false;
  walkStmt(handler.body, {
    expr(e) {
      if (e.op === 'target') found = true;
    },
    lvalue(target) {
      if (target.kind === 'target') found = true;
    },
  });
  return found;
}

/** `location` probed at `vaddr` (its own address, or its function's entry: see createProbeResolver). */
function siteFor(location: ProbeLocation, vaddr: bigint, probe: ProbeIR, context: ResolveContext): ProbeSiteIR {
  const { binary } = location;
  if (location.kind === 'syscall' || location.kind === 'syscallReturn') return siteIR(location, lowerSyscallTargets(context.program, probe.handler, location), 0n, 0n, probe, context);
  const fileOffset = binary.fileOffset(vaddr);
  if (fileOffset === undefined) {
    throw new UtapError(`${location.canonical}: address 0x${vaddr.toString(16)} is not in a loaded segment of ${binary.path}.`, EXIT_ENVIRONMENT);
  }
  if (location.marker) return markerSite(location, location.marker, fileOffset, probe, context);
  // Globals, file statics and @cast types need only the binary's DWARF, not the function's.
  const dwarf = location.plt ? undefined : binary.dwarf();
  const lowered = location.plt ? lowerPltTargets(context.program, probe.handler, location.plt, location.canonical) : lowerTargets(context.program, probe.handler, {
    binary: binary.path,
    dwarf,
    cfi: binary.cfi(),
    functionName: location.function,
    functionDie: location.functionDie,
    kind: location.kind,
    pc: vaddr,
    entryPc: location.entryPc,
    vaddr,
    relocatable: binary.relocatable,
  });
  return siteIR(location, lowered, vaddr, fileOffset, probe, context);
}

/** The site of `probe` at `location`, with its handler lowered for that pc. */
function siteIR(location: ProbeLocation, lowered: { handler: ProbeSiteIR['handler']; entryCaptures: ProbeSiteIR['entryCaptures'] }, vaddr: bigint, fileOffset: bigint, probe: ProbeIR, context: ResolveContext): ProbeSiteIR {
  const { binary } = location;
  return {
    id: context.nextSiteId(),
    probe: probe.index,
    pp: location.canonical,
    handler: lowered.handler,
    needs: handlerNeeds(context.program, lowered.handler, lowered.entryCaptures),
    kind: location.kind,
    binary: binary.path,
    ...(binary.buildId !== undefined && { buildId: binary.buildId }),
    vaddr,
    fileOffset,
    function: location.function,
    entryCaptures: lowered.entryCaptures,
  };
}

/** A `.mark(...)` site: arguments from the note, the semaphore to raise while attached. */
function markerSite(location: ProbeLocation, marker: SdtMarker, fileOffset: bigint, probe: ProbeIR, context: ResolveContext): ProbeSiteIR {
  const { binary } = location;
  let semaphore: SemaphoreIR | undefined;
  if (marker.semaphore !== undefined) {
    const semaphoreOffset = binary.fileOffset(marker.semaphore);
    if (semaphoreOffset === undefined) throw new UtapError(`${location.canonical}: its semaphore at 0x${marker.semaphore.toString(16)} is not in a loaded segment of ${binary.path}.`, EXIT_ENVIRONMENT);
    semaphore = { vaddr: marker.semaphore, fileOffset: semaphoreOffset };
  }
  const lowered = lowerMarkerTargets(context.program, probe.handler, { binary, marker, canonical: location.canonical, vaddr: location.vaddr });
  // Marker arguments are read at the marker itself: nothing is captured at a function entry.
  const site = siteIR(location, { handler: lowered.handler, entryCaptures: [] }, location.vaddr, fileOffset, probe, context);
  return { ...site, ...(semaphore && { semaphore }) };
}

export function createProbeResolver(options: CatalogOptions = {}): ProbeResolver {
  const catalog = new BinaryCatalog({ cache: defaultSymbolCache(), ...options });
  const warned = new Set<string>();
  const resolve: ProcessProbeResolver = (probe, point, context) => {
    if (context.targetPid !== undefined && catalog.options.targetPid === undefined) catalog.options.targetPid = context.targetPid;
    // `.function` goes after the prologue only so that $params read right there; a handler that
    // reads none is placed on the first instruction, which uprobes can often emulate (push %rbp)
    // where the instruction after the prologue must be single-stepped (~3 µs more per hit).
    // Deciding this before reading `vaddr` spares the line table that address needs.
    const onEntryInstruction = !usesTargetVariables(probe.handler);
    const sites: ProbeSiteIR[] = [];
    const seen = new Set<string>();
    for (const location of locateProbe(catalog, point)) {
      if (location.ifunc) noteIfunc(location, catalog, warned);
      const vaddr = onEntryInstruction && location.kind === 'entry' ? location.entryPc : location.vaddr;
      const key = `${location.binary.path}\0${vaddr}\0${location.kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      sites.push(siteFor(location, vaddr, probe, context));
    }
    return sites;
  };
  return { resolve, catalog, close: () => catalog.close() };
}

/**
 * -v says where an IFUNC probe went; a probe that could not learn which implementation a process
 * uses says so in a warning, once per IFUNC: it is on each implementation the resolver may choose,
 * or — when its code names none — on the resolver, which runs once per process, not per call.
 */
function noteIfunc(location: ProbeLocation, catalog: BinaryCatalog, warned: Set<string>): void {
  const ifunc = location.ifunc!;
  if (ifunc.implementation) {
    catalog.options.log?.(`probe ${location.canonical}: ${describeIfunc(ifunc)}`);
    return;
  }
  const key = `${location.binary.path}\0${ifunc.symbol}`;
  if (warned.has(key)) return;
  warned.add(key);
  const placed = ifunc.candidates.length > 0 ? `the probe is on each implementation its resolver may choose (${ifunc.candidates.join(', ')})` : 'the probe is on its resolver, which runs once per process, not once per call';
  process.stderr.write(`utap: warning: ${ifunc.symbol} in ${location.binary.path} is an IFUNC and nothing here says which implementation a process uses: ${placed}; give -p PID of a process using it to probe just that one.\n`);
}
