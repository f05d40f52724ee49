// Attribute forms: how one attribute value is encoded in a DIE, decoded into a FormValue that
// still says which class it is (an address index is not an address until the unit's
// DW_AT_addr_base is known; a string index not a string until DW_AT_str_offsets_base is).
import { ByteReader } from '../byte-reader';
import { DW_FORM, dwName } from './constants';

/** What a unit's header fixes about how its values are encoded. */
export interface Encoding {
  version: number;
  addressSize: number;
  /** 4 in 32-bit DWARF, 8 in 64-bit DWARF. */
  offsetSize: 4 | 8;
}

export type FormValue =
  /** DW_FORM_addr: a link-time address. */
  | { kind: 'address'; value: bigint }
  /** DW_FORM_addrx*: index into .debug_addr from the unit's addr_base. */
  | { kind: 'addrx'; index: number }
  /** DW_FORM_data*, udata (signed: false) and sdata, implicit_const (signed: true). `size` for data1..8. */
  | { kind: 'constant'; value: bigint; signed: boolean; size?: number }
  | { kind: 'data16'; bytes: Uint8Array }
  | { kind: 'flag'; value: boolean }
  /** DW_FORM_block*: raw bytes (in DWARF 2/3 also location expressions). `offset` is where they start in the section. */
  | { kind: 'block'; bytes: Uint8Array; offset: number }
  /** DW_FORM_exprloc: a DWARF expression. */
  | { kind: 'exprloc'; bytes: Uint8Array; offset: number }
  /** DW_FORM_string: inline. */
  | { kind: 'string'; value: string }
  /** DW_FORM_strp: offset into .debug_str. */
  | { kind: 'strp'; offset: number }
  /** DW_FORM_line_strp: offset into .debug_line_str. */
  | { kind: 'lineStrp'; offset: number }
  /** DW_FORM_strx*, GNU_str_index: index into the unit's .debug_str_offsets contribution. */
  | { kind: 'strx'; index: number }
  /** A reference resolved to an offset in the unit's section (.debug_info or .debug_types). */
  | { kind: 'ref'; offset: number }
  /** DW_FORM_ref_sig8: a type unit's signature. */
  | { kind: 'refSig8'; signature: bigint }
  /** A reference or string in a supplementary/alternate file (dwz): recognised, not followed. */
  | { kind: 'supplementary'; form: number; offset: number }
  /** DW_FORM_sec_offset (and data4/data8 as offsets in DWARF 2/3): an offset into another section. */
  | { kind: 'secOffset'; offset: number }
  | { kind: 'loclistx'; index: number }
  | { kind: 'rnglistx'; index: number };

function readOffset(r: ByteReader, size: 4 | 8): number {
  return size === 4 ? r.u32() : r.u64Number();
}

/** Decodes one value of `form`; `unitOffset` turns unit-relative references into section offsets. */
export function readFormValue(r: ByteReader, form: number, enc: Encoding, unitOffset: number, implicitConst?: bigint): FormValue {
  switch (form) {
    case DW_FORM.DW_FORM_addr: return { kind: 'address', value: r.uSized(enc.addressSize) };
    case DW_FORM.DW_FORM_addrx:
    case DW_FORM.DW_FORM_GNU_addr_index: return { kind: 'addrx', index: r.uleb() };
    case DW_FORM.DW_FORM_addrx1: return { kind: 'addrx', index: r.u8() };
    case DW_FORM.DW_FORM_addrx2: return { kind: 'addrx', index: r.u16() };
    case DW_FORM.DW_FORM_addrx3: return { kind: 'addrx', index: r.u16() | (r.u8() << 16) };
    case DW_FORM.DW_FORM_addrx4: return { kind: 'addrx', index: r.u32() };
    case DW_FORM.DW_FORM_data1: return { kind: 'constant', value: BigInt(r.u8()), signed: false, size: 1 };
    case DW_FORM.DW_FORM_data2: return { kind: 'constant', value: BigInt(r.u16()), signed: false, size: 2 };
    case DW_FORM.DW_FORM_data4: return { kind: 'constant', value: BigInt(r.u32()), signed: false, size: 4 };
    case DW_FORM.DW_FORM_data8: return { kind: 'constant', value: r.u64(), signed: false, size: 8 };
    case DW_FORM.DW_FORM_data16: return { kind: 'data16', bytes: r.bytesView(16) };
    case DW_FORM.DW_FORM_udata: return { kind: 'constant', value: r.ulebBig(), signed: false };
    case DW_FORM.DW_FORM_sdata: return { kind: 'constant', value: r.slebBig(), signed: true };
    case DW_FORM.DW_FORM_implicit_const: return { kind: 'constant', value: implicitConst ?? 0n, signed: true };
    case DW_FORM.DW_FORM_flag: return { kind: 'flag', value: r.u8() !== 0 };
    case DW_FORM.DW_FORM_flag_present: return { kind: 'flag', value: true };
    case DW_FORM.DW_FORM_block1: { const n = r.u8(); const offset = r.base + r.offset; return { kind: 'block', bytes: r.bytesView(n), offset }; }
    case DW_FORM.DW_FORM_block2: { const n = r.u16(); const offset = r.base + r.offset; return { kind: 'block', bytes: r.bytesView(n), offset }; }
    case DW_FORM.DW_FORM_block4: { const n = r.u32(); const offset = r.base + r.offset; return { kind: 'block', bytes: r.bytesView(n), offset }; }
    case DW_FORM.DW_FORM_block: { const n = r.uleb(); const offset = r.base + r.offset; return { kind: 'block', bytes: r.bytesView(n), offset }; }
    case DW_FORM.DW_FORM_exprloc: { const n = r.uleb(); const offset = r.base + r.offset; return { kind: 'exprloc', bytes: r.bytesView(n), offset }; }
    case DW_FORM.DW_FORM_string: return { kind: 'string', value: r.cstring() };
    case DW_FORM.DW_FORM_strp: return { kind: 'strp', offset: readOffset(r, enc.offsetSize) };
    case DW_FORM.DW_FORM_line_strp: return { kind: 'lineStrp', offset: readOffset(r, enc.offsetSize) };
    case DW_FORM.DW_FORM_strx:
    case DW_FORM.DW_FORM_GNU_str_index: return { kind: 'strx', index: r.uleb() };
    case DW_FORM.DW_FORM_strx1: return { kind: 'strx', index: r.u8() };
    case DW_FORM.DW_FORM_strx2: return { kind: 'strx', index: r.u16() };
    case DW_FORM.DW_FORM_strx3: return { kind: 'strx', index: r.u16() | (r.u8() << 16) };
    case DW_FORM.DW_FORM_strx4: return { kind: 'strx', index: r.u32() };
    case DW_FORM.DW_FORM_ref1: return { kind: 'ref', offset: unitOffset + r.u8() };
    case DW_FORM.DW_FORM_ref2: return { kind: 'ref', offset: unitOffset + r.u16() };
    case DW_FORM.DW_FORM_ref4: return { kind: 'ref', offset: unitOffset + r.u32() };
    case DW_FORM.DW_FORM_ref8: return { kind: 'ref', offset: unitOffset + r.u64Number() };
    case DW_FORM.DW_FORM_ref_udata: return { kind: 'ref', offset: unitOffset + r.uleb() };
    case DW_FORM.DW_FORM_ref_addr:
      return { kind: 'ref', offset: enc.version <= 2 ? Number(r.uSized(enc.addressSize)) : readOffset(r, enc.offsetSize) };
    case DW_FORM.DW_FORM_ref_sig8: return { kind: 'refSig8', signature: r.u64() };
    case DW_FORM.DW_FORM_ref_sup4: return { kind: 'supplementary', form, offset: r.u32() };
    case DW_FORM.DW_FORM_ref_sup8: return { kind: 'supplementary', form, offset: r.u64Number() };
    case DW_FORM.DW_FORM_strp_sup:
    case DW_FORM.DW_FORM_GNU_ref_alt:
    case DW_FORM.DW_FORM_GNU_strp_alt: return { kind: 'supplementary', form, offset: readOffset(r, enc.offsetSize) };
    case DW_FORM.DW_FORM_sec_offset: return { kind: 'secOffset', offset: readOffset(r, enc.offsetSize) };
    case DW_FORM.DW_FORM_loclistx: return { kind: 'loclistx', index: r.uleb() };
    case DW_FORM.DW_FORM_rnglistx: return { kind: 'rnglistx', index: r.uleb() };
    case DW_FORM.DW_FORM_indirect: {
      const actual = r.uleb();
      if (actual === DW_FORM.DW_FORM_indirect) r.fail('DW_FORM_indirect names DW_FORM_indirect');
      return readFormValue(r, actual, enc, unitOffset, implicitConst);
    }
    default:
      return r.fail(`unknown attribute form ${dwName(DW_FORM, form)}`);
  }
}

/**
 * Size in bytes of a value of `form` when it does not depend on the value itself, else -1.
 * Lets a scanner step over uninteresting attributes without decoding them.
 */
export function fixedFormSize(form: number, enc: Encoding): number {
  switch (form) {
    case DW_FORM.DW_FORM_flag_present:
    case DW_FORM.DW_FORM_implicit_const: return 0;
    case DW_FORM.DW_FORM_addr: return enc.addressSize;
    case DW_FORM.DW_FORM_data1: case DW_FORM.DW_FORM_ref1: case DW_FORM.DW_FORM_flag:
    case DW_FORM.DW_FORM_strx1: case DW_FORM.DW_FORM_addrx1: return 1;
    case DW_FORM.DW_FORM_data2: case DW_FORM.DW_FORM_ref2: case DW_FORM.DW_FORM_strx2: case DW_FORM.DW_FORM_addrx2: return 2;
    case DW_FORM.DW_FORM_strx3: case DW_FORM.DW_FORM_addrx3: return 3;
    case DW_FORM.DW_FORM_data4: case DW_FORM.DW_FORM_ref4: case DW_FORM.DW_FORM_ref_sup4:
    case DW_FORM.DW_FORM_strx4: case DW_FORM.DW_FORM_addrx4: return 4;
    case DW_FORM.DW_FORM_data8: case DW_FORM.DW_FORM_ref8: case DW_FORM.DW_FORM_ref_sig8: case DW_FORM.DW_FORM_ref_sup8: return 8;
    case DW_FORM.DW_FORM_data16: return 16;
    case DW_FORM.DW_FORM_strp: case DW_FORM.DW_FORM_line_strp: case DW_FORM.DW_FORM_sec_offset:
    case DW_FORM.DW_FORM_strp_sup: case DW_FORM.DW_FORM_GNU_ref_alt: case DW_FORM.DW_FORM_GNU_strp_alt: return enc.offsetSize;
    case DW_FORM.DW_FORM_ref_addr: return enc.version <= 2 ? enc.addressSize : enc.offsetSize;
    default: return -1;
  }
}

/** Moves the cursor past one value of `form` without building it. */
export function skipFormValue(r: ByteReader, form: number, enc: Encoding): void {
  const size = fixedFormSize(form, enc);
  if (size >= 0) {
    r.skip(size);
    return;
  }
  switch (form) {
    case DW_FORM.DW_FORM_udata: case DW_FORM.DW_FORM_sdata: case DW_FORM.DW_FORM_ref_udata:
    case DW_FORM.DW_FORM_strx: case DW_FORM.DW_FORM_addrx: case DW_FORM.DW_FORM_loclistx:
    case DW_FORM.DW_FORM_rnglistx: case DW_FORM.DW_FORM_GNU_addr_index: case DW_FORM.DW_FORM_GNU_str_index:
      skipLeb(r);
      return;
    case DW_FORM.DW_FORM_block1: r.skip(r.u8()); return;
    case DW_FORM.DW_FORM_block2: r.skip(r.u16()); return;
    case DW_FORM.DW_FORM_block4: r.skip(r.u32()); return;
    case DW_FORM.DW_FORM_block:
    case DW_FORM.DW_FORM_exprloc: r.skip(r.uleb()); return;
    case DW_FORM.DW_FORM_string: {
      const end = r.bytes.indexOf(0, r.offset);
      if (end < 0) r.fail('unterminated string');
      r.seek(end + 1);
      return;
    }
    case DW_FORM.DW_FORM_indirect: skipFormValue(r, r.uleb(), enc); return;
    default: r.fail(`unknown attribute form ${dwName(DW_FORM, form)}`);
  }
}

function skipLeb(r: ByteReader): void {
  while (r.u8() & 0x80) { /* continuation bytes */ }
}
