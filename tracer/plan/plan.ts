// The planner: ProgramIR → PlanIR. Sorts every probe point into begin / end / error / timer
// handlers or process probe sites, computes each handler's HandlerNeeds, and completes the
// statistics globals' StatsUse (tracer/ir/stats-use.ts) so executors can rely on it.
//
// Process probes (`process(...).function(...)`, `.statement(...)`, ...) are resolved to concrete
// sites by a ProcessProbeResolver: the symbolizer's work of finding the binary, the address and
// the DWARF view of `$vars`, and of lowering `target` nodes for each site. That hook is where
// probe-point resolution plugs in; without one, a script with process probes is refused with a
// plain message.
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { LifecycleProbeIR, PlannedHandler, PlanIR, ProbeIR, ProbePointIR, ProbeSiteIR, ProgramIR, TimerProbeIR } from '../ir/ir';
import { handlerNeeds } from '../ir/needs';
import { desugarProgram } from '../ir/desugar';
import { inlineSimpleCalls } from '../ir/inline-calls';
import { completeStatsUse } from '../ir/stats-use';
import { kernelHz } from './kernel-hz';
import { linearBucketCount, STP_MAX_BUCKETS } from '../ir/histogram';
import { lifecycleEventOf, lifecycleProbe, lifecycleProcessArg } from './lifecycle-probes';

/** Context a resolver gets along with the point. */
export interface ResolveContext {
  program: ProgramIR;
  /** -p PID / the -c child, when tracing one process. */
  targetPid?: number;
  /** A fresh ProbeSiteIR.id, unique in the plan. */
  nextSiteId(): number;
}

/**
 * Resolves one process probe point of `probe` to its sites, each with the handler lowered for
 * that site (`target` nodes replaced) and its needs computed (handlerNeeds). Returns [] when
 * nothing matches (the planner then refuses the script unless the point is optional).
 */
export type ProcessProbeResolver = (probe: ProbeIR, point: ProbePointIR, context: ResolveContext) => ProbeSiteIR[];

export interface PlanOptions {
  targetPid?: number;
  resolveProcessProbe?: ProcessProbeResolver;
  /** The absolute path of the program `process(ARG)` names (lifecycle probes). */
  resolveProgram?: (arg: string | number, point: ProbePointIR) => string;
  /** -v notes (an optional probe point dropped, and why). */
  log?: (line: string) => void;
}

const TIMER_UNITS_NS: Record<string, bigint> = {
  s: 1_000_000_000n,
  sec: 1_000_000_000n,
  ms: 1_000_000n,
  msec: 1_000_000n,
  us: 1_000n,
  usec: 1_000n,
  ns: 1n,
  nsec: 1n,
};

function where(point: ProbePointIR): string {
  return `${point.loc.file}:${point.loc.line}:${point.loc.column}`;
}

function scriptError(point: ProbePointIR, message: string): UtapError {
  return new UtapError(`${where(point)}: error: ${message}`, EXIT_SCRIPT_ERROR, true);
}

/**
 * A timer point's period in ns, e.g. timer.s(5) → 5e9, timer.hz(100) → 1e7, timer.jiffies(N) →
 * N ticks of the kernel's HZ; with `.randomize(M)`, also M in the same unit, in ns.
 */
export function timerSchedule(point: ProbePointIR): { periodNs: bigint; randomizeNs?: bigint } {
  const last = point.components[point.components.length - 1];
  if (point.components.length === 3 && last.name === 'randomize' && point.components[1].name !== 'hz') {
    const base = { ...point, components: point.components.slice(0, 2) };
    const periodNs = timerPeriodNs(base);
    const m = typeof last.arg === 'bigint' ? last.arg : undefined;
    if (m === undefined || m < 0n) throw scriptError(point, `'${point.text}' needs a whole number of ${point.components[1].name} to randomize by, as in timer.ms(100).randomize(10).`);
    return { periodNs, randomizeNs: (periodNs / timerUnitCount(base)) * m };
  }
  return { periodNs: timerPeriodNs(point) };
}

function timerUnitCount(point: ProbePointIR): bigint {
  const arg = point.components[1].arg;
  return typeof arg === 'bigint' ? arg : BigInt(String(arg));
}

/** A timer point's period in ns, e.g. timer.s(5) → 5e9, timer.hz(100) → 1e7. */
export function timerPeriodNs(point: ProbePointIR): bigint {
  const unit = point.components[1];
  if (unit?.name === 'profile') {
    // timer.profile: one tick; timer.profile.freq.hz(N): 1/N s
    const hz = point.components[3]?.arg;
    return typeof hz === 'bigint' && hz > 0n ? (1_000_000_000n / hz > 0n ? 1_000_000_000n / hz : 1n) : 1_000_000_000n / kernelHz();
  }
  if (!unit || point.components.length !== 2) throw scriptError(point, `'${point.text}' is not a timer probe utap knows; write timer.s(N), timer.ms(N), timer.us(N), timer.ns(N), timer.hz(N) or timer.jiffies(N), optionally with .randomize(M).`);
  const n = typeof unit.arg === 'bigint' ? unit.arg : typeof unit.arg === 'string' && /^[0-9]+$/.test(unit.arg) ? BigInt(unit.arg) : undefined;
  if (n === undefined || n <= 0n) throw scriptError(point, `'${point.text}' needs a positive whole number, as in timer.${unit.name}(5).`);
  if (unit.name === 'hz') return 1_000_000_000n / n > 0n ? 1_000_000_000n / n : 1n;
  if (unit.name === 'jiffies') return (n * 1_000_000_000n) / kernelHz();
  const scale = TIMER_UNITS_NS[unit.name];
  if (scale === undefined) throw scriptError(point, `'${point.text}' is not a timer probe utap knows; write timer.s(N), timer.ms(N), timer.us(N), timer.ns(N), timer.hz(N) or timer.jiffies(N), optionally with .randomize(M).`);
  return n * scale;
}

/**
 * SystemTap gives a linear histogram at most STP_MAX_BUCKETS (128) buckets, its underflow and
 * overflow ones included; a script asking for more is told here, before anything runs.
 */
function checkHistogramSizes(program: ProgramIR): void {
  for (const g of program.globals) {
    const hists = g.kind === 'stats' ? g.stats.hist : g.kind === 'array' ? g.stats?.hist ?? [] : [];
    for (const h of hists) {
      if (h.kind !== 'linear') continue;
      const buckets = linearBucketCount(h);
      if (buckets > BigInt(STP_MAX_BUCKETS)) {
        const loc = `${g.loc.file}:${g.loc.line}:${g.loc.column}`;
        throw new UtapError(`${loc}: error: @hist_linear(${g.name}, ${h.low}, ${h.high}, ${h.step}) would have ${buckets} buckets with its underflow and overflow ones; a linear histogram has at most ${STP_MAX_BUCKETS}, as in SystemTap: use a larger step.`, EXIT_SCRIPT_ERROR, true);
      }
    }
  }
}

/** The begin/end sequence number (`begin(-1)` runs before `begin`), 0 when absent. */
function sequence(point: ProbePointIR): bigint {
  const arg = point.components[0].arg;
  if (typeof arg === 'bigint') return arg;
  return 0n;
}

export function buildPlan(input: ProgramIR, options: PlanOptions = {}): PlanIR {
  // sugar (++, op=, shift counts) rewritten into the core operations every executor implements
  const completed = completeStatsUse(desugarProgram(input));
  checkHistogramSizes(completed);
  // one-line helper functions become their expression (see inline-calls.ts)
  const program: ProgramIR = { ...completed, probes: completed.probes.map((p) => ({ ...p, handler: inlineSimpleCalls(completed, p.handler) })) };
  const begin: Array<PlannedHandler & { seq: bigint }> = [];
  const end: Array<PlannedHandler & { seq: bigint }> = [];
  const error: PlannedHandler[] = [];
  const timers: TimerProbeIR[] = [];
  const sites: ProbeSiteIR[] = [];
  const lifecycle: LifecycleProbeIR[] = [];
  let siteIds = 0;
  const resolveContext: ResolveContext = { program, targetPid: options.targetPid, nextSiteId: () => siteIds++ };

  for (const probe of program.probes) {
    const needs = handlerNeeds(program, probe.handler);
    for (const point of probe.points) {
      const kind = point.components[0]?.name;
      const planned: PlannedHandler = { probe: probe.index, pp: point.text, handler: probe.handler, needs };
      switch (kind) {
        case 'begin':
          begin.push({ ...planned, seq: sequence(point) });
          break;
        case 'end':
          end.push({ ...planned, seq: sequence(point) });
          break;
        case 'error':
          error.push(planned);
          break;
        case 'never':
          break;
        case 'timer':
          timers.push({ ...planned, ...timerSchedule(point) });
          break;
        case 'process': {
          const event = lifecycleEventOf(point);
          if (event) {
            const arg = lifecycleProcessArg(point);
            const program = arg === undefined ? undefined : options.resolveProgram ? options.resolveProgram(arg, point) : typeof arg === 'string' ? arg : undefined;
            lifecycle.push(lifecycleProbe(planned, event, siteIds++, program));
            break;
          }
          if (!options.resolveProcessProbe) {
            if (point.optional) break;
            throw new UtapError(`probe ${point.text} (${where(point)}) is inside a process, and this plan resolves no process probes (it was built without a resolver).`, EXIT_ENVIRONMENT);
          }
          let found: ProbeSiteIR[];
          try {
            found = options.resolveProcessProbe(probe, point, resolveContext);
          } catch (e) {
            // an optional point utap cannot place (an unknown form, a missing program) is dropped, as in SystemTap;
            // not when the -p/-c target itself cannot be traced (a bare `process.` point names the target)
            if (!point.optional || !(e instanceof UtapError)) throw e;
            if (e.status === EXIT_ENVIRONMENT && point.components[0]?.arg === undefined) throw e;
            options.log?.(`optional probe point ${point.text} dropped: ${e.message.split('\n')[0]}`);
            break;
          }
          if (found.length === 0 && !point.optional) throw scriptError(point, `probe point '${point.text}' matches nothing; check the names with utap -l, or end the point with '?' to make it optional.`);
          sites.push(...found);
          break;
        }
        default:
          throw scriptError(point, `'${point.text}' is not a probe point utap knows (begin, end, error, never, timer.*, process.*).`);
      }
    }
  }
  // Stable sorts keep script order among equal sequence numbers.
  const bySeq = (a: { seq: bigint }, b: { seq: bigint }) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0);
  const strip = ({ seq: _seq, ...h }: PlannedHandler & { seq: bigint }): PlannedHandler => h;
  return {
    program,
    begin: begin.sort(bySeq).map(strip),
    end: end.sort(bySeq).map(strip),
    error,
    timers,
    sites,
    ...(lifecycle.length > 0 && { lifecycle }),
  };
}
