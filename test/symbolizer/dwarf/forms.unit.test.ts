// Hand-built DWARF 5 sections exercising the forms GCC only writes in split DWARF (strx*,
// addrx*, rnglistx, loclistx) and the rarer ones (implicit_const, data16, ref_udata, ref2), and
// the errors bad bytes give.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DecodeError } from '../../../symbolizer/decode-error';
import { DW_AT, DW_FORM, DW_TAG } from '../../../symbolizer/dwarf/constants';
import { Dwarf } from '../../../symbolizer/dwarf/dwarf';
import { DW_OP } from '../../../symbolizer/dwarf/op-constants';
import { variableLocationAt } from '../../../symbolizer/dwarf/scopes';
import { DwarfSections } from '../../../symbolizer/dwarf/sections';

class Bytes {
  readonly out: number[] = [];
  u8(...v: number[]): this { this.out.push(...v.map((x) => x & 0xff)); return this; }
  u16(v: number): this { return this.u8(v, v >> 8); }
  u32(v: number): this { return this.u8(v, v >> 8, v >> 16, v >>> 24); }
  u64(v: bigint): this { for (let i = 0n; i < 8n; i++) this.u8(Number((v >> (8n * i)) & 0xffn)); return this; }
  uleb(v: number): this {
    do { let b = v & 0x7f; v = Math.floor(v / 128); if (v) b |= 0x80; this.u8(b); } while (v);
    return this;
  }
  sleb(v: number): this {
    for (;;) {
      const b = v & 0x7f; v >>= 7;
      if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return this.u8(b);
      this.u8(b | 0x80);
    }
  }
  str(s: string): this { return this.u8(...Buffer.from(`${s}\0`)); }
  get length(): number { return this.out.length; }
  bytes(): Uint8Array { return new Uint8Array(this.out); }
}

/** A DWARF 5 section with the usual header, its length filled in. */
function withLength(body: (b: Bytes) => void): Uint8Array {
  const b = new Bytes();
  body(b);
  return new Bytes().u32(b.length).u8(...b.out).bytes();
}

function sections(): Record<string, Uint8Array> {
  const abbrev = new Bytes()
    .uleb(1).uleb(DW_TAG.DW_TAG_compile_unit).u8(1)
    .uleb(DW_AT.DW_AT_producer).uleb(DW_FORM.DW_FORM_strx1).uleb(DW_AT.DW_AT_name).uleb(DW_FORM.DW_FORM_strx2)
    .uleb(DW_AT.DW_AT_str_offsets_base).uleb(DW_FORM.DW_FORM_sec_offset).uleb(DW_AT.DW_AT_addr_base).uleb(DW_FORM.DW_FORM_sec_offset)
    .uleb(DW_AT.DW_AT_rnglists_base).uleb(DW_FORM.DW_FORM_sec_offset).uleb(DW_AT.DW_AT_loclists_base).uleb(DW_FORM.DW_FORM_sec_offset)
    .uleb(DW_AT.DW_AT_low_pc).uleb(DW_FORM.DW_FORM_addrx1).uleb(DW_AT.DW_AT_high_pc).uleb(DW_FORM.DW_FORM_data4)
    .uleb(DW_AT.DW_AT_language).uleb(DW_FORM.DW_FORM_implicit_const).sleb(0x1d).uleb(0).uleb(0)
    .uleb(2).uleb(DW_TAG.DW_TAG_subprogram).u8(1)
    .uleb(DW_AT.DW_AT_name).uleb(DW_FORM.DW_FORM_strx).uleb(DW_AT.DW_AT_ranges).uleb(DW_FORM.DW_FORM_rnglistx)
    .uleb(DW_AT.DW_AT_frame_base).uleb(DW_FORM.DW_FORM_exprloc).uleb(DW_AT.DW_AT_external).uleb(DW_FORM.DW_FORM_flag_present)
    .uleb(DW_AT.DW_AT_decl_line).uleb(DW_FORM.DW_FORM_data1).uleb(DW_AT.DW_AT_type).uleb(DW_FORM.DW_FORM_ref_udata).uleb(0).uleb(0)
    .uleb(3).uleb(DW_TAG.DW_TAG_formal_parameter).u8(0)
    .uleb(DW_AT.DW_AT_name).uleb(DW_FORM.DW_FORM_string).uleb(DW_AT.DW_AT_location).uleb(DW_FORM.DW_FORM_loclistx)
    .uleb(DW_AT.DW_AT_type).uleb(DW_FORM.DW_FORM_ref4).uleb(0).uleb(0)
    .uleb(4).uleb(DW_TAG.DW_TAG_base_type).u8(0)
    .uleb(DW_AT.DW_AT_name).uleb(DW_FORM.DW_FORM_strx3).uleb(DW_AT.DW_AT_byte_size).uleb(DW_FORM.DW_FORM_data1)
    .uleb(DW_AT.DW_AT_encoding).uleb(DW_FORM.DW_FORM_data1).uleb(0).uleb(0)
    .uleb(5).uleb(DW_TAG.DW_TAG_variable).u8(0)
    .uleb(DW_AT.DW_AT_name).uleb(DW_FORM.DW_FORM_strx4).uleb(DW_AT.DW_AT_const_value).uleb(DW_FORM.DW_FORM_data16)
    .uleb(DW_AT.DW_AT_type).uleb(DW_FORM.DW_FORM_ref2).uleb(0).uleb(0)
    .uleb(0);
  // .debug_str: producer@0 test.c@9 main@16 int@21 big@25
  const str = new Bytes().str('producer').str('test.c').str('main').str('int').str('big');
  const strOffsets = withLength((b) => { b.u16(5).u16(0); for (const o of [0, 9, 16, 21, 25]) b.u32(o); });
  const addr = withLength((b) => b.u16(5).u8(8, 0).u64(0x1000n).u64(0x1100n));
  const rnglists = withLength((b) => b.u16(5).u8(8, 0).u32(1).u32(4)
    .u8(3).uleb(0).uleb(0x40) // startx_length: [addr[0], +0x40)
    .u8(4).uleb(0x100).uleb(0x120) // offset_pair from the unit base 0x1000
    .u8(0));
  const loclists = withLength((b) => b.u16(5).u8(8, 0).u32(1).u32(4)
    .u8(3).uleb(0).uleb(0x10).uleb(1).u8(DW_OP.DW_OP_reg5)
    .u8(1).uleb(1) // base_addressx: addr[1] = 0x1100
    .u8(4).uleb(0).uleb(0x20).uleb(2).u8(DW_OP.DW_OP_fbreg).sleb(-20)
    .u8(0));
  const info = new Bytes();
  const body = new Bytes();
  // Root DIE at 12 (after the 12-byte v5 header).
  body.uleb(1).u8(0).u16(1).u32(8).u32(8).u32(12).u32(12).u8(0).u32(0x200);
  const intOffset = 12 + body.length;
  body.uleb(4).u8(3, 0, 0).u8(4).u8(5); // int: strx3 index 3
  body.uleb(2).uleb(2).uleb(0).uleb(1).u8(DW_OP.DW_OP_call_frame_cfa).u8(7).uleb(intOffset);
  body.uleb(3).str('argc').uleb(0).u32(intOffset);
  body.uleb(5).u32(4).u8(...Array.from({ length: 16 }, (_, i) => i)).u16(intOffset);
  body.uleb(0).uleb(0);
  info.u32(8 + body.length).u16(5).u8(1, 8).u32(0).u8(...body.out);
  return {
    '.debug_info': info.bytes(), '.debug_abbrev': abbrev.bytes(), '.debug_str': str.bytes(), '.debug_str_offsets': strOffsets,
    '.debug_addr': addr, '.debug_rnglists': rnglists, '.debug_loclists': loclists,
  };
}

test('strx*, addrx*, rnglistx, loclistx, implicit_const, data16, ref_udata and ref2 resolve through the unit bases', () => {
  const dwarf = new Dwarf(DwarfSections.fromRecord(sections()));
  const unit = dwarf.ctx.units()[0];
  assert.is(unit.version, 5);
  const root = unit.root();
  assert.is(root.name, 'test.c');
  assert.is(root.string(DW_AT.DW_AT_producer), 'producer');
  assert.is(root.constant(DW_AT.DW_AT_language), 0x1dn);
  assert.is(unit.baseAddress, 0x1000n);
  assert.equal(unit.ranges(root), [{ begin: 0x1000n, end: 0x1200n }]);
  const [main] = dwarf.functionIndex().byName('main');
  assert.ok(main.external);
  assert.is(main.declLine, 7);
  assert.equal(main.instances[0].ranges, [{ begin: 0x1000n, end: 0x1040n }, { begin: 0x1100n, end: 0x1120n }]);
  assert.is(main.instances[0].entryPc, 0x1000n);
  assert.is(dwarf.typeName(dwarf.returnType(main.die)), 'int');
  const vars = dwarf.variables(main.die);
  assert.equal(vars.map((v) => `${v.kind} ${v.name}:${dwarf.typeName(v.type)}`), ['parameter argc:int', 'local big:int']);
  const argc = vars[0];
  assert.equal(variableLocationAt(argc, 0x1008n), { kind: 'expression', expression: new Uint8Array([DW_OP.DW_OP_reg5]), section: '.debug_loclists', offset: argc.location.kind === 'list' ? argc.location.entries[0].offset : -1 });
  assert.is(variableLocationAt(argc, 0x1050n).kind, 'optimizedOut');
  const late = variableLocationAt(argc, 0x1110n);
  assert.equal(late.kind === 'expression' && [...late.expression], [DW_OP.DW_OP_fbreg, 0x6c]);
  assert.equal(vars[1].location, { kind: 'constant', value: new Uint8Array(Array.from({ length: 16 }, (_, i) => i)) });
});

test('bad bytes are DecodeErrors naming the section and offset', () => {
  const good = sections();
  const error = (changed: Record<string, Uint8Array>, what: (d: Dwarf) => unknown): DecodeError => {
    const dwarf = new Dwarf(DwarfSections.fromRecord({ ...good, ...changed }));
    try {
      what(dwarf);
    } catch (e) {
      assert.instance(e, DecodeError);
      return e as DecodeError;
    }
    throw new Error('no error');
  };
  const truncated = error({ '.debug_info': good['.debug_info'].subarray(0, 40) }, (d) => d.ctx.units());
  assert.is(truncated.section, '.debug_info');
  assert.match(truncated.message, /runs past the end of the section/);
  const info = good['.debug_info'].slice();
  info[12] = 9; // the root's abbreviation code: not in the table
  assert.match(error({ '.debug_info': info }, (d) => d.ctx.units()[0].root()).message, /abbreviation code 9 is not in the unit's table/);
  const abbrev = good['.debug_abbrev'].slice();
  abbrev[4] = 0x7e; // the producer's form
  assert.match(error({ '.debug_abbrev': abbrev }, (d) => d.ctx.units()[0].root()).message, /unknown attribute form DW_FORM_unknown\(0x7e\)/);
  const version = good['.debug_info'].slice();
  version[4] = 9;
  const v = error({ '.debug_info': version }, (d) => d.ctx.units());
  assert.is(v.offset, 4);
  assert.match(v.message, /^\.debug_info\+0x4: DWARF version 9 is not supported/);
  const offsets = good['.debug_str_offsets'].subarray(0, 12);
  assert.match(error({ '.debug_str_offsets': offsets }, (d) => d.ctx.units()[0].root().name).message, /string index 1 .* outside/);
});

test.run();
