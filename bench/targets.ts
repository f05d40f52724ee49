// The benchmark targets (runtime-c/bench/*.c, built into build/bench/) and what each offers a
// tracer: the function every probe-placing tool probes, the system call strace traces, the
// library call ltrace traces. Each target runs its loop EVENTS times and reports how long it took.
import * as path from 'node:path';
import { benchBuild } from './paths';

export type TargetName = 'emulated' | 'stepped' | 'plt-call' | 'syscall' | 'threads' | 'client' | 'marker';

export interface Target {
  name: TargetName;
  /** One line for the report. */
  description: string;
  executable: string;
  /** The function probed by utap, bpftrace, gdb, tracefs and the floors; in `library` if set. */
  probeFunction: string;
  library?: string;
  /** A system call made once per event (strace). */
  syscall?: string;
  /** A library function called through the PLT once per event (ltrace). */
  pltFunction?: string;
  /** An SDT marker hit once per event (utap .mark, bpftrace usdt). */
  marker?: { provider: string; name: string };
  multiThreaded: boolean;
  /** Events per run for a tool costing ~1 µs per hit, in a full run (cheaper targets get more). */
  baseEvents: number;
}

export const TARGETS: Target[] = [
  {
    name: 'emulated', description: 'bench_emulated(): first instruction push %rbp, emulated by uprobes (one trap per hit)',
    executable: path.join(benchBuild, 'emulated'), probeFunction: 'bench_emulated', multiThreaded: false, baseEvents: 400_000,
  },
  {
    name: 'stepped', description: 'bench_stepped(): first instruction lea, single-stepped by uprobes (two traps per hit)',
    executable: path.join(benchBuild, 'stepped'), probeFunction: 'bench_stepped', multiThreaded: false, baseEvents: 100_000,
  },
  {
    name: 'plt-call', description: 'bench_lib_add() in libbenchlib.so, called through the PLT',
    executable: path.join(benchBuild, 'plt-call'), probeFunction: 'bench_lib_add', library: path.join(benchBuild, 'libbenchlib.so'),
    pltFunction: 'bench_lib_add', multiThreaded: false, baseEvents: 400_000,
  },
  {
    name: 'syscall', description: 'bench_syscall(): one getppid(2) per call',
    executable: path.join(benchBuild, 'syscall-loop'), probeFunction: 'bench_syscall', syscall: 'getppid', multiThreaded: false, baseEvents: 200_000,
  },
  {
    name: 'marker', description: 'bench_marker(): one SDT marker (utap_bench:tick) per call',
    executable: path.join(benchBuild, 'marker'), probeFunction: 'bench_marker', marker: { provider: 'utap_bench', name: 'tick' }, multiThreaded: false, baseEvents: 400_000,
  },
  {
    name: 'threads', description: 'bench_threaded() (push %rbp) called from 2 threads at once',
    executable: path.join(benchBuild, 'threads'), probeFunction: 'bench_threaded', multiThreaded: true, baseEvents: 400_000,
  },
  {
    name: 'client', description: 'send_query(fd, query): a client sending SQL text to a forked server and reading each answer',
    executable: path.join(benchBuild, 'client'), probeFunction: 'send_query', syscall: 'sendto', pltFunction: 'send', multiThreaded: false, baseEvents: 30_000,
  },
];

/** The binary holding the probed function (the library for plt-call). */
export function probeBinary(target: Target): string {
  return target.library ?? target.executable;
}
