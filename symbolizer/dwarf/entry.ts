// Debugging information entries (DIEs): a tag, a children flag and attribute values, decoded
// from the unit's abbreviation table. An Entry is a small value; its unit resolves what its
// values refer to (strings, addresses, other entries, lists).
import { ByteReader } from '../byte-reader';
import type { Abbreviation } from './abbrev';
import { DW_AT, DW_TAG, dwName } from './constants';
import { readFormValue, skipFormValue, type FormValue } from './form';
import type { Unit } from './unit';

export interface Attribute {
  name: number;
  form: number;
  value: FormValue;
}

export class Entry {
  constructor(
    readonly unit: Unit,
    /** Section offset of the DIE. */
    readonly offset: number,
    readonly abbrev: Abbreviation,
    readonly attributes: Attribute[],
    /** Section offset just past the DIE's attributes: its first child, or its next sibling. */
    readonly end: number,
  ) {}

  get tag(): number {
    return this.abbrev.tag;
  }

  get hasChildren(): boolean {
    return this.abbrev.hasChildren;
  }

  /** For messages: `DW_TAG_subprogram <0x2e>`. */
  describe(): string {
    return `${dwName(DW_TAG, this.tag)} <0x${this.offset.toString(16)}>`;
  }

  value(name: number): FormValue | undefined {
    for (const a of this.attributes) if (a.name === name) return a.value;
    return undefined;
  }

  has(name: number): boolean {
    for (const a of this.attributes) if (a.name === name) return true;
    return false;
  }

  /** DW_AT_name, resolved. */
  get name(): string | undefined {
    return this.string(DW_AT.DW_AT_name);
  }

  string(name: number): string | undefined {
    const v = this.value(name);
    return v && this.unit.string(v);
  }

  /** A reference attribute as a section offset. */
  ref(name: number): number | undefined {
    const v = this.value(name);
    return v?.kind === 'ref' ? v.offset : undefined;
  }

  /** A constant attribute as a number (DW_AT_decl_line, DW_AT_byte_size, ...). */
  number(name: number): number | undefined {
    const v = this.value(name);
    if (v?.kind !== 'constant') return undefined;
    return Number(v.value);
  }

  /** A constant attribute as a bigint, sign-extended from its size when `signed` is asked. */
  constant(name: number, signed = false): bigint | undefined {
    const v = this.value(name);
    if (v?.kind !== 'constant') return undefined;
    if (signed && !v.signed && v.size) return BigInt.asIntN(v.size * 8, v.value);
    return v.value;
  }

  flag(name: number): boolean {
    const v = this.value(name);
    return v?.kind === 'flag' ? v.value : false;
  }

  /** An address attribute (DW_FORM_addr or addrx*), resolved through .debug_addr. */
  address(name: number): bigint | undefined {
    const v = this.value(name);
    return v && this.unit.address(v);
  }
}

/**
 * Reads the DIE at `offset` with `r` (a reader over the unit's section); null for the
 * null entry (abbreviation code 0) that closes a list of siblings.
 */
export function readEntry(unit: Unit, r: ByteReader, offset: number): Entry | null {
  r.seek(offset);
  const code = r.uleb();
  if (code === 0) return null;
  const abbrev = unit.abbreviations.get(code);
  if (!abbrev) r.fail(`abbreviation code ${code} is not in the unit's table at .debug_abbrev+0x${unit.header.abbrevOffset.toString(16)}`, offset);
  const attributes: Attribute[] = new Array(abbrev.attributes.length);
  for (let i = 0; i < abbrev.attributes.length; i++) {
    const spec = abbrev.attributes[i];
    attributes[i] = { name: spec.name, form: spec.form, value: readFormValue(r, spec.form, unit.header, unit.header.offset, spec.implicitConst) };
  }
  return new Entry(unit, offset, abbrev, attributes, r.offset);
}

/** Offset just past the DIE at `offset` and all its descendants, without decoding values. */
export function skipEntryTree(unit: Unit, r: ByteReader, offset: number): number {
  r.seek(offset);
  let depth = 0;
  do {
    const at = r.offset;
    const code = r.uleb();
    if (code === 0) {
      depth--;
      continue;
    }
    const abbrev = unit.abbreviations.get(code);
    if (!abbrev) r.fail(`abbreviation code ${code} is not in the unit's table`, at);
    let sibling = -1;
    for (const spec of abbrev.attributes) {
      if (spec.name === DW_AT.DW_AT_sibling && abbrev.hasChildren) {
        const v = readFormValue(r, spec.form, unit.header, unit.header.offset);
        if (v.kind === 'ref') sibling = v.offset;
      } else skipFormValue(r, spec.form, unit.header);
    }
    if (abbrev.hasChildren) {
      if (sibling > at && sibling <= unit.header.end) r.seek(sibling);
      else depth++;
    }
  } while (depth > 0 && r.offset < unit.header.end);
  return r.offset;
}
