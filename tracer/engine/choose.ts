// Which engine runs a script with process probes: `--engine ptrace|uprobe`, or `auto`: the
// uprobe engine when it can run here (privileged, kernel support), else ptrace.
import { EXIT_ENVIRONMENT, UtapError } from '../cli/errors';
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
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    load: () => (require('./uprobe/engine') as typeof import('./uprobe/engine')).uprobeEngine,
    warmUp: () => {
      const warmUp = require('../../kernel-helper/uprobe-warmup') as typeof import('../../kernel-helper/uprobe-warmup');
      warmUp.warmUpUprobeRegistration();
      return { release: warmUp.releaseUprobeWarmUp };
    },
  },
  { name: 'ptrace', load: () => (require('./ptrace/ptrace-engine') as typeof import('./ptrace/ptrace-engine')).ptraceEngine },
];

/** Starts the warm-ups of the engines `choice` may pick. */
export function warmUpEngines(choice: EngineChoice): EngineWarmUp {
  const started = ENGINES.filter((e) => choice === 'auto' || e.name === choice).flatMap((e) => (e.warmUp ? [e.warmUp()] : []));
  return { release: () => started.forEach((w) => w.release()) };
}

export function chooseEngine(choice: EngineChoice, request: EngineRunRequest): Engine {
  const candidates = ENGINES.filter((e) => choice === 'auto' || e.name === choice);
  if (candidates.length === 0) {
    const which = choice === 'auto' ? 'a ptrace or uprobe engine' : `the ${choice} engine`;
    throw new UtapError(`this script has probes inside processes, which need ${which}, and this build of utap does not have it yet; scripts with only begin, end, error and timer probes run.`, EXIT_ENVIRONMENT);
  }
  const reasons: string[] = [];
  for (const candidate of candidates) {
    const engine = candidate.load();
    const why = request.handlerName !== undefined && engine.name !== 'uprobe' ? 'registered handlers (--name) are kernel handlers, which only the uprobe engine has' : engine.unavailable(request);
    if (why === undefined) {
      if (choice === 'auto' && engine.name === 'uprobe' && kernelRefusesSome(request, candidates)) continue;
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
 * `auto`: sites the kernel will not put a uprobe on (refused-sites.ts) are placed by the ptrace
 * engine — which then runs the whole script, when it can (-p/-c). True when it should.
 */
function kernelRefusesSome(request: EngineRunRequest, candidates: typeof ENGINES): boolean {
  const { refusedSitesOf } = require('./uprobe/refused-sites') as typeof import('./uprobe/refused-sites');
  const refused = refusedSitesOf(request.plan);
  if (refused.size === 0) return false;
  const ptrace = candidates.find((c) => c.name === 'ptrace')?.load();
  if (!ptrace || ptrace.unavailable(request) !== undefined) return false;
  for (const [site, why] of refused) request.log(`probe ${site.pp} at ${site.binary}+0x${site.fileOffset.toString(16)}: the kernel refuses a uprobe there: ${why}`);
  const what = refused.size === 1 ? 'one site' : `${refused.size} of the ${request.plan.sites.length} sites`;
  request.log(`engine: uprobe not used: the kernel refuses uprobes at ${what} (above); the ptrace engine places every site`);
  return true;
}
