// Which engine runs a script with process probes: `--engine ptrace|uprobe|inproc`, or `auto`:
// the uprobe engine when it can run here (privileged, kernel support), else the in-process
// engine when every handler runs natively in the process, else ptrace.
import { EXIT_ENVIRONMENT, UtapError } from '../errors';
import type { EngineChoice } from '../cli/options';
import type { Engine, EngineName, EngineRunRequest } from './engine';

/** Kernel work an engine has started ahead of the script's planning; release() when done with it. */
export interface EngineWarmUp {
  release(): void;
}

/**
 * Engines built into utap, in `auto` preference order, each loaded only when needed. The
 * engine modules add themselves here (`load: () => require('./uprobe/engine').uprobeEngine`).
 * `warmUp` starts slow kernel work that does not depend on the script, for a script that has
 * process probes, before it is planned.
 */
export const ENGINES: Array<{ name: EngineName; load(): Engine; warmUp?(): EngineWarmUp }> = [
  {
    name: 'uprobe',
    load: () => (require('./uprobe/engine') as typeof import('./uprobe/engine')).uprobeEngine,
    warmUp: () => {
      const warmUp = require('../../kernel-helper/uprobe-warmup') as typeof import('../../kernel-helper/uprobe-warmup');
      warmUp.warmUpUprobeRegistration();
      return { release: warmUp.releaseUprobeWarmUp };
    },
  },
  { name: 'inproc', load: () => (require('./inproc/engine') as typeof import('./inproc/engine')).inprocEngine },
  { name: 'ptrace', load: () => (require('./ptrace/ptrace-engine') as typeof import('./ptrace/ptrace-engine')).ptraceEngine },
];

/** Starts the warm-ups of the engines `choice` may pick. */
export function warmUpEngines(choice: EngineChoice): EngineWarmUp {
  const started = ENGINES.filter((e) => choice === 'auto' || e.name === choice).flatMap((e) => (e.warmUp ? [e.warmUp()] : []));
  return { release: () => started.forEach((w) => w.release()) };
}

export function chooseEngine(choice: EngineChoice, request: EngineRunRequest): Engine {
  const candidates = ENGINES.filter((e) => choice === 'auto' || e.name === choice);
  // (commander allows only the names of ENGINES and 'auto')
  if (candidates.length === 0) throw new Error(`no engine named '${choice}'`);
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const engine = candidate.load();
    const why = request.handlerName !== undefined && engine.name !== 'uprobe' ? 'registered handlers (--name) are kernel handlers, which only the uprobe engine has' : engine.unavailable(request) ?? (choice === 'auto' ? engine.fits?.(request) : undefined);
    if (why === undefined) {
      if (choice === 'auto' && engine.name === 'uprobe' && !placeRefusedSites(request, candidates)) continue;
      request.log(`engine: ${engine.name}${choice === 'auto' ? ' (auto)' : ''}`);
      return engine;
    }
    reasons.push(`${engine.name}: ${why}`);
    request.log(`engine: ${engine.name} not usable: ${why}`);
  }
  if (choice !== 'auto') throw new UtapError(`the ${choice} engine cannot run here: ${reasons[0].replace(/^\w+: /, '')}; use --engine auto to fall back to another engine.`, EXIT_ENVIRONMENT);
  throw new UtapError(`no engine can run this script here (${reasons.join('; ')}).`, EXIT_ENVIRONMENT);
}

/**
 * Beyond this many event-mode sites, `auto` runs a script with refused sites on the ptrace engine
 * rather than beside it: an event-mode site is a perf event of its own, whose placement and
 * removal each wait for kernel grace periods (function("*") on libc: minutes).
 */
const MAX_EVENT_SITES_WITH_SIDECAR = 64;

/**
 * `auto` and the uprobe engine: sites the kernel will not put a uprobe on (refused-sites.ts) are
 * placed by a ptrace sidecar beside it (ptrace-sidecar.ts), given a target (-p/-c) and no
 * registered handlers. Their handlers run in the Session, so sites sharing their globals run in
 * event mode (site-modes.ts); when that makes a read inexact or too many sites event-mode, the
 * ptrace engine runs the whole script instead: false then.
 */
function placeRefusedSites(request: EngineRunRequest, candidates: typeof ENGINES): boolean {
  // Required here, as the engines are: a ptrace-engine run loads nothing of the uprobe engine
  // (site-modes.ts brings in the eBPF code generator).
  const { refusedSitesOf } = require('./uprobe/refused-sites') as typeof import('./uprobe/refused-sites');
  const refused = refusedSitesOf(request.plan);
  if (refused.size === 0 || request.handlerName !== undefined) return true;
  const ptrace = candidates.find((c) => c.name === 'ptrace')?.load();
  if (!ptrace || ptrace.unavailable(request) !== undefined) return true;
  for (const [site, why] of refused) request.log(`probe ${site.pp} at ${site.binary}+0x${site.fileOffset.toString(16)}: the kernel refuses a uprobe there: ${why}`);
  const { siteModes } = require('./uprobe/site-modes') as typeof import('./uprobe/site-modes');
  const modes = siteModes(request.plan, request.pid ?? 0, new Set([...refused.keys()].map((s) => s.id))).modes;
  const inexact = modes.find((m) => m.mode === 'event' && m.event?.refusal);
  const eventSites = modes.filter((m) => m.mode === 'event').length;
  const what = refused.size === 1 ? 'that site' : `those ${refused.size} sites`;
  if (inexact) {
    request.log(`engine: uprobe not used: with ${what} placed by ptrace, the handler of ${inexact.site.pp} runs in event mode (${inexact.reason}) and ${inexact.event!.refusal}; an engine that places every site itself runs the script`);
    return false;
  }
  if (eventSites > MAX_EVENT_SITES_WITH_SIDECAR) {
    request.log(`engine: uprobe not used: with ${what} placed by ptrace, ${eventSites} sites sharing their globals would run in event mode, a perf event each (more than ${MAX_EVENT_SITES_WITH_SIDECAR}); an engine that places every site itself runs the script`);
    return false;
  }
  request.log(`engine: the ptrace engine places ${what} beside the uprobe engine`);
  request.ptraceForRefused = true;
  return true;
}
