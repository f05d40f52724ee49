// Handler IR → eBPF for one probe site: the kernel handler that runs at each hit, a return
// site's function-entry program, and event-mode programs. This file is the entry point; the
// generator's parts are in site-gen.ts and the modules it names. Whether a site can run in the
// kernel at all is kernel-fit.ts's question, answered before compiling; what only compiling
// finds out (a handler needing more stack or scratch than a kernel handler has) throws
// EventModeNeeded.
import type { CompiledProgram, CompiledSite, CompileOptions, EventProgramRequest } from './compile-options';
import { entryLayout } from './entry-captures';
import { compileEntry, compileEvent, compileMain } from './programs';
import type { RecordSpec } from './records';
import { SiteGen } from './site-gen';

export type { CompiledProgram, CompiledSite, CompileOptions, EventProgramRequest, HeapInit, MapFds } from './compile-options';
export { MAX_HEAP } from './allocation';

/** Compiles the event-mode program of a site (or of a return site's entry). */
export function compileEventProgram(options: CompileOptions, request: EventProgramRequest, records: RecordSpec[]): CompiledProgram {
  const offsets = request.entryInKernel ? entryLayout(options.site, options.program.limits.maxStringLen).offsets : [];
  return compileEvent(new SiteGen(options, records, new Set(), offsets), request);
}

/**
 * The function-entry program of a return site alone: it saves the entry captures in the entry
 * map, keyed by thread and frame (the kernel handler's; also an event-mode return site's, whose
 * hoisted reads need entry values at return). Throws EventModeNeeded when it does not fit the
 * kernel's stack or scratch.
 */
export function compileEntryProgram(options: CompileOptions, records: RecordSpec[]): { program: CompiledProgram; valueSize: number } {
  const layout = entryLayout(options.site, options.program.limits.maxStringLen);
  return { program: compileEntry(new SiteGen(options, records, new Set(), layout.offsets)), valueSize: layout.size };
}

/**
 * Compiles one site's handler (and entry captures), which kernel-fit.ts sent to the kernel. Throws
 * EventModeNeeded when it does not fit the kernel's stack or scratch.
 */
export function compileSite(options: CompileOptions): CompiledSite {
  const { site, program } = options;
  const records: RecordSpec[] = [];
  const globals = new Set<number>();
  let entry: CompiledProgram | undefined;
  const { offsets: entryOffsets, size: entryValueSize } = entryLayout(site, program.limits.maxStringLen);
  let usesSiteStrings = false;
  if (entryOffsets.length > 0) {
    const g = new SiteGen(options, records, globals, entryOffsets);
    entry = compileEntry(g);
    usesSiteStrings = g.usesSiteStrings;
  }
  const g = new SiteGen(options, records, globals, entryOffsets);
  const main = compileMain(g);
  return { main, entry, entryValueSize, records, globals, usesSiteStrings: usesSiteStrings || g.usesSiteStrings };
}
