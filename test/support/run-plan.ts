// Runs a hand-built program through the planner and a Session, collecting what it prints.
import type { ProgramIR } from '../../tracer/ir/ir';
import { buildPlan, type PlanOptions } from '../../tracer/plan/plan';
import { MemorySink } from '../../tracer/runtime/output-sink';
import { Session, type SessionOptions } from '../../tracer/runtime/session';

export interface PlanRun {
  stdout: string;
  stderr: string;
  status: number;
  session: Session;
}

/**
 * begin → `drive(session)` (fire timers, hits...) → finish. Output is a byte string; `json`
 * selects --json.
 */
export function runProgram(
  program: ProgramIR,
  options: Omit<SessionOptions, 'output' | 'errors'> & { drive?: (s: Session) => void; plan?: PlanOptions } = {},
): PlanRun {
  const out = new MemorySink();
  const err = new MemorySink();
  const session = new Session(buildPlan(program, options.plan), { ...options, output: out, errors: err });
  session.begin();
  if (session.running) options.drive?.(session);
  const status = session.finish();
  return { stdout: out.text, stderr: err.text, status, session };
}
