// DWARF expression operations (DWARF 5 §2.5–2.6), decoded one at a time from the bytes of a
// location description into plain values the evaluator interprets.
import { ByteReader } from '../byte-reader';
import { dwName } from './constants';
import { DW_OP } from './op-constants';

export type UnaryOperator = 'abs' | 'neg' | 'not';
export type BinaryOperator =
  | 'and' | 'div' | 'minus' | 'mod' | 'mul' | 'or' | 'plus' | 'shl' | 'shr' | 'shra' | 'xor'
  | 'eq' | 'ge' | 'gt' | 'le' | 'lt' | 'ne';

export type Operation =
  /** DW_OP_addr: a link-time address (to be relocated for a running process). */
  | { kind: 'address'; address: bigint }
  /** DW_OP_addrx / GNU_addr_index: an address from .debug_addr. */
  | { kind: 'addressIndex'; index: number }
  /** DW_OP_constx / GNU_const_index: a constant from .debug_addr (not relocated). */
  | { kind: 'constantIndex'; index: number }
  /** DW_OP_lit*, const*: push a constant. */
  | { kind: 'literal'; value: bigint }
  /** DW_OP_reg*, regx: the value is in a register (a location, not a stack value). */
  | { kind: 'register'; register: number }
  /** DW_OP_breg*, bregx: push register + offset. */
  | { kind: 'registerOffset'; register: number; offset: bigint }
  /** DW_OP_regval_type / GNU_regval_type: push a register's value (typed). */
  | { kind: 'registerValue'; register: number; type: number }
  /** DW_OP_fbreg: push frame base + offset. */
  | { kind: 'frameOffset'; offset: bigint }
  /** DW_OP_deref, deref_size, deref_type: pop an address, push `size` bytes read there. */
  | { kind: 'deref'; size: number }
  | { kind: 'dup' } | { kind: 'drop' } | { kind: 'over' } | { kind: 'swap' } | { kind: 'rot' }
  | { kind: 'pick'; index: number }
  | { kind: 'unary'; operator: UnaryOperator }
  | { kind: 'binary'; operator: BinaryOperator }
  | { kind: 'plusConstant'; value: bigint }
  /** DW_OP_bra / DW_OP_skip: jump to byte offset `target` (bra: when the popped value is not 0). */
  | { kind: 'branch'; target: number }
  | { kind: 'skip'; target: number }
  /** DW_OP_piece (size in bytes ×8) and DW_OP_bit_piece. */
  | { kind: 'piece'; sizeBits: number; offsetBits: number }
  | { kind: 'stackValue' }
  | { kind: 'implicitValue'; bytes: Uint8Array }
  /** DW_OP_implicit_pointer / GNU_implicit_pointer: a pointer to the value of the variable at DIE `die`, plus `byteOffset`. */
  | { kind: 'implicitPointer'; die: number; byteOffset: bigint }
  /** DW_OP_entry_value / GNU_entry_value: the value `expression` had on entry to the function. */
  | { kind: 'entryValue'; expression: Uint8Array }
  | { kind: 'callFrameCfa' }
  /** DW_OP_const_type / GNU_const_type: a typed constant (its bytes, little-endian). */
  | { kind: 'typedConstant'; type: number; bytes: Uint8Array }
  /** DW_OP_convert / reinterpret (and GNU_): change the type of the top of stack. */
  | { kind: 'convert'; type: number }
  | { kind: 'nop' }
  /** Operations this evaluator recognises but cannot perform; `name` says which. */
  | { kind: 'unsupported'; name: string; reason: string };

/** Decodes the operation at the cursor. `unitOffset` turns call/implicit-pointer references absolute. */
export function decodeOperation(r: ByteReader, addressSize: number, offsetSize: 4 | 8, unitOffset = 0, version = 5): Operation {
  const start = r.offset;
  const op = r.u8();
  if (op >= DW_OP.DW_OP_lit0 && op <= DW_OP.DW_OP_lit31) return { kind: 'literal', value: BigInt(op - DW_OP.DW_OP_lit0) };
  if (op >= DW_OP.DW_OP_reg0 && op <= DW_OP.DW_OP_reg31) return { kind: 'register', register: op - DW_OP.DW_OP_reg0 };
  if (op >= DW_OP.DW_OP_breg0 && op <= DW_OP.DW_OP_breg31) return { kind: 'registerOffset', register: op - DW_OP.DW_OP_breg0, offset: r.slebBig() };
  const jump = (): number => {
    const delta = r.i16();
    return r.offset + delta;
  };
  const offsetValue = (): number => (offsetSize === 4 ? r.u32() : r.u64Number());
  switch (op) {
    case DW_OP.DW_OP_addr: return { kind: 'address', address: r.uSized(addressSize) };
    case DW_OP.DW_OP_deref: return { kind: 'deref', size: addressSize };
    case DW_OP.DW_OP_const1u: return { kind: 'literal', value: BigInt(r.u8()) };
    case DW_OP.DW_OP_const1s: return { kind: 'literal', value: BigInt(r.i8()) };
    case DW_OP.DW_OP_const2u: return { kind: 'literal', value: BigInt(r.u16()) };
    case DW_OP.DW_OP_const2s: return { kind: 'literal', value: BigInt(r.i16()) };
    case DW_OP.DW_OP_const4u: return { kind: 'literal', value: BigInt(r.u32()) };
    case DW_OP.DW_OP_const4s: return { kind: 'literal', value: BigInt(r.i32()) };
    case DW_OP.DW_OP_const8u: return { kind: 'literal', value: r.u64() };
    case DW_OP.DW_OP_const8s: return { kind: 'literal', value: r.i64() };
    case DW_OP.DW_OP_constu: return { kind: 'literal', value: r.ulebBig() };
    case DW_OP.DW_OP_consts: return { kind: 'literal', value: r.slebBig() };
    case DW_OP.DW_OP_dup: return { kind: 'dup' };
    case DW_OP.DW_OP_drop: return { kind: 'drop' };
    case DW_OP.DW_OP_over: return { kind: 'over' };
    case DW_OP.DW_OP_pick: return { kind: 'pick', index: r.u8() };
    case DW_OP.DW_OP_swap: return { kind: 'swap' };
    case DW_OP.DW_OP_rot: return { kind: 'rot' };
    case DW_OP.DW_OP_abs: return { kind: 'unary', operator: 'abs' };
    case DW_OP.DW_OP_neg: return { kind: 'unary', operator: 'neg' };
    case DW_OP.DW_OP_not: return { kind: 'unary', operator: 'not' };
    case DW_OP.DW_OP_and: return { kind: 'binary', operator: 'and' };
    case DW_OP.DW_OP_div: return { kind: 'binary', operator: 'div' };
    case DW_OP.DW_OP_minus: return { kind: 'binary', operator: 'minus' };
    case DW_OP.DW_OP_mod: return { kind: 'binary', operator: 'mod' };
    case DW_OP.DW_OP_mul: return { kind: 'binary', operator: 'mul' };
    case DW_OP.DW_OP_or: return { kind: 'binary', operator: 'or' };
    case DW_OP.DW_OP_plus: return { kind: 'binary', operator: 'plus' };
    case DW_OP.DW_OP_shl: return { kind: 'binary', operator: 'shl' };
    case DW_OP.DW_OP_shr: return { kind: 'binary', operator: 'shr' };
    case DW_OP.DW_OP_shra: return { kind: 'binary', operator: 'shra' };
    case DW_OP.DW_OP_xor: return { kind: 'binary', operator: 'xor' };
    case DW_OP.DW_OP_eq: return { kind: 'binary', operator: 'eq' };
    case DW_OP.DW_OP_ge: return { kind: 'binary', operator: 'ge' };
    case DW_OP.DW_OP_gt: return { kind: 'binary', operator: 'gt' };
    case DW_OP.DW_OP_le: return { kind: 'binary', operator: 'le' };
    case DW_OP.DW_OP_lt: return { kind: 'binary', operator: 'lt' };
    case DW_OP.DW_OP_ne: return { kind: 'binary', operator: 'ne' };
    case DW_OP.DW_OP_plus_uconst: return { kind: 'plusConstant', value: r.ulebBig() };
    case DW_OP.DW_OP_bra: return { kind: 'branch', target: jump() };
    case DW_OP.DW_OP_skip: return { kind: 'skip', target: jump() };
    case DW_OP.DW_OP_regx: return { kind: 'register', register: r.uleb() };
    case DW_OP.DW_OP_fbreg: return { kind: 'frameOffset', offset: r.slebBig() };
    case DW_OP.DW_OP_bregx: { const register = r.uleb(); return { kind: 'registerOffset', register, offset: r.slebBig() }; }
    case DW_OP.DW_OP_piece: return { kind: 'piece', sizeBits: r.uleb() * 8, offsetBits: 0 };
    case DW_OP.DW_OP_bit_piece: { const sizeBits = r.uleb(); return { kind: 'piece', sizeBits, offsetBits: r.uleb() }; }
    case DW_OP.DW_OP_deref_size: return { kind: 'deref', size: r.u8() };
    case DW_OP.DW_OP_nop: return { kind: 'nop' };
    case DW_OP.DW_OP_call_frame_cfa: return { kind: 'callFrameCfa' };
    case DW_OP.DW_OP_stack_value: return { kind: 'stackValue' };
    case DW_OP.DW_OP_implicit_value: { const n = r.uleb(); return { kind: 'implicitValue', bytes: r.bytesView(n) }; }
    case DW_OP.DW_OP_implicit_pointer:
    case DW_OP.DW_OP_GNU_implicit_pointer: {
      // DWARF 5 (and the GNU form in DWARF ≥ 3) refers to the DIE with a section offset.
      const die = version <= 2 ? Number(r.uSized(addressSize)) : offsetValue();
      return { kind: 'implicitPointer', die, byteOffset: r.slebBig() };
    }
    case DW_OP.DW_OP_addrx:
    case DW_OP.DW_OP_GNU_addr_index: return { kind: 'addressIndex', index: r.uleb() };
    case DW_OP.DW_OP_constx:
    case DW_OP.DW_OP_GNU_const_index: return { kind: 'constantIndex', index: r.uleb() };
    case DW_OP.DW_OP_entry_value:
    case DW_OP.DW_OP_GNU_entry_value: { const n = r.uleb(); return { kind: 'entryValue', expression: r.bytesView(n) }; }
    case DW_OP.DW_OP_const_type:
    case DW_OP.DW_OP_GNU_const_type: { const type = unitOffset + r.uleb(); const n = r.u8(); return { kind: 'typedConstant', type, bytes: r.bytesView(n) }; }
    case DW_OP.DW_OP_regval_type:
    case DW_OP.DW_OP_GNU_regval_type: { const register = r.uleb(); return { kind: 'registerValue', register, type: unitOffset + r.uleb() }; }
    case DW_OP.DW_OP_deref_type:
    case DW_OP.DW_OP_GNU_deref_type: { const size = r.u8(); r.uleb(); return { kind: 'deref', size }; }
    case DW_OP.DW_OP_convert:
    case DW_OP.DW_OP_GNU_convert:
    case DW_OP.DW_OP_reinterpret:
    case DW_OP.DW_OP_GNU_reinterpret: return { kind: 'convert', type: r.uleb() };
    case DW_OP.DW_OP_GNU_uninit: return { kind: 'nop' };
    case DW_OP.DW_OP_form_tls_address:
    case DW_OP.DW_OP_GNU_push_tls_address:
      return { kind: 'unsupported', name: dwName(DW_OP, op), reason: 'thread-local variables are not supported' };
    case DW_OP.DW_OP_xderef:
    case DW_OP.DW_OP_xderef_size:
    case DW_OP.DW_OP_xderef_type:
      if (op === DW_OP.DW_OP_xderef_size) r.u8();
      if (op === DW_OP.DW_OP_xderef_type) { r.u8(); r.uleb(); }
      return { kind: 'unsupported', name: dwName(DW_OP, op), reason: 'address spaces are not supported' };
    case DW_OP.DW_OP_push_object_address:
      return { kind: 'unsupported', name: dwName(DW_OP, op), reason: 'there is no object address in this context' };
    case DW_OP.DW_OP_call2: r.u16(); return { kind: 'unsupported', name: 'DW_OP_call2', reason: 'DWARF procedure calls are not supported' };
    case DW_OP.DW_OP_call4: r.u32(); return { kind: 'unsupported', name: 'DW_OP_call4', reason: 'DWARF procedure calls are not supported' };
    case DW_OP.DW_OP_call_ref: offsetValue(); return { kind: 'unsupported', name: 'DW_OP_call_ref', reason: 'DWARF procedure calls are not supported' };
    case DW_OP.DW_OP_GNU_parameter_ref: r.u32(); return { kind: 'unsupported', name: 'DW_OP_GNU_parameter_ref', reason: 'parameter references need the caller\'s call site' };
    case DW_OP.DW_OP_GNU_variable_value: offsetValue(); return { kind: 'unsupported', name: 'DW_OP_GNU_variable_value', reason: 'variable-value references are not supported' };
    case DW_OP.DW_OP_GNU_encoded_addr: return { kind: 'unsupported', name: 'DW_OP_GNU_encoded_addr', reason: 'encoded addresses are not supported' };
    default:
      return r.fail(`unknown expression operation ${dwName(DW_OP, op)}`, start);
  }
}

/** Decodes a whole expression, e.g. to print it or to inspect its shape. */
export function decodeExpression(bytes: Uint8Array, addressSize = 8, offsetSize: 4 | 8 = 4, section = 'expression', base = 0): Array<{ offset: number; operation: Operation }> {
  const r = new ByteReader(bytes, section, base);
  const out: Array<{ offset: number; operation: Operation }> = [];
  while (!r.atEnd()) {
    const offset = r.offset;
    out.push({ offset, operation: decodeOperation(r, addressSize, offsetSize) });
  }
  return out;
}
