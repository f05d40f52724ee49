// The unwind rule table of one FDE (DWARF 5 §6.4.1): running the CIE's initial instructions and
// the FDE's instructions gives, for each pc range, how to compute the CFA and where each register
// of the caller was saved.
import { ByteReader } from '../byte-reader';
import type { FrameDescriptionEntry } from './cfi';
import { readEncodedPointer } from './cfi';
import { DW_CFA, DW_CFA_PRIMARY } from './cfi-constants';
import { dwName } from './constants';

export type CfaRule =
  | { kind: 'registerOffset'; register: number; offset: bigint }
  /** DW_CFA_def_cfa_expression: the CFA is the value the expression computes. */
  | { kind: 'expression'; expression: Uint8Array };

export type RegisterRule =
  | { kind: 'undefined' }
  | { kind: 'sameValue' }
  /** Saved at address CFA + offset. */
  | { kind: 'offset'; offset: bigint }
  /** The value is CFA + offset. */
  | { kind: 'valOffset'; offset: bigint }
  /** The value is in another register. */
  | { kind: 'register'; register: number }
  /** Saved at the address the expression computes (with the CFA pushed first). */
  | { kind: 'expression'; expression: Uint8Array }
  /** The value is what the expression computes (with the CFA pushed first). */
  | { kind: 'valExpression'; expression: Uint8Array };

export interface UnwindRow {
  /** [start, end): the pcs this row applies to. */
  start: bigint;
  end: bigint;
  cfa: CfaRule;
  /** Rules for registers the CFI mentions; others follow the ABI's default (see defaultRule). */
  registers: Map<number, RegisterRule>;
  returnAddressRegister: number;
  signalFrame: boolean;
}

interface State {
  cfa: CfaRule;
  registers: Map<number, RegisterRule>;
}

function copyState(s: State): State {
  return { cfa: s.cfa, registers: new Map(s.registers) };
}

/**
 * Runs `instructions`, calling `onRow` with the state in force before each advance of the
 * location (and once at the end). Returns false from `onRow` to stop early.
 */
function execute(
  fde: FrameDescriptionEntry,
  instructions: Uint8Array,
  instructionsOffset: number,
  state: State,
  initial: State | undefined,
  startLocation: bigint,
  onRow: (start: bigint, end: bigint, state: State) => boolean,
): bigint {
  const cie = fde.cie;
  const r: ByteReader = new ByteReader(instructions, fde.section, instructionsOffset);
  const stack: State[] = [];
  let location = startLocation;
  const dataAlign = cie.dataAlignment;
  const codeAlign = cie.codeAlignment;
  const advanceTo = (next: bigint): boolean => {
    if (next > location) {
      if (!onRow(location, next, state)) return false;
    }
    location = next;
    return true;
  };
  const restoreRule = (register: number): void => {
    const rule = initial?.registers.get(register);
    if (rule) state.registers.set(register, rule);
    else state.registers.delete(register);
  };
  const setCfaOffset = (offset: bigint, at: number): void => {
    const cfa = state.cfa;
    if (cfa.kind !== 'registerOffset') return r.fail('DW_CFA_def_cfa_offset while the CFA is an expression', at);
    state.cfa = { kind: 'registerOffset', register: cfa.register, offset };
  };
  while (!r.atEnd()) {
    const at = r.offset;
    const byte = r.u8();
    const high = byte & 0xc0;
    const low = byte & 0x3f;
    if (high === DW_CFA_PRIMARY.DW_CFA_advance_loc) {
      if (!advanceTo(location + BigInt(low) * codeAlign)) return location;
      continue;
    }
    if (high === DW_CFA_PRIMARY.DW_CFA_offset) {
      state.registers.set(low, { kind: 'offset', offset: r.ulebBig() * dataAlign });
      continue;
    }
    if (high === DW_CFA_PRIMARY.DW_CFA_restore) {
      restoreRule(low);
      continue;
    }
    switch (byte) {
      case DW_CFA.DW_CFA_nop: break;
      case DW_CFA.DW_CFA_set_loc: {
        const next = fde.section === '.eh_frame'
          ? readEncodedPointer(r, cie.fdeEncoding, { pc: 0n }, cie.addressSize)
          : r.uSized(cie.addressSize);
        if (!advanceTo(next)) return location;
        break;
      }
      case DW_CFA.DW_CFA_advance_loc1: if (!advanceTo(location + BigInt(r.u8()) * codeAlign)) return location; break;
      case DW_CFA.DW_CFA_advance_loc2: if (!advanceTo(location + BigInt(r.u16()) * codeAlign)) return location; break;
      case DW_CFA.DW_CFA_advance_loc4: if (!advanceTo(location + BigInt(r.u32()) * codeAlign)) return location; break;
      case DW_CFA.DW_CFA_MIPS_advance_loc8: if (!advanceTo(location + r.u64() * codeAlign)) return location; break;
      case DW_CFA.DW_CFA_offset_extended: { const reg = r.uleb(); state.registers.set(reg, { kind: 'offset', offset: r.ulebBig() * dataAlign }); break; }
      case DW_CFA.DW_CFA_offset_extended_sf: { const reg = r.uleb(); state.registers.set(reg, { kind: 'offset', offset: r.slebBig() * dataAlign }); break; }
      case DW_CFA.DW_CFA_GNU_negative_offset_extended: { const reg = r.uleb(); state.registers.set(reg, { kind: 'offset', offset: -(r.ulebBig() * dataAlign) }); break; }
      case DW_CFA.DW_CFA_restore_extended: restoreRule(r.uleb()); break;
      case DW_CFA.DW_CFA_undefined: state.registers.set(r.uleb(), { kind: 'undefined' }); break;
      case DW_CFA.DW_CFA_same_value: state.registers.set(r.uleb(), { kind: 'sameValue' }); break;
      case DW_CFA.DW_CFA_register: { const reg = r.uleb(); state.registers.set(reg, { kind: 'register', register: r.uleb() }); break; }
      case DW_CFA.DW_CFA_remember_state: stack.push(copyState(state)); break;
      case DW_CFA.DW_CFA_restore_state: {
        const saved = stack.pop();
        if (!saved) return r.fail('DW_CFA_restore_state without a remembered state', at);
        state.cfa = saved.cfa;
        state.registers = saved.registers;
        break;
      }
      case DW_CFA.DW_CFA_def_cfa: { const register = r.uleb(); state.cfa = { kind: 'registerOffset', register, offset: r.ulebBig() }; break; }
      case DW_CFA.DW_CFA_def_cfa_sf: { const register = r.uleb(); state.cfa = { kind: 'registerOffset', register, offset: r.slebBig() * dataAlign }; break; }
      case DW_CFA.DW_CFA_def_cfa_register: {
        const register = r.uleb();
        state.cfa = { kind: 'registerOffset', register, offset: state.cfa.kind === 'registerOffset' ? state.cfa.offset : 0n };
        break;
      }
      case DW_CFA.DW_CFA_def_cfa_offset: setCfaOffset(r.ulebBig(), at); break;
      case DW_CFA.DW_CFA_def_cfa_offset_sf: setCfaOffset(r.slebBig() * dataAlign, at); break;
      case DW_CFA.DW_CFA_def_cfa_expression: state.cfa = { kind: 'expression', expression: r.bytesView(r.uleb()) }; break;
      case DW_CFA.DW_CFA_expression: { const reg = r.uleb(); state.registers.set(reg, { kind: 'expression', expression: r.bytesView(r.uleb()) }); break; }
      case DW_CFA.DW_CFA_val_expression: { const reg = r.uleb(); state.registers.set(reg, { kind: 'valExpression', expression: r.bytesView(r.uleb()) }); break; }
      case DW_CFA.DW_CFA_val_offset: { const reg = r.uleb(); state.registers.set(reg, { kind: 'valOffset', offset: r.ulebBig() * dataAlign }); break; }
      case DW_CFA.DW_CFA_val_offset_sf: { const reg = r.uleb(); state.registers.set(reg, { kind: 'valOffset', offset: r.slebBig() * dataAlign }); break; }
      case DW_CFA.DW_CFA_GNU_args_size: r.uleb(); break;
      case DW_CFA.DW_CFA_GNU_window_save: break;
      default: r.fail(`unknown call frame instruction ${dwName(DW_CFA, byte)}`, at);
    }
  }
  return location;
}

function initialState(fde: FrameDescriptionEntry): State {
  const state: State = { cfa: { kind: 'registerOffset', register: 7, offset: 8n }, registers: new Map() };
  execute(fde, fde.cie.initialInstructions, fde.cie.instructionsOffset, state, undefined, fde.pcBegin, () => true);
  return state;
}

/** Every row of the FDE's table, in address order. */
export function unwindRows(fde: FrameDescriptionEntry): UnwindRow[] {
  const initial = initialState(fde);
  const state = copyState(initial);
  const rows: UnwindRow[] = [];
  const row = (start: bigint, end: bigint, s: State): UnwindRow => ({
    start, end, cfa: s.cfa, registers: new Map(s.registers), returnAddressRegister: fde.cie.returnAddressRegister, signalFrame: fde.cie.signalFrame,
  });
  const last = execute(fde, fde.instructions, fde.instructionsOffset, state, initial, fde.pcBegin, (start, end, s) => {
    if (start < fde.pcEnd) rows.push(row(start, end > fde.pcEnd ? fde.pcEnd : end, s));
    return end < fde.pcEnd;
  });
  if (last < fde.pcEnd) rows.push(row(last, fde.pcEnd, state));
  return rows;
}

/** The row in force at `pc` (which must lie in the FDE's range). */
export function unwindRowAt(fde: FrameDescriptionEntry, pc: bigint): UnwindRow {
  const initial = initialState(fde);
  const state = copyState(initial);
  let found: UnwindRow | undefined;
  const make = (start: bigint, end: bigint, s: State): UnwindRow => ({
    start, end, cfa: s.cfa, registers: new Map(s.registers), returnAddressRegister: fde.cie.returnAddressRegister, signalFrame: fde.cie.signalFrame,
  });
  const last = execute(fde, fde.instructions, fde.instructionsOffset, state, initial, fde.pcBegin, (start, end, s) => {
    if (pc >= start && pc < end) {
      found = make(start, end, s);
      return false;
    }
    return true;
  });
  return found ?? make(last, fde.pcEnd, state);
}

/**
 * The x86-64 rule for a register the CFI does not mention: callee-saved registers (rbx, rbp,
 * r12–r15) keep their values; rsp is the CFA; others are lost (undefined).
 */
export function defaultRule(register: number): RegisterRule {
  if (register === 3 || register === 6 || (register >= 12 && register <= 15)) return { kind: 'sameValue' };
  if (register === 7) return { kind: 'valOffset', offset: 0n };
  return { kind: 'undefined' };
}
