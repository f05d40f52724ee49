// .debug_abbrev: the abbreviation tables that say, for each abbreviation code a DIE starts with,
// its tag, whether it has children, and its attributes' names and forms.
import { ByteReader } from '../byte-reader';
import { DW_FORM } from './constants';

export interface AttributeSpec {
  name: number;
  form: number;
  /** DW_FORM_implicit_const: the value lives in the abbreviation, not in the DIE. */
  implicitConst?: bigint;
}

export interface Abbreviation {
  code: number;
  tag: number;
  hasChildren: boolean;
  attributes: AttributeSpec[];
}

/** One table (all the abbreviations of the units that share an abbrev offset). */
export class AbbreviationTable {
  /** Dense codes (what compilers emit) index an array; anything else goes to the map. */
  private readonly dense: (Abbreviation | undefined)[] = [];
  private readonly sparse = new Map<number, Abbreviation>();

  constructor(readonly offset: number) {}

  add(abbrev: Abbreviation): void {
    if (abbrev.code < 1 << 16) this.dense[abbrev.code] = abbrev;
    else this.sparse.set(abbrev.code, abbrev);
  }

  get(code: number): Abbreviation | undefined {
    return code < 1 << 16 ? this.dense[code] : this.sparse.get(code);
  }

  get size(): number {
    let n = this.sparse.size;
    for (const a of this.dense) if (a) n++;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<Abbreviation> {
    for (const a of this.dense) if (a) yield a;
    yield* this.sparse.values();
  }
}

/** Parses the abbreviation table at `offset` of .debug_abbrev. */
export function parseAbbreviationTable(section: Uint8Array, offset: number): AbbreviationTable {
  const r = new ByteReader(section, '.debug_abbrev');
  r.seek(offset);
  const table = new AbbreviationTable(offset);
  for (;;) {
    const at = r.offset;
    const code = r.uleb();
    if (code === 0) break;
    const tag = r.uleb();
    const children = r.u8();
    if (children > 1) r.fail(`abbreviation ${code}: DW_CHILDREN value ${children}`, at);
    const attributes: AttributeSpec[] = [];
    for (;;) {
      const name = r.uleb();
      const form = r.uleb();
      if (name === 0 && form === 0) break;
      if (form === DW_FORM.DW_FORM_implicit_const) attributes.push({ name, form, implicitConst: r.slebBig() });
      else attributes.push({ name, form });
    }
    if (table.get(code)) r.fail(`abbreviation code ${code} defined twice`, at);
    table.add({ code, tag, hasChildren: children === 1, attributes });
  }
  return table;
}
