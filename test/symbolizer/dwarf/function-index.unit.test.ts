import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { ElfFile } from '../../../symbolizer/elf-file';
import { Dwarf } from '../../../symbolizer/dwarf/dwarf';
import { FunctionIndex } from '../../../symbolizer/dwarf/function-index';
import { buildProgram, libcDebugFile, OTHER_C, PARAMS_C, paramsProgram, VARIANTS } from './programs';

/** nm's function symbols: address → names (without version suffixes; also without glibc's __GI_ alias prefix). */
function nmFunctions(file: string): Map<bigint, string[]> {
  const out = execFileSync('nm', ['--defined-only', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const map = new Map<bigint, string[]>();
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) [tTiWw] (\S+)/.exec(line);
    if (!m) continue;
    const name = m[2].replace(/@.*$/, '');
    const address = BigInt(`0x${m[1]}`);
    const list = map.get(address) ?? [];
    list.push(name, name.replace(/^__GI_/, ''));
    map.set(address, list);
  }
  return map;
}

/** A symbol name is the DWARF function's when equal, or a GCC clone of it (`f.constprop.0`, `f.part.0`). */
function symbolMatches(symbol: string, name: string, linkage?: string): boolean {
  return symbol === name || symbol === linkage || symbol.startsWith(`${name}.`);
}

function lineOf(source: string, text: string): number {
  const i = source.split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `source has no line with ${text}`);
  return i + 1;
}

for (const variant of VARIANTS) {
  test(`${variant.name}: out-of-line functions are exactly nm's function symbols of our sources`, () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const index = dwarf.functionIndex();
    const ours = new Set<string>();
    for (const f of index.functions) {
      for (const i of f.instances) ours.add(`${f.name}@${i.entryPc.toString(16)}`);
    }
    // nm -l attributes each symbol to a source file via the line table (binutils' own reader).
    const nm = execFileSync('nm', ['-l', '--defined-only', exe], { encoding: 'utf8' });
    const theirs = new Set<string>();
    for (const line of nm.split('\n')) {
      const m = /^([0-9a-f]+) [tT] (\S+)\s+(\S+):\d+/.exec(line);
      if (m && /\/(params|other)\.c$/.test(m[3])) theirs.add(`${m[2].replace(/\..*$/, '')}@${BigInt(`0x${m[1]}`).toString(16)}`);
    }
    assert.equal([...ours].sort(), [...theirs].sort());
    elf.close();
  });

  test(`${variant.name}: names, declaration lines, external/static, inlined call sites`, () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const index = dwarf.functionIndex();
    const one = (name: string) => {
      const list = index.byName(name);
      assert.is(list.length, 1, `one ${name}`);
      return list[0];
    };
    const takeInts = one('take_ints');
    assert.is(takeInts.declLine, lineOf(PARAMS_C, 'long take_ints('));
    assert.ok(takeInts.declFile?.endsWith('/params.c'), takeInts.declFile);
    assert.ok(takeInts.external);
    assert.is(one('callback_impl').external, false);
    // Two static functions share a name, one per file.
    const same = index.byName('same_name').map((f) => [f.declFile?.replace(/.*\//, ''), f.declLine]).sort();
    assert.equal(same, [['other.c', lineOf(OTHER_C, 'int same_name(')], ['params.c', lineOf(PARAMS_C, 'int same_name(')]]);
    const square = one('square');
    if (variant.name.startsWith('O2')) {
      // GCC writes DW_AT_inline only when it builds an abstract instance (when it inlines).
      assert.ok(square.declaredInline);
      assert.ok(square.inlined.length >= 2, 'square is inlined at -O2');
      const withLocals = one('with_locals').instances[0];
      const main = one('main').instances[0];
      const callLines = new Set(square.inlined.map((i) => i.callLine));
      assert.ok(callLines.has(lineOf(PARAMS_C, 'int sq = square(i)')));
      for (const i of square.inlined) {
        const caller = [withLocals, main].find((c) => c.die === i.caller);
        assert.ok(caller, `inlined square at ${i.entryPc.toString(16)} has a known caller`);
        assert.ok(i.entryPc >= caller!.lowPc && i.entryPc <= caller!.highPc, 'entry pc inside the caller');
        assert.ok(i.callFile?.endsWith('/params.c'));
      }
    } else {
      assert.is(square.inlined.length, 0);
      assert.is(square.instances.length, 1);
    }
    elf.close();
  });
}

for (const variant of VARIANTS.filter((v) => v.name.startsWith('O0'))) {
  test(`${variant.name}: the after-prologue address is where gdb puts \`break FUNCTION\``, () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    // Functions of several lines (on a one-line function gdb also skips the frame setup by
    // disassembling it; the line table alone cannot tell, and the entry pc is where we stay).
    const names = ['take_ints', 'take_pointers', 'take_structs', 'with_locals', 'main'];
    const out = execFileSync('gdb', ['-q', '-nx', '-batch', ...names.flatMap((n) => ['-ex', `break ${n}`]), exe], { encoding: 'utf8' });
    const theirs = [...out.matchAll(/Breakpoint \d+ at (0x[0-9a-f]+)/g)].map((m) => BigInt(m[1]));
    const ours = names.map((n) => dwarf.afterPrologue(dwarf.functionIndex().byName(n)[0].instances[0]));
    assert.equal(ours, theirs);
    elf.close();
  });
}

test('C++: member functions defined out of class (DW_AT_specification), namespaces, linkage names', () => {
  const exe = buildProgram('cxx-methods', {
    'methods.cc': [
      'namespace shapes {',
      'struct Circle {',
      '  int r;',
      '  __attribute__((noinline)) int area(int scale) const;',
      '};',
      'int Circle::area(int scale) const { return 3 * r * r * scale; }',
      '}',
      'int main(int argc, char **) { shapes::Circle c{argc}; return c.area(2); }',
      '',
    ].join('\n'),
  }, ['-O0', '-g']);
  const elf = ElfFile.open(exe);
  const dwarf = Dwarf.fromElf(elf)!;
  const [area] = dwarf.functionIndex().byName('area');
  assert.ok(area, 'area is indexed under its DW_AT_name');
  assert.is(area.linkageName, '_ZNK6shapes6Circle4areaEi');
  assert.is(area.declLine, 6, 'the definition\'s own line, as libdw reports it');
  assert.is(area.instances.length, 1);
  const nm = execFileSync('nm', [exe], { encoding: 'utf8' });
  assert.match(nm, new RegExp(`^0*${area.instances[0].entryPc.toString(16)} T _ZNK6shapes6Circle4areaEi$`, 'm'));
  const params = dwarf.variables(area.instances[0].die).map((v) => `${v.artificial ? '*' : ''}$${v.name}:${dwarf.typeName(v.type)}`);
  assert.equal(params, ['*$this:struct Circle const* const', '$scale:int']);
  elf.close();
});

test('the index survives a JSON round trip (the build-id cache format)', () => {
  const elf = ElfFile.open(paramsProgram(VARIANTS[1]));
  const index = Dwarf.fromElf(elf)!.functionIndex();
  const again = FunctionIndex.fromJSON(JSON.parse(JSON.stringify(index.toJSON())));
  assert.equal(again.functions, index.functions);
  const main = index.byName('main')[0].instances[0];
  assert.is(again.functionAt(main.entryPc + 1n)?.record.name, 'main');
  elf.close();
});

const libc = libcDebugFile();
if (libc) {
  test('libc debug file: every out-of-line function starts at an nm symbol of its name', () => {
    const elf = ElfFile.open(libc);
    const index = Dwarf.fromElf(elf)!.functionIndex();
    const symbols = nmFunctions(libc);
    let instances = 0;
    const mismatches: string[] = [];
    for (const f of index.functions) {
      for (const i of f.instances) {
        instances++;
        const names = symbols.get(i.entryPc) ?? [];
        if (!names.some((n) => symbolMatches(n, f.name, f.linkageName))) mismatches.push(`${f.name}@0x${i.entryPc.toString(16)}: nm has ${names.join(',') || 'nothing'}`);
      }
    }
    assert.ok(instances > 3000, `${instances} instances`);
    assert.equal(mismatches, []);
    elf.close();
  });
} else {
  console.log('SKIP: libc comparison: libc6-dbg is not installed');
}

test.run();
