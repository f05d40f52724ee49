// The shapes of the probe points utap runs itself, checked where they are written (the planner
// later turns them into handlers and sites). SystemTap's rules: begin, end and error take an
// optional sequence number and nothing after it (`.maxactive(N)` is for kernel return probes);
// never takes nothing; a timer is timer.UNIT(N) with an optional .randomize(M) (not for .hz);
// a process probe cannot return-probe `_start`, which never returns.
import type { AstProbePoint } from './ast';

const TIMER_UNITS = new Set(['s', 'sec', 'ms', 'msec', 'us', 'usec', 'ns', 'nsec', 'hz', 'jiffies']);

/** Why a process(...) point is refused before any binary is read, or undefined. */
export function processPointProblem(point: AstProbePoint): string | undefined {
  const names = point.components.map((c) => c.name);
  // process.begin / .end / .thread.begin / .thread.end / .syscall take nothing after them but
  // .syscall.return
  const kind = names.findIndex((n) => n === 'begin' || n === 'end' || n === 'syscall');
  if (kind > 0) {
    const rest = names.slice(kind + 1);
    if (names[kind] === 'syscall' ? rest.length > 1 || (rest.length === 1 && rest[0] !== 'return') : rest.length > 0) {
      return `process(...).${names.slice(kind).join('.')} is not a probe point: ${names[kind] === 'syscall' ? 'only .return may follow .syscall' : `nothing may follow .${names[kind]}`}.`;
    }
  }
  const fn = point.components.find((c) => c.name === 'function');
  if (fn && typeof fn.arg === 'string' && fn.arg.replace(/@.*$/, '') === '_start' && names.includes('return')) {
    return "_start cannot be probed with .return: it never returns (its stack is not a normal call's); probe its entry instead.";
  }
  return undefined;
}

/** Why `point` (begin, end, error, never or timer) is malformed, or undefined when it is fine. */
export function builtinPointProblem(point: AstProbePoint): string | undefined {
  const [first, ...rest] = point.components;
  switch (first.name) {
    case 'begin':
    case 'end':
    case 'error':
      if (first.arg !== undefined && typeof first.arg !== 'bigint') return `${first.name}(N) takes a number, the order among ${first.name} probes.`;
      if (rest.length) return `'${first.name}' takes nothing after it (found .${rest[0].name}); ${rest[0].name === 'maxactive' ? '.maxactive is only for kernel return probes' : `write ${first.name} or ${first.name}(N)`}.`;
      return undefined;
    case 'never':
      if (first.arg !== undefined || rest.length) return "'never' takes no argument and nothing after it.";
      return undefined;
    case 'timer': {
      if (first.arg !== undefined) return "'timer' takes no argument; write timer.s(N), timer.ms(N), timer.us(N), timer.ns(N), timer.hz(N) or timer.jiffies(N).";
      const [unit, extra, ...more] = rest;
      // timer.profile: every tick, or N times a second with .freq.hz(N) (SystemTap fires it on each CPU; utap, once)
      if (unit?.name === 'profile') {
        if (unit.arg === undefined && !extra) return undefined;
        const [hz, ...after] = more;
        if (unit.arg === undefined && extra?.name === 'freq' && extra.arg === undefined && hz?.name === 'hz' && typeof hz.arg === 'bigint' && hz.arg > 0n && after.length === 0) return undefined;
        return "'timer.profile' takes no argument; write timer.profile or timer.profile.freq.hz(N).";
      }
      if (!unit || !TIMER_UNITS.has(unit.name)) return `'timer${unit ? '.' + unit.name : ''}' is not a timer; write timer.s(N), timer.ms(N), timer.us(N), timer.ns(N), timer.hz(N) or timer.jiffies(N).`;
      if (typeof unit.arg !== 'bigint' || unit.arg <= 0n) return `'timer.${unit.name}(${unit.arg ?? ''})' needs a positive whole number, as in timer.${unit.name}(5).`;
      if (extra) {
        if (extra.name !== 'randomize' || more.length) return `timer.${unit.name}(N) may only be followed by .randomize(M), not .${(extra.name === 'randomize' ? more[0] : extra).name}.`;
        if (unit.name === 'hz') return 'timer.hz(N) cannot be randomized; use timer.ms(N).randomize(M).';
        if (typeof extra.arg !== 'bigint' || extra.arg <= 0n) return '.randomize(M) needs a positive whole number.';
      }
      return undefined;
    }
  }
  return undefined;
}
