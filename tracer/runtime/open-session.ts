// What a session needs from the command line, as plain data an engine can post to a worker
// thread (structured-clone safe), and the function that turns it into a Session there.
import type { PlanIR } from '../ir/ir';
import { FdSink } from './output-sink';
import { Session, type SessionOptions } from './session';

export interface SessionSpec {
  /** --json */
  json: boolean;
  /** -o FILE: created (truncated) by openSession; stdout (fd 1) when absent. */
  outputFile?: string;
  /** The traced process (-p, or the -c child), for target(); 0 or absent without one. */
  targetPid?: number;
  /** -w: warn() prints nothing. */
  noWarnings?: boolean;
}

/**
 * A Session writing to stdout or the -o file. `extra` carries what cannot cross a thread
 * boundary (storage providers, symbolization services), supplied on the side that runs it.
 */
export function openSession(plan: PlanIR, spec: SessionSpec, extra: Omit<SessionOptions, 'output' | 'json' | 'targetPid'> = {}): Session {
  const output = spec.outputFile !== undefined ? FdSink.toFile(spec.outputFile) : new FdSink(1);
  return new Session(plan, { ...extra, output, json: spec.json, targetPid: spec.targetPid, noWarnings: spec.noWarnings });
}
