// What the kernel handlers tell userspace through the ring buffer. Each record names one of
// these specs by id; the userspace side turns it into a Session hit (printf, print, exit, the
// script's error(), a runtime error the kernel detected, or an event-mode hit or entry).
import type { ContextValue, RegName, SourceLoc } from '../../tracer/ir/ir';
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
  /** An event-mode hit: the registers and context values the handler needs, in that order. */
  | { id: number; site: number; kind: 'event'; regs: RegName[]; context: ContextValue[]; fields: RecordField[] }
  /** The function entry of an event-mode return site: what its entry captures need. */
  | { id: number; site: number; kind: 'entry'; regs: RegName[]; context: ContextValue[]; fields: RecordField[] };
