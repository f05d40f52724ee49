// C types as DWARF describes them, decoded into plain data on first use and cached. A type is
// named by a TypeRef (the section offset of its DIE), so recursive types (a struct holding a
// pointer to itself) are plain data without cycles.
import { DW_AT, DW_ATE, DW_TAG } from './constants';
import { DW_OP } from './op-constants';
import type { DwarfContext } from './context';
import type { Entry } from './entry';
import { ByteReader } from '../byte-reader';

/**
 * The DIE offset of a type: in .debug_info as is; in .debug_types (DWARF 4 type units) as
 * -(offset + 1), so one number names either.
 */
export type TypeRef = number;

export interface Member {
  /** Undefined for anonymous struct/union members. */
  name?: string;
  type?: TypeRef;
  /** Byte offset of the member's storage in the containing struct. */
  byteOffset: number;
  /** A base class (DW_TAG_inheritance): its members belong to the object too. */
  inherited?: boolean;
  /** Bitfields: width in bits, and offset of the lowest bit from the start of the struct. */
  bitSize?: number;
  bitOffset?: number;
}

export interface Enumerator {
  name: string;
  value: bigint;
}

export type DwarfType = { ref: TypeRef } & (
  | { kind: 'void' }
  | { kind: 'base'; name: string; byteSize: number; encoding: number }
  | { kind: 'pointer' | 'reference' | 'rvalueReference'; byteSize: number; target?: TypeRef }
  | { kind: 'const' | 'volatile' | 'restrict' | 'atomic'; target?: TypeRef }
  | { kind: 'typedef'; name: string; target?: TypeRef }
  | { kind: 'struct' | 'union' | 'class'; name?: string; byteSize?: number; members: Member[]; declaration: boolean }
  | { kind: 'enum'; name?: string; byteSize: number; underlying?: TypeRef; enumerators: Enumerator[]; declaration: boolean }
  /** Counts per dimension, outermost first; undefined for an unknown bound (flexible or variable length). */
  | { kind: 'array'; element?: TypeRef; counts: (number | undefined)[] }
  | { kind: 'function'; returnType?: TypeRef; parameters: (TypeRef | undefined)[]; variadic: boolean; prototyped: boolean }
  | { kind: 'pointerToMember'; target?: TypeRef; byteSize: number }
  | { kind: 'unspecified'; name: string }
  | { kind: 'other'; tag: number; name?: string }
);

/** The reference a DW_AT_type (or similar) attribute of `entry` designates, if any. */
export function typeRefOf(entry: Entry, attribute: number = DW_AT.DW_AT_type): TypeRef | undefined {
  const v = entry.value(attribute);
  if (!v) return undefined;
  if (v.kind === 'ref') return entry.unit.header.section === '.debug_types' ? -(v.offset + 1) : v.offset;
  if (v.kind === 'refSig8') {
    const target = entry.unit.ctx.typeUnitEntry(v.signature);
    if (!target) return undefined;
    return target.unit.header.section === '.debug_types' ? -(target.offset + 1) : target.offset;
  }
  return undefined;
}

/** Decodes and caches the types of one file's DWARF. */
export class TypeTable {
  private readonly cache = new Map<TypeRef, DwarfType>();

  constructor(readonly ctx: DwarfContext) {}

  entry(ref: TypeRef): Entry {
    return ref < 0 ? this.ctx.entryAt(-ref - 1, '.debug_types') : this.ctx.entryAt(ref);
  }

  /** The type at `ref`; undefined (no DW_AT_type) means void. */
  get(ref: TypeRef | undefined): DwarfType {
    if (ref === undefined) return { ref: 0, kind: 'void' };
    let t = this.cache.get(ref);
    if (!t) {
      let entry = this.entry(ref);
      // A declaration stub standing for a type unit's type (-fdebug-types-section): use the real one.
      const signature = entry.value(DW_AT.DW_AT_signature);
      if (signature?.kind === 'refSig8') entry = this.ctx.typeUnitEntry(signature.signature) ?? entry;
      t = decodeType(entry, ref);
      this.cache.set(ref, t);
    }
    return t;
  }

  /** Follows typedefs and cv-qualifiers to the type that decides representation. */
  strip(ref: TypeRef | undefined): DwarfType {
    let t = this.get(ref);
    for (let guard = 0; guard < 64; guard++) {
      if (t.kind === 'typedef' || t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'atomic') t = this.get(t.target);
      else return t;
    }
    return t;
  }

  /** Size in bytes of a value of the type, or undefined (void, incomplete, unknown bounds). */
  sizeOf(ref: TypeRef | undefined): number | undefined {
    const t = this.strip(ref);
    switch (t.kind) {
      case 'base': case 'pointer': case 'reference': case 'rvalueReference': case 'enum': case 'pointerToMember':
        return t.byteSize;
      case 'struct': case 'union': case 'class':
        return t.byteSize;
      case 'array': {
        const element = this.sizeOf(t.element);
        if (element === undefined) return undefined;
        let n = element;
        for (const c of t.counts) {
          if (c === undefined) return undefined;
          n *= c;
        }
        return n;
      }
      default:
        return undefined;
    }
  }

  /** A member by name, looking through anonymous struct/union members (C11), with its absolute byte offset. */
  findMember(ref: TypeRef | undefined, name: string): Member | undefined {
    const t = this.strip(ref);
    if (t.kind !== 'struct' && t.kind !== 'union' && t.kind !== 'class') return undefined;
    for (const m of t.members) if (m.name === name) return m;
    for (const m of t.members) {
      if (m.name !== undefined) continue;
      const inner = this.findMember(m.type, name);
      if (inner) {
        return {
          ...inner,
          byteOffset: m.byteOffset + inner.byteOffset,
          bitOffset: inner.bitOffset === undefined ? undefined : inner.bitOffset + m.byteOffset * 8,
        };
      }
    }
    return undefined;
  }

  /** Whether a base or enum type is signed. */
  isSigned(ref: TypeRef | undefined): boolean {
    const t = this.strip(ref);
    if (t.kind === 'base') {
      return t.encoding === DW_ATE.DW_ATE_signed || t.encoding === DW_ATE.DW_ATE_signed_char ||
        t.encoding === DW_ATE.DW_ATE_signed_fixed || t.encoding === DW_ATE.DW_ATE_float;
    }
    if (t.kind === 'enum') {
      if (t.underlying !== undefined) return this.isSigned(t.underlying);
      return t.enumerators.some((e) => e.value < 0n);
    }
    return false;
  }
}

function decodeType(e: Entry, ref: TypeRef): DwarfType {
  const unit = e.unit;
  const target = typeRefOf(e);
  const name = e.name;
  switch (e.tag) {
    case DW_TAG.DW_TAG_base_type:
      return { ref, kind: 'base', name: name ?? '?', byteSize: e.number(DW_AT.DW_AT_byte_size) ?? 0, encoding: e.number(DW_AT.DW_AT_encoding) ?? 0 };
    case DW_TAG.DW_TAG_pointer_type:
      return { ref, kind: 'pointer', byteSize: e.number(DW_AT.DW_AT_byte_size) ?? unit.addressSize, target };
    case DW_TAG.DW_TAG_reference_type:
      return { ref, kind: 'reference', byteSize: e.number(DW_AT.DW_AT_byte_size) ?? unit.addressSize, target };
    case DW_TAG.DW_TAG_rvalue_reference_type:
      return { ref, kind: 'rvalueReference', byteSize: e.number(DW_AT.DW_AT_byte_size) ?? unit.addressSize, target };
    case DW_TAG.DW_TAG_ptr_to_member_type:
      return { ref, kind: 'pointerToMember', byteSize: e.number(DW_AT.DW_AT_byte_size) ?? unit.addressSize, target };
    case DW_TAG.DW_TAG_const_type: return { ref, kind: 'const', target };
    case DW_TAG.DW_TAG_volatile_type: return { ref, kind: 'volatile', target };
    case DW_TAG.DW_TAG_restrict_type: return { ref, kind: 'restrict', target };
    case DW_TAG.DW_TAG_atomic_type: return { ref, kind: 'atomic', target };
    case DW_TAG.DW_TAG_typedef: return { ref, kind: 'typedef', name: name ?? '?', target };
    case DW_TAG.DW_TAG_unspecified_type: return { ref, kind: 'unspecified', name: name ?? 'void' };
    case DW_TAG.DW_TAG_structure_type:
    case DW_TAG.DW_TAG_union_type:
    case DW_TAG.DW_TAG_class_type: {
      const kind = e.tag === DW_TAG.DW_TAG_structure_type ? 'struct' : e.tag === DW_TAG.DW_TAG_union_type ? 'union' : 'class';
      const members: Member[] = [];
      for (const child of unit.children(e)) {
        if (child.tag !== DW_TAG.DW_TAG_member && child.tag !== DW_TAG.DW_TAG_inheritance) continue;
        // C++ static data members are declarations with no storage in the object.
        if (child.tag === DW_TAG.DW_TAG_member && child.flag(DW_AT.DW_AT_declaration)) continue;
        const member = decodeMember(child);
        if (child.tag === DW_TAG.DW_TAG_inheritance) member.inherited = true;
        members.push(member);
      }
      return { ref, kind, name, byteSize: e.number(DW_AT.DW_AT_byte_size), members, declaration: e.flag(DW_AT.DW_AT_declaration) };
    }
    case DW_TAG.DW_TAG_enumeration_type: {
      const enumerators: Enumerator[] = [];
      for (const child of unit.children(e)) {
        if (child.tag !== DW_TAG.DW_TAG_enumerator) continue;
        enumerators.push({ name: child.name ?? '?', value: child.constant(DW_AT.DW_AT_const_value, false) ?? 0n });
      }
      return { ref, kind: 'enum', name, byteSize: e.number(DW_AT.DW_AT_byte_size) ?? 4, underlying: target, enumerators, declaration: e.flag(DW_AT.DW_AT_declaration) };
    }
    case DW_TAG.DW_TAG_array_type: {
      const counts: (number | undefined)[] = [];
      for (const child of unit.children(e)) {
        if (child.tag !== DW_TAG.DW_TAG_subrange_type && child.tag !== DW_TAG.DW_TAG_enumeration_type) continue;
        counts.push(subrangeCount(child));
      }
      if (counts.length === 0) counts.push(undefined);
      return { ref, kind: 'array', element: target, counts };
    }
    case DW_TAG.DW_TAG_subroutine_type: {
      const parameters: (TypeRef | undefined)[] = [];
      let variadic = false;
      for (const child of unit.children(e)) {
        if (child.tag === DW_TAG.DW_TAG_formal_parameter) parameters.push(typeRefOf(child));
        else if (child.tag === DW_TAG.DW_TAG_unspecified_parameters) variadic = true;
      }
      return { ref, kind: 'function', returnType: target, parameters, variadic, prototyped: e.flag(DW_AT.DW_AT_prototyped) };
    }
    default:
      return { ref, kind: 'other', tag: e.tag, name };
  }
}

function decodeMember(m: Entry): Member {
  let byteOffset = 0;
  const loc = m.value(DW_AT.DW_AT_data_member_location);
  if (loc?.kind === 'constant') byteOffset = Number(loc.value);
  else if ((loc?.kind === 'exprloc' || loc?.kind === 'block') && loc.bytes.length > 0) {
    // DWARF 2 style: DW_OP_plus_uconst N (or DW_OP_constu N), relative to the struct's address.
    const r = new ByteReader(loc.bytes, '.debug_info', loc.offset);
    const op = r.u8();
    if (op === DW_OP.DW_OP_plus_uconst || op === DW_OP.DW_OP_constu) byteOffset = r.uleb();
  }
  const member: Member = { name: m.name, type: typeRefOf(m), byteOffset };
  const bitSize = m.number(DW_AT.DW_AT_bit_size);
  if (bitSize !== undefined) {
    member.bitSize = bitSize;
    const dataBitOffset = m.number(DW_AT.DW_AT_data_bit_offset);
    if (dataBitOffset !== undefined) {
      member.bitOffset = dataBitOffset;
      member.byteOffset = Math.floor(dataBitOffset / 8);
    } else {
      // DWARF 2/3 (and GCC's DWARF 4): DW_AT_bit_offset counts from the most significant bit of a
      // storage unit of DW_AT_byte_size bytes at data_member_location; little-endian conversion.
      const storage = m.number(DW_AT.DW_AT_byte_size) ?? 4;
      const fromMsb = m.number(DW_AT.DW_AT_bit_offset) ?? 0;
      member.bitOffset = byteOffset * 8 + storage * 8 - fromMsb - bitSize;
    }
  }
  return member;
}

function subrangeCount(s: Entry): number | undefined {
  const count = s.value(DW_AT.DW_AT_count);
  if (count?.kind === 'constant') return Number(count.value);
  const upper = s.value(DW_AT.DW_AT_upper_bound);
  if (upper?.kind !== 'constant') return undefined;
  // GCC writes an unknown upper bound of a flexible array as -1 in a data form.
  const signed = upper.signed ? upper.value : upper.size ? BigInt.asIntN(upper.size * 8, upper.value) : upper.value;
  const lower = s.constant(DW_AT.DW_AT_lower_bound, true) ?? 0n;
  const n = signed - lower + 1n;
  return n < 0n ? undefined : Number(n);
}
