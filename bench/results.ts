// The raw results of one benchmark run, as written to bench/results/<date>.json and read back by
// the report writers and the test. Plain data; times in ns unless the name says otherwise.
import type { Spread } from './statistics';

export const RESULTS_SCHEMA = 'utap-bench/1';

export type RowStatus = 'measured' | 'skipped' | 'failed' | 'not-applicable';

export interface RunRecord {
  events: number;
  loopNs: number;
  /** The untraced loop with the same events, run just before (equal to loopNs for untraced). */
  baselineLoopNs: number;
  startupNs: number;
  tracerCpuNs: number;
  maxRssKb: number;
  wallNs: number;
}

export interface ResultRow {
  tool: string;
  target: string;
  status: RowStatus;
  /** Why a row is not measured (always set unless status is 'measured'). */
  reason?: string;
  /** The exact command of the last attempted run. */
  command?: string;
  pinned: boolean;
  eventsPerRun?: number;
  runs: RunRecord[];
  /** Loop time per event, traced (the target's own work included). */
  perEventNs?: Spread;
  /** Per event, minus the paired untraced run's: what the tool adds to each hit. */
  overheadNs?: Spread;
  /** Start-up: from starting the tool to the first probed call having returned. */
  startupMs?: Spread;
  /** A run of the same tool with one event: its fixed costs. */
  fixedRun?: Omit<RunRecord, 'baselineLoopNs'>;
  /** Tracer CPU time of the 1-event run: start-up, loading symbols, exit. */
  fixedCpuMs?: number;
  /** Median tracer CPU time (without the target's) beyond the 1-event run's, per million events. */
  tracerCpuSecPerMillion?: number;
  /** Largest peak RSS over the runs (tool and what it waited for, e.g. the target). */
  peakRssMb?: number;
  /** overheadNs.median divided by that of `ratioTo` on the same target. */
  ratioTo?: string;
  ratio?: number;
}

export interface TargetRecord {
  name: string;
  description: string;
  command: string;
  probe: { binary: string; symbol: string; vaddr: number; fileOffset: number; firstInsn: string; firstInsnLength: number };
  syscall?: string;
  pltFunction?: string;
  /** Where utap's planner puts the `.function` probe (it may skip the prologue), or why unknown. */
  utapSite?: { vaddr: number; insn: string } | { error: string };
}

export interface ToolRecord {
  name: string;
  family: string;
  compareTo?: string[];
}

export interface Machine {
  hostname: string;
  cpuModel: string;
  cpus: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  node: string;
  loadAverageAtStart: number[];
  /** Load average when the last run ended: other work on the machine during the run shows here. */
  loadAverageAtEnd?: number[];
  versions: Record<string, string>;
}

export interface BenchResults {
  schema: typeof RESULTS_SCHEMA;
  date: string;
  quick: boolean;
  commandLine: string;
  runsPerCell: number;
  durationSec: number;
  machine: Machine;
  targets: TargetRecord[];
  tools: ToolRecord[];
  rows: ResultRow[];
}
