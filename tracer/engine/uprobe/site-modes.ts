// Where each probe site's handler runs on the uprobe engine: as a kernel handler (eBPF) when
// kernel-fit.ts finds nothing in it the kernel cannot do (decided by reading the IR, without
// compiling), else in event mode (the Session runs it on a ring-buffer record).
// A global shared by an event-mode handler and a kernel handler would see their hits out of
// order (kernel handlers update it at once, event-mode hits are applied when utap reads the
// ring) and userspace read-modify-writes would race the kernel's atomic adds; so every site
// touching a global that an event-mode site touches runs in event mode too (to a fixpoint),
// and those globals stay in the Session's memory, updated in hit order.
// An event-mode site's kernel program reads at the hit the target memory its handler reads
// (event-reads.ts); at a return site the kernel keeps the entry captures, as for a kernel handler.
import { compileEntryProgram, compileEventProgram, type CompileOptions, type EventProgramRequest } from '../../bpf-codegen/site-compiler';
import { X86_64_DWARF_REGISTERS } from '../../../symbolizer/dwarf/registers';
import { EventModeNeeded } from '../../bpf-codegen/event-mode';
import { entryCapturesFit, kernelFit } from '../../bpf-codegen/kernel-fit';
import { sleepableUprobesSupported } from '../../../kernel-helper/features';
import type { Expr, PlanIR, ProbeSiteIR, ProgramIR, RegName } from '../../ir/ir';
import { handlerNeeds } from '../../ir/needs';
import { eventReads } from './event-reads';

export interface SiteMode {
  site: ProbeSiteIR;
  /** 'ptrace': placed by the ptrace sidecar (ptrace-sidecar.ts); like event mode, its handler runs in the Session. */
  mode: 'kernel' | 'event' | 'ptrace';
  reason?: string;
  /** Event mode: what the kernel program ships. */
  event?: EventPlan;
}

/** What an event-mode site's kernel programs do at the hit. */
export interface EventPlan {
  /** A return site whose entry captures the kernel saves at entry and ships at return. */
  entryInKernel: boolean;
  /** Target-memory reads shipped in the event record (see event-reads.ts). */
  reads: Expr[];
  /** Reads of the entry captures shipped in the entry record (return sites, !entryInKernel). */
  entryReads: Expr[];
  /** Bytes of user stack shipped for ubacktrace() (with every register the unwinder reads), or 0. */
  stackBytes: number;
  /** Why this site cannot run exactly on this engine (a read the kernel cannot do at the hit). */
  refusal?: string;
}

/** The user stack an event record carries for a backtrace: deep enough for typical call chains. */
export const EVENT_STACK_BYTES = 16 * 1024;

/** The event program of an event-mode site. */
export function eventRequest(site: ProbeSiteIR, event: EventPlan): EventProgramRequest {
  const regs = event.stackBytes > 0 ? [...new Set<RegName>([...site.needs.registers, ...X86_64_DWARF_REGISTERS])] : site.needs.registers;
  return { kind: 'event', regs, context: site.needs.context, reads: event.reads, entryInKernel: event.entryInKernel, stackBytes: event.stackBytes };
}

/** The entry program of an event-mode return site whose captures the kernel does not keep. */
export function entryRequest(program: ProgramIR, site: ProbeSiteIR, event: EventPlan): EventProgramRequest {
  const needs = entryCaptureNeeds(program, site);
  return { kind: 'entry', regs: needs.registers, context: needs.context, reads: event.entryReads, entryInKernel: false, stackBytes: 0 };
}

export interface SiteModes {
  modes: SiteMode[];
  /** Globals kernel handlers touch: they live in BPF maps. */
  kernelGlobals: Set<number>;
}

/**
 * `byPtrace`: ids of the sites the ptrace sidecar places. `tooBig`: sites kernel-fit.ts sent to
 * the kernel whose compiled handler turned out larger than a kernel handler may be (the reason
 * EventModeNeeded gave; KernelHandlers passes them when it falls back).
 */
export function siteModes(plan: PlanIR, targetPid: number, byPtrace: ReadonlySet<number> = new Set(), tooBig: ReadonlyMap<number, string> = new Map()): SiteModes {
  const program = plan.program;
  const touched = new Map<number, Set<number>>();
  const modes: SiteMode[] = plan.sites.map((site) => {
    const needed = new Set([...site.needs.globalsRead, ...site.needs.globalsWritten]);
    if (byPtrace.has(site.id)) {
      touched.set(site.id, needed);
      return { site, mode: 'ptrace', reason: 'the kernel refuses a uprobe at its instruction' };
    }
    const fit = tooBig.has(site.id) ? { mode: 'event' as const, reason: tooBig.get(site.id)! } : kernelFit(program, site);
    if (fit.mode === 'kernel') {
      touched.set(site.id, fit.globals);
      return { site, mode: 'kernel' };
    }
    touched.set(site.id, needed);
    return { site, mode: 'event', reason: fit.reason };
  });
  for (let changed = true; changed; ) {
    changed = false;
    const eventGlobals = new Set<number>();
    for (const m of modes) if (m.mode !== 'kernel') for (const g of touched.get(m.site.id)!) eventGlobals.add(g);
    for (const m of modes) {
      if (m.mode !== 'kernel') continue;
      const shared = [...touched.get(m.site.id)!].find((g) => eventGlobals.has(g));
      if (shared === undefined) continue;
      m.mode = 'event';
      const other = modes.some((o) => o.mode === 'ptrace' && touched.get(o.site.id)!.has(shared)) ? 'a probe the ptrace engine places' : 'an event-mode probe';
      m.reason = `it shares global ${program.globals[shared].name} with ${other}, whose hits utap applies in order`;
      changed = true;
    }
  }
  const kernelGlobals = new Set<number>();
  for (const m of modes) if (m.mode === 'kernel') for (const g of touched.get(m.site.id)!) kernelGlobals.add(g);
  for (const m of modes) if (m.mode === 'event') m.event = eventPlan(program, m.site, targetPid);
  return { modes, kernelGlobals };
}

function dryOptions(program: ProgramIR, site: ProbeSiteIR, targetPid: number, nextRecordId: () => number): CompileOptions {
  return { program, site, fds: { global: () => 0, ring: 0, state: 0, heap: 0, entry: 0, tgids: 0 }, nextRecordId, targetPid, walltimeOffsetNs: 0n, sleepable: sleepableUprobesSupported() };
}

function eventPlan(program: ProgramIR, site: ProbeSiteIR, targetPid: number): EventPlan {
  let ids = 0;
  const options = dryOptions(program, site, targetPid, () => ids++);
  const hasCaptures = site.kind === 'return' && site.entryCaptures.length > 0;
  // The kernel keeps the entry captures when it can compute them, and the entry program fits.
  const entryInKernel = hasCaptures && entryCapturesFit(program, site).mode === 'kernel' && fits(() => compileEntryProgram(options, [])) === true;
  const atHit = eventReads(program, { stmts: [site.handler.body], exprs: [] }, entryInKernel);
  const atEntry = hasCaptures && !entryInKernel ? eventReads(program, { stmts: [], exprs: site.entryCaptures }, false) : { reads: [] };
  const stackBytes = site.needs.context.includes('ubacktrace') ? EVENT_STACK_BYTES : 0;
  const plan: EventPlan = { entryInKernel, reads: atHit.reads, entryReads: atEntry.reads, stackBytes, refusal: atHit.refusal ?? atEntry.refusal };
  if (plan.refusal) return plan;
  // The record must fit the program's scratch: compile it once to know.
  const record = fits(() => {
    compileEventProgram(options, eventRequest(site, plan), []);
    if (hasCaptures && !entryInKernel) compileEventProgram(options, entryRequest(program, site, plan), []);
  });
  if (record !== true) plan.refusal = `its event record cannot carry the memory it reads: ${record}`;
  return plan;
}

/**
 * True when `compile` gets through without running out of the kernel's stack or scratch, else
 * EventModeNeeded's reason: what only compiling can tell (kernel-fit.ts decides the rest).
 */
function fits(compile: () => void): true | string {
  try {
    compile();
    return true;
  } catch (error) {
    if (!(error instanceof EventModeNeeded)) throw error;
    return error.reason;
  }
}

/** What a return site's entry captures read from the probe context. */
export function entryCaptureNeeds(program: ProgramIR, site: ProbeSiteIR): ReturnType<typeof handlerNeeds> {
  return handlerNeeds(program, { locals: [], body: { kind: 'block', body: [], loc: site.handler.body.loc } }, site.entryCaptures);
}
