// The user-stack unwinder behind ubacktrace(): from the registers of a stopped thread, walk the
// caller frames with CFI (.eh_frame / .debug_frame), falling back to the frame-pointer chain
// where no CFI covers a pc. It reads memory only through the reader it is given.
import type { CallFrameInfo } from './cfi';
import { defaultRule, unwindRowAt, type RegisterRule, type UnwindRow } from './cfi-table';
import { ConcreteDomain, Evaluation, evaluateWith } from './evaluation';
import { X86_64_DWARF } from './registers';

/** The code a run-time pc belongs to: that file's CFI and its load bias (run-time − link-time address). */
export interface UnwindModule {
  cfi: CallFrameInfo;
  bias: bigint;
}

export interface UnwindInput {
  /** Registers of the stopped thread by DWARF number (at least rip=16, rsp=7; rbp=6 for the fallback). */
  registers: Map<number, bigint>;
  /** Reads a little-endian 8-byte word; undefined when the address is not readable. */
  readWord(address: bigint): bigint | undefined;
  /** The module holding a run-time pc, or undefined (then only the frame-pointer chain is tried). */
  moduleAt(pc: bigint): UnwindModule | undefined;
  /** Frames to produce at most (default 64). */
  maxFrames?: number;
}

export interface Frame {
  /** Frame 0: the current pc; then each caller's return address. */
  pc: bigint;
  /** How this frame's caller was found: CFI, frame pointer, or none (last frame). */
  method: 'cfi' | 'frame-pointer' | 'end';
}

const RIP = X86_64_DWARF.rip;
const RSP = X86_64_DWARF.rsp;
const RBP = X86_64_DWARF.rbp;

/** Walks the stack; stops at the outermost frame, on an unreadable word, or at maxFrames. */
export function unwindStack(input: UnwindInput): Frame[] {
  const frames: Frame[] = [];
  let regs = new Map(input.registers);
  const max = input.maxFrames ?? 64;
  for (let depth = 0; depth < max; depth++) {
    const pc = regs.get(RIP);
    if (pc === undefined || pc === 0n) break;
    // A return address points after the call; look up the call itself so a call that ends a
    // function (noreturn callee) is not attributed to the next one.
    const lookupPc = depth === 0 ? pc : pc - 1n;
    const module = input.moduleAt(lookupPc);
    let next: Map<number, bigint> | undefined;
    let method: Frame['method'] = 'end';
    const fde = module?.cfi.fdeFor(lookupPc - module.bias);
    if (module && fde) {
      next = callerByCfi(unwindRowAt(fde, lookupPc - module.bias), regs, input, module.bias);
      method = 'cfi';
    } else {
      next = callerByFramePointer(regs, input);
      method = 'frame-pointer';
    }
    if (!next) {
      frames.push({ pc, method: 'end' });
      break;
    }
    frames.push({ pc, method });
    const sp = regs.get(RSP);
    const callerSp = next.get(RSP);
    // The stack grows down: a caller's frame is above the callee's. Anything else is a loop.
    if (sp !== undefined && callerSp !== undefined && callerSp <= sp) break;
    regs = next;
  }
  return frames;
}

function callerByCfi(row: UnwindRow, regs: Map<number, bigint>, input: UnwindInput, bias: bigint): Map<number, bigint> | undefined {
  let cfa: bigint | undefined;
  if (row.cfa.kind === 'registerOffset') {
    const base = regs.get(row.cfa.register);
    if (base === undefined) return undefined;
    cfa = BigInt.asUintN(64, base + row.cfa.offset);
  } else {
    cfa = evaluateValue(row.cfa.expression, regs, input, bias, undefined);
  }
  if (cfa === undefined) return undefined;
  const next = new Map<number, bigint>();
  const wanted = new Set<number>([...regs.keys(), ...row.registers.keys(), row.returnAddressRegister]);
  for (const register of wanted) {
    const rule: RegisterRule = row.registers.get(register) ?? defaultRule(register);
    const value = applyRule(rule, register, cfa, regs, input, bias);
    if (value !== undefined) next.set(register, value);
  }
  const ra = next.get(row.returnAddressRegister);
  if (ra === undefined || row.registers.get(row.returnAddressRegister)?.kind === 'undefined') return undefined;
  next.set(RIP, ra);
  next.set(RSP, cfa);
  return next;
}

function applyRule(rule: RegisterRule, register: number, cfa: bigint, regs: Map<number, bigint>, input: UnwindInput, bias: bigint): bigint | undefined {
  switch (rule.kind) {
    case 'undefined': return undefined;
    case 'sameValue': return regs.get(register);
    case 'offset': return input.readWord(BigInt.asUintN(64, cfa + rule.offset));
    case 'valOffset': return BigInt.asUintN(64, cfa + rule.offset);
    case 'register': return regs.get(rule.register);
    case 'expression': {
      const address = evaluateValue(rule.expression, regs, input, bias, cfa);
      return address === undefined ? undefined : input.readWord(address);
    }
    case 'valExpression': return evaluateValue(rule.expression, regs, input, bias, cfa);
  }
}

/** Runs a CFI expression (with the CFA pushed first when given) to a value. */
function evaluateValue(expression: Uint8Array, regs: Map<number, bigint>, input: UnwindInput, bias: bigint, cfa: bigint | undefined): bigint | undefined {
  const evaluation = new Evaluation(expression, ConcreteDomain, { section: '.eh_frame' });
  if (cfa !== undefined) evaluation.pushInitial(cfa);
  class Unavailable extends Error {}
  try {
    const pieces = evaluateWith(evaluation, {
      register: (n) => {
        const v = regs.get(n);
        if (v === undefined) throw new Unavailable();
        return v;
      },
      memory: (address, size) => {
        const word = input.readWord(address);
        if (word === undefined) throw new Unavailable();
        return size >= 8 ? word : word & ((1n << BigInt(size * 8)) - 1n);
      },
      frameBase: () => { throw new Unavailable(); },
      callFrameCfa: () => {
        if (cfa === undefined) throw new Unavailable();
        return cfa;
      },
      entryValue: () => { throw new Unavailable(); },
      relocate: (address) => address + bias,
    });
    const loc = pieces[0]?.location;
    if (loc?.kind === 'memory') return loc.address;
    if (loc?.kind === 'value') return loc.value;
    if (loc?.kind === 'register') return regs.get(loc.register);
    return undefined;
  } catch (e) {
    if (e instanceof Unavailable) return undefined;
    throw e;
  }
}

/** Classic frame-pointer chain: [rbp] is the caller's rbp, [rbp+8] the return address. */
function callerByFramePointer(regs: Map<number, bigint>, input: UnwindInput): Map<number, bigint> | undefined {
  const rbp = regs.get(RBP);
  if (rbp === undefined || rbp === 0n || (rbp & 7n) !== 0n) return undefined;
  const ra = input.readWord(rbp + 8n);
  const callerRbp = input.readWord(rbp);
  if (ra === undefined || callerRbp === undefined || ra === 0n) return undefined;
  const next = new Map<number, bigint>();
  next.set(RIP, ra);
  next.set(RBP, callerRbp);
  next.set(RSP, rbp + 16n);
  return next;
}
