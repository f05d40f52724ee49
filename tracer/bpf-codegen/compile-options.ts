// What a caller gives the eBPF generator and what it gets back: the options of one site's
// compile (map fds, record ids, the session's constants), the compiled programs with their heap
// contents, and what an event-mode program ships.
import type { ContextValue, Expr, ProbeSiteIR, ProgramIR, RegName, SourceLoc } from '../ir/ir';
import type { Insn } from '../../kernel-helper/insn';
import type { RecordSpec } from './records';

/** Map file descriptors the code refers to (0 while only checking what a handler needs). */
export interface MapFds {
  global(index: number): number;
  ring: number;
  state: number;
  heap: number;
  /** The entry-captures map of this return site. */
  entry: number;
  /**
   * The scratch of the function-entry program, when it has its own (else `heap`): userspace
   * writes the site program's literals into its heap once, and the entry program's captures
   * must not land on them.
   */
  entryHeap?: number;
  /** A system-call site's filter: the hash map (u32 tgid → u8) of the processes it fires in. */
  tgids?: number;
  /**
   * The set of traced processes (kernel-helper/process-events.ts), when the run follows a
   * target's children: the uprobe then fires in every process running the file, and a hit in a
   * process outside the set leaves at once.
   */
  traced?: number;
}

export interface HeapInit {
  size: number;
  /** Bytes to write at offsets (literals); the rest is zero. */
  fill: Array<{ offset: number; bytes: Buffer }>;
}

export interface CompiledProgram {
  insns: Insn[];
  locs: Array<SourceLoc | undefined>;
  heap: HeapInit;
  /** Load it sleepable (BPF_F_SLEEPABLE): it retries a faulting read with bpf_copy_from_user. */
  sleepable?: boolean;
}

export interface CompileOptions {
  program: ProgramIR;
  site: ProbeSiteIR;
  fds: MapFds;
  /** Allocates record ids, unique across the session's programs. */
  nextRecordId(): number;
  /** -p/-c process for target(), 0 without one. */
  targetPid: number;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC, for walltime from bpf_ktime_get_ns. */
  walltimeOffsetNs: bigint;
  /**
   * Compiling one program for several sites of a uprobe_multi link: which site hit is known only
   * at run time, as bpf_get_attach_cookie() (the site's index in its group). Record ids are then
   * nextRecordId() + cookie (the caller's allocator keeps a block of ids per record), and
   * pp()/probefunc() are read from the `siteStrings` array map (key: cookie; value: probefunc,
   * then pp, MAXSTRINGLEN bytes each).
   */
  shared?: { siteStrings: number };
  /**
   * The programs will be loaded sleepable where they read target memory: a read that
   * bpf_probe_read_user cannot do (a page the process has not touched yet, so not yet mapped)
   * is retried with bpf_copy_from_user, which faults the page in as the process's own access
   * would; only a read of memory that is not there at all then fails.
   */
  sleepable?: boolean;
  /**
   * The handler stops its process once when the state map asks for it (STATE_SNAPSHOT), so that
   * utap reads the process's mappings while it lives (a -c command whose script symbolizes).
   */
  mapsSnapshot?: boolean;
}

export interface CompiledSite {
  main: CompiledProgram;
  /** For a return site with entry captures: the program at function entry that saves them. */
  entry?: CompiledProgram;
  /** Bytes of one entry-captures value (the entry map's value size). */
  entryValueSize: number;
  records: RecordSpec[];
  /** Globals the kernel handler touches: they must live in maps. */
  globals: Set<number>;
  /** A shared program reads pp() or probefunc() from the site strings map. */
  usesSiteStrings: boolean;
}

/** What an event-mode program ships in its record. */
export interface EventProgramRequest {
  /** 'event' at the site, 'entry' at a return site's function entry (when the kernel keeps no captures). */
  kind: 'event' | 'entry';
  regs: readonly RegName[];
  context: readonly ContextValue[];
  /**
   * Target-memory reads (userRead / userString nodes) to do at the hit and ship, each after the
   * reads its address depends on; their addresses use only registers, constants, kernel-known
   * context values, entry values (with entryInKernel) and earlier reads.
   */
  reads: readonly Expr[];
  /** A return site whose entry captures the kernel keeps (compileEntryProgram): ship them too. */
  entryInKernel: boolean;
  /** Bytes of user stack to ship from the stack pointer (a multiple of STACK_CHUNK), 0 for none. */
  stackBytes: number;
}
