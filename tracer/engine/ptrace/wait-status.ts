// The int waitpid() fills in, decoded (<sys/wait.h> macros; ptrace events in bits 16-23).

export type WaitStatus =
  | { kind: 'exited'; code: number }
  | { kind: 'killed'; signal: number; coreDumped: boolean }
  /** signal: the stop signal (SIGTRAP for breakpoints and events); event: PTRACE_EVENT_* or 0. */
  | { kind: 'stopped'; signal: number; event: number }
  | { kind: 'continued' };

export function decodeWaitStatus(status: number): WaitStatus {
  const low = status & 0x7f;
  if (low === 0) return { kind: 'exited', code: (status >> 8) & 0xff };
  if ((status & 0xff) === 0x7f) return { kind: 'stopped', signal: (status >> 8) & 0xff, event: (status >> 16) & 0xff };
  if (status === 0xffff) return { kind: 'continued' };
  return { kind: 'killed', signal: low, coreDumped: (status & 0x80) !== 0 };
}
