// Runtime errors of a script (SystemTap's c->last_error): they abort the handler that raised
// them and end the session through the `error` probes. Messages keep SystemTap's wording.
import type { SourceLoc } from '../ir/ir';

export class ScriptRuntimeError extends Error {
  constructor(message: string, readonly loc: SourceLoc) {
    super(message);
    this.name = 'ScriptRuntimeError';
  }
}

export const MESSAGES = {
  divisionByZero: 'division by 0',
  maxAction: 'MAXACTION exceeded',
  maxNesting: 'MAXNESTING exceeded',
  emptyAggregate: 'empty aggregate',
  arrayOverflow: (capacity: number, declared: boolean) => `Array overflow, check ${declared ? `size limit (${capacity})` : 'MAXMAPENTRIES'}`,
  userStringFault: (address: bigint) => `user string copy fault -14 at 0x${address.toString(16)}`,
  readFault: (address: bigint, length: number) => `read fault at 0x${address.toString(16)} (${length} bytes)`,
  writeFault: (address: bigint, length: number) => `write fault at 0x${address.toString(16)} (${length} bytes)`,
  noThread: (what: string, pp: string) => `${what} is not available in probe ${pp}: it has no thread`,
} as const;

/** `next` inside a script function: unwinds to the handler, which ends quietly. */
export const NEXT_SIGNAL: unique symbol = Symbol('next');

/** A context read that cannot be answered here (a register in `begin`); the runtime adds the location. */
export class NoThreadError extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = 'NoThreadError';
  }
}
