import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { ElfFile } from '../../../symbolizer/elf-file';
import { Dwarf } from '../../../symbolizer/dwarf/dwarf';
import type { TypeRef } from '../../../symbolizer/dwarf/types';
import { buildProgram, OTHER_C, PARAMS_C, paramsProgram, VARIANTS, type Variant } from './programs';

/** `$name:type` as SystemTap's -L spells it, for the parameters of the test program's functions. */
const EXPECTED_PARAMETERS: Record<string, string> = {
  take_ints: '$c:char $uc:unsigned char $s:short int $us:short unsigned int $i:int $u:unsigned int $l:long int $ul:long unsigned int $ll:long long int',
  take_pointers: '$str:char const* $node:struct node* $ip:int* $vp:void* $cb:callback_t $color:enum color $ul:ulong_t',
  take_structs: '$p:struct point $f:struct flags $n:union number $list:struct node* $arr:int*',
  main: '$argc:int $argv:char**',
  callback_impl: '$n:int $s:char const*',
};

/** With -fdebug-types-section, structs live in type units (.debug_types in DWARF 4). */
const ALL: Variant[] = [
  ...VARIANTS,
  { name: 'O0-dwarf4-type-units', flags: ['-O0', '-gdwarf-4', '-fdebug-types-section'] },
  { name: 'O2-dwarf5-type-units', flags: ['-O2', '-gdwarf-5', '-fdebug-types-section'] },
];

function program(variant: Variant): string {
  return variant.name.includes('type-units') ? buildProgram(`params-${variant.name}`, { 'params.c': PARAMS_C, 'other.c': OTHER_C }, variant.flags) : paramsProgram(variant);
}

/** Top-level members of a struct/union from gdb's `ptype /o`: name → [bit offset, bit size or undefined], plus the total size. */
function gdbLayout(exe: string, type: string): { members: Record<string, [number, number | undefined]>; size: number } {
  const text = execFileSync('gdb', ['-q', '-nx', '-batch', '-ex', `ptype /o ${type}`, exe], { encoding: 'utf8' });
  const members: Record<string, [number, number | undefined]> = {};
  let pending: number | undefined;
  let size = -1;
  let depth = 0;
  for (const line of text.split('\n')) {
    const m = /^\/\*\s+(?:(\d+)(?::\s*(\d+))?\s+\|)?\s+\d+ \*\/(\s+)(.*)$/.exec(line);
    if (m) {
      const offset = m[1] === undefined ? 0 : Number(m[1]) * 8 + Number(m[2] ?? 0);
      const body = m[4];
      if (m[3].length === 4 && body.endsWith('{')) pending = offset;
      else if (m[3].length === 4) {
        const f = /(\w+)(?:\[[^\]]*\])*(?: : (\d+))?;$/.exec(body)!;
        members[f[1]] = [offset, f[2] === undefined ? undefined : Number(f[2])];
      }
      if (body.endsWith('{')) depth++;
      continue;
    }
    const close = /^\s+} (\w+);$/.exec(line);
    if (close) {
      depth--;
      if (depth === 0 && pending !== undefined) members[close[1]] = [pending, undefined];
      continue;
    }
    const total = /total size \(bytes\):\s+(\d+)/.exec(line);
    if (total && depth === 0) size = Number(total[1]);
  }
  return { members, size };
}

for (const variant of ALL) {
  test(`${variant.name}: parameter types are named as stap -L names them`, () => {
    const exe = program(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    for (const [fn, expected] of Object.entries(EXPECTED_PARAMETERS)) {
      const instance = dwarf.functionIndex().byName(fn)[0].instances[0];
      const got = dwarf.variables(instance.die).filter((v) => v.kind === 'parameter').map((v) => `$${v.name}:${dwarf.typeName(v.type)}`).join(' ');
      assert.is(got, expected, fn);
    }
    const main = dwarf.functionIndex().byName('main')[0].instances[0];
    const locals = Object.fromEntries(dwarf.variables(main.die).filter((v) => v.kind === 'local').map((v) => [v.name, dwarf.typeName(v.type)]));
    assert.equal([locals.second, locals.arr, locals.sum, locals.n], ['struct node', 'int[]', 'long int', 'union number']);
    elf.close();
  });

  test(`${variant.name}: struct and union layouts (offsets, bitfields, sizes) equal gdb's ptype /o`, () => {
    const exe = program(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const instance = dwarf.functionIndex().byName('take_structs')[0].instances[0];
    const params = dwarf.variables(instance.die);
    const typeOf = (name: string): TypeRef => {
      const v = params.find((p) => p.name === name)!;
      const t = dwarf.types.strip(v.type);
      return t.kind === 'pointer' ? t.target! : v.type!;
    };
    for (const [param, gdbType] of [['p', 'struct point'], ['f', 'struct flags'], ['n', 'union number'], ['list', 'struct node']]) {
      const ref = typeOf(param);
      const t = dwarf.types.strip(ref);
      assert.ok(t.kind === 'struct' || t.kind === 'union', gdbType);
      if (t.kind !== 'struct' && t.kind !== 'union') continue;
      const ours: Record<string, [number, number | undefined]> = {};
      for (const m of t.members) ours[m.name!] = [m.bitOffset ?? m.byteOffset * 8, m.bitSize];
      const theirs = gdbLayout(exe, gdbType);
      assert.equal(ours, theirs.members, gdbType);
      assert.is(dwarf.types.sizeOf(ref), theirs.size, `sizeof(${gdbType})`);
    }
    // Arrays: int grid[2][3] is 24 bytes; the member of struct node after it.
    const node = dwarf.types.strip(typeOf('list'));
    const grid = node.kind === 'struct' ? node.members.find((m) => m.name === 'grid') : undefined;
    assert.equal(grid && dwarf.types.strip(grid.type), { ref: dwarf.types.strip(grid!.type).ref, kind: 'array', element: (dwarf.types.strip(grid!.type) as { element: number }).element, counts: [2, 3] });
    assert.is(dwarf.types.sizeOf(grid!.type), 24);
    elf.close();
  });
}

test.run();
