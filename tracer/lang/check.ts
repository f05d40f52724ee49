// The checker: syntax trees → ProgramIR, as three passes over the one AST, each in its own
// module (as bpftrace's ast/passes do):
//
//   resolve.ts  names: script and tapset definitions, probe aliases expanded, implied globals
//   types.ts    meaning: every symbol's shape and type, learned to a fixpoint; every misuse rejected
//   lower.ts    the handler IR, built from the checked tree
//
// Errors are collected (diagnostic.ts): each pass reports every independent mistake it finds,
// and the next pass runs only when the one before found none.
import type { Limits, ProgramIR } from '../ir/ir';
import type { AstFile } from './ast';
import type { Diagnostics } from './diagnostic';
import { lowerProgram } from './lower';
import { resolveNames } from './resolve';
import type { TapsetLibrary } from './tapsets';
import { inferTypes } from './types';

export interface CheckInput {
  script: AstFile;
  limits: Limits;
  guru: boolean;
  tapsets: TapsetLibrary;
  diag: Diagnostics;
  /** -p or -c was given (false: neither; undefined: not known). */
  hasTarget?: boolean;
}

export function checkProgram(input: CheckInput): ProgramIR {
  const { diag } = input;
  const resolved = resolveNames(input.script, input.tapsets, diag, input.hasTarget);
  diag.throwIfAny();
  inferTypes({ resolved, guru: input.guru, diag });
  diag.throwIfAny();
  return lowerProgram({ resolved, limits: input.limits, guru: input.guru, sources: diag.sources });
}
