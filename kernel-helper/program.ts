// BPF_PROG_LOAD: program text in, fd out. On rejection the verifier's log comes back with the
// error (VerifierError), so the caller can show it and point at the script line behind the
// failing instruction.
import { bpfAttr, bpfCall, BpfError, closeFd } from './bpf-syscall';
import { encodeInsns, type Insn } from './insn';
import { addressOf, errno, sys } from './libc';
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
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    (require('./map') as typeof import('./map')).objPin(this.fd, path);
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
  const attr = bpfAttr();
  attr.writeUInt32LE(spec.type, 0);
  attr.writeUInt32LE(spec.insns.length, 4);
  attr.writeBigUInt64LE(addressOf(text), 8);
  attr.writeBigUInt64LE(addressOf(license), 16);
  if (log) {
    attr.writeUInt32LE(1, 24); // log_level
    attr.writeUInt32LE(log.length, 28);
    attr.writeBigUInt64LE(addressOf(log), 32);
  }
  attr.writeUInt32LE(spec.flags ?? 0, 44); // prog_flags
  attr.write(spec.name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, U.BPF_OBJ_NAME_LEN - 1), 48, 'latin1'); // prog_name
  attr.writeUInt32LE(spec.expectedAttachType ?? 0, 68); // expected_attach_type
  // The verifier gives up with EAGAIN when a signal arrives while it works (a profiler's SIGPROF,
  // a timer): that is no verdict on the program, so try again, as libbpf does.
  for (let attempt = 1; ; attempt++) {
    const fd = Number(sys.syscallIntPtrUint(U.__NR_bpf, U.BPF_PROG_LOAD, attr, attr.length));
    if (fd >= 0) return fd;
    const e = errno();
    if (e !== EAGAIN || attempt === LOAD_ATTEMPTS) return -e;
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
