// What the kernel handlers tell userspace through the ring buffer. Each record names one of
// these specs by id; the userspace side turns it into a Session hit (printf, print, exit, the
// script's error(), a runtime error the kernel detected, or an event-mode hit or entry).
import type { ContextValue, RegName, ScalarType, SourceLoc } from '../ir/ir';
import type { RecordField } from './layout';

export type KernelErrorKind = 'divisionByZero' | 'readFault' | 'userStringFault' | 'arrayOverflow';

export type RecordSpec =
  | { id: number; site: number; kind: 'printf'; format: number; fields: RecordField[]; loc: SourceLoc }
  | { id: number; site: number; kind: 'print'; newline: boolean; fields: RecordField[]; loc: SourceLoc }
  | { id: number; site: number; kind: 'exit'; fields: RecordField[]; loc: SourceLoc }
  /** The script's error(msg): fields[0] is the message. */
  | { id: number; site: number; kind: 'scriptError'; fields: RecordField[]; loc: SourceLoc }
  /** A runtime error found in the kernel; fields[0] is the faulting address where there is one. */
  | { id: number; site: number; kind: 'kernelError'; error: KernelErrorKind; size?: number; global?: number; fields: RecordField[]; loc: SourceLoc }
  /**
   * An event-mode hit: the registers and context values the handler needs, in that order; then,
   * at a return site whose entry captures the kernel keeps, the entry values (`entries`); then
   * three fields per `reads` entry: the target memory the handler reads, read at the hit; then,
   * when `stack` > 0 (a backtrace), the user stack from the stack pointer: three fields, its
   * address (rsp rounded down to STACK_CHUNK), the bytes read, and a `stack`-byte field.
   */
  | { id: number; site: number; kind: 'event'; regs: RegName[]; context: ContextValue[]; entries: ScalarType[]; reads: EventRead[]; stack: number; fields: RecordField[] }
  /** The function entry of an event-mode return site: what its entry captures need (entries is empty). */
  | { id: number; site: number; kind: 'entry'; regs: RegName[]; context: ContextValue[]; entries: ScalarType[]; reads: EventRead[]; stack: number; fields: RecordField[] };

/**
 * The user stack is read in chunks of this many bytes from a STACK_CHUNK-aligned address, up to
 * the first that faults: an aligned chunk never straddles the end of the stack's mapping.
 */
export const STACK_CHUNK = 512;

/**
 * A target-memory read an event record carries, in three fields: status (EVENT_READ_OK,
 * EVENT_READ_FAULT, EVENT_READ_SKIPPED), the address, then the bytes: `size` bytes for a long
 * read (in a long field), the NUL-terminated string for a string read (a string field).
 */
export interface EventRead {
  type: 'long' | 'string';
  /** A long read's byte count; for strings the string field's size. */
  size: number;
  /** What the script wrote, for -v: `user_string`, `4-byte read`. */
  what: string;
  loc: SourceLoc;
}

/** The read was done; its bytes follow. */
export const EVENT_READ_OK = 0;
/** The read faulted at the shipped address (the handler gets the error only if it does this read). */
export const EVENT_READ_FAULT = 1;
/** Its address could not be computed (a read it depends on faulted, a division by zero): the handler fails earlier. */
export const EVENT_READ_SKIPPED = 2;
