// BPF_PROG_LOAD: program text in, fd out. On rejection the verifier's log comes back with the
// error (VerifierError), so the caller can show it and point at the script line behind the
// failing instruction.
import { progLoadAttr } from './bpf-attr';
import { BpfError, bpfTry, closeFd } from './bpf-syscall';
import { encodeInsns, type Insn } from './insn';
import { objPin } from './map';
import * as U from './uapi';

export interface ProgramSpec {
  type: number;
  name: string;
  insns: readonly Insn[];
  /** bpf_probe_read_user and friends are GPL-only helpers. */
  license?: string;
  expectedAttachType?: number;
  /** prog_flags (BPF_F_SLEEPABLE). */
  flags?: number;
}

export class VerifierError extends Error {
  constructor(readonly program: string, readonly errno: number, readonly log: string) {
    super(`the kernel's verifier rejected BPF program ${program}: ${lastLogLine(log)}`);
    this.name = 'VerifierError';
  }

  /** Index of the instruction the verifier stopped at (its last `N: (xx) ...` line), if any. */
  get failedInsn(): number | undefined {
    let last: number | undefined;
    for (const m of this.log.matchAll(/^(\d+): \([0-9a-f]{2}\)/gm)) last = Number(m[1]);
    return last;
  }
}

function lastLogLine(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l && !/^processed \d+ insns/.test(l) && !/^verification time/.test(l) && !/^stack depth/.test(l));
  return lines[lines.length - 1] ?? 'no log';
}

export class BpfProgram {
  private closed = false;
  constructor(readonly fd: number, readonly name: string, readonly insnCount: number) {}

  pin(path: string): void {
    objPin(this.fd, path);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeFd(this.fd);
  }
}

const LOG_SIZE = 4 << 20;
const EAGAIN = 11;
const LOAD_ATTEMPTS = 5;

function attemptLoad(spec: ProgramSpec, text: Buffer, license: Buffer, log: Buffer | null): number {
  const attr = progLoadAttr({
    progType: spec.type, insns: text, insnCnt: spec.insns.length, license, log, progFlags: spec.flags, progName: spec.name, expectedAttachType: spec.expectedAttachType,
  });
  // The verifier gives up with EAGAIN when a signal arrives while it works (a profiler's SIGPROF,
  // a timer): that is no verdict on the program, so try again, as libbpf does.
  for (let attempt = 1; ; attempt++) {
    const fd = bpfTry(U.BPF_PROG_LOAD, attr, text, license, log);
    if (fd !== -EAGAIN || attempt === LOAD_ATTEMPTS) return fd;
  }
}

/** Loads a program; throws VerifierError (with the log) when the verifier rejects it. */
export function loadProgram(spec: ProgramSpec): BpfProgram {
  const text = encodeInsns(spec.insns);
  const license = Buffer.from(`${spec.license ?? 'GPL'}\0`, 'latin1');
  let fd = attemptLoad(spec, text, license, null);
  if (fd >= 0) return new BpfProgram(fd, spec.name, spec.insns.length);
  const firstErrno = -fd;
  // Again with a log, which costs verification time only on the failing path.
  const log = Buffer.alloc(LOG_SIZE);
  fd = attemptLoad(spec, text, license, log);
  if (fd >= 0) return new BpfProgram(fd, spec.name, spec.insns.length);
  const end = log.indexOf(0);
  const logText = log.toString('latin1', 0, end < 0 ? log.length : end);
  if (firstErrno === 1 && logText === '') throw new BpfError(`loading BPF program ${spec.name}`, firstErrno);
  throw new VerifierError(spec.name, -fd, logText);
}
