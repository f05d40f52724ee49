// The ProbeContext of probes that fire outside the target (begin, end, error, timers): there is
// no thread, so registers, user memory and entry values do not exist. The checker rejects such
// reads; if one happens anyway it is a clean runtime error, never a crash. Process values are
// utap's own, as SystemTap's begin probes see staprun's.
import type { ContextValue, RegName } from '../ir/ir';
import type { ProbeContext } from './probe-context';
import { MESSAGES, NoThreadError } from './runtime-error';

/** Wall-clock time in ns with microsecond resolution, without a system call. */
export function wallClockNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/**
 * A context with no stopped thread behind it: registers, user memory, entry and captured values
 * are not there, and asking is a clean runtime error naming the probe point (`pp`).
 */
export abstract class ThreadlessContext implements ProbeContext {
  abstract readonly pid: number;
  abstract readonly tid: number;

  constructor(protected readonly pp: string) {}

  private missing(what: string): never {
    throw new NoThreadError(MESSAGES.noThread(what, this.pp));
  }

  reg(name: RegName): bigint {
    return this.missing(`register ${name}`);
  }
  readMemory(_address: bigint, _length: number): Uint8Array {
    return this.missing('user memory');
  }
  writeReg(name: RegName, _value: bigint): void {
    this.missing(`register ${name}`);
  }
  writeMemory(_address: bigint, _bytes: Uint8Array): void {
    this.missing('user memory');
  }
  entryValue(_index: number): bigint {
    return this.missing('an @entry value');
  }
  captured(_index: number): bigint {
    return this.missing('a captured value');
  }

  abstract context(what: ContextValue): bigint | number | string;
}

export class NoThreadContext extends ThreadlessContext {
  readonly tid = process.pid;
  readonly pid = process.pid;

  /** `pp` is the probe point's text, for messages; `targetPid` what target() returns (0: none). */
  constructor(pp: string, private readonly targetPid = 0) {
    super(pp);
  }

  context(what: ContextValue): bigint | number | string {
    switch (what) {
      case 'tid':
      case 'pid':
        return process.pid;
      case 'ppid':
        return process.ppid;
      case 'uid':
        return process.getuid?.() ?? 0;
      case 'euid':
        return process.geteuid?.() ?? 0;
      case 'gid':
        return process.getgid?.() ?? 0;
      case 'cpu':
        return 0;
      case 'target':
        return this.targetPid;
      case 'execname':
        return 'utap';
      case 'walltime_ns':
        return wallClockNs();
      case 'monotonic_ns':
        return process.hrtime.bigint();
      case 'pp':
        return this.pp;
      case 'probefunc':
        return '';
      case 'uaddr':
        return 0;
      case 'ubacktrace':
        return '';
    }
  }
}
