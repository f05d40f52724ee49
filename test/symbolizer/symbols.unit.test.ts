// Symbol tables, PLT stubs, build-ids, file offsets and address → symbol, against binutils on the
// fixtures and on system binaries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import { ElfFile } from '../../symbolizer/elf-file';
import { STB, STT } from '../../symbolizer/elf-constants';
import { readBuildId } from '../../symbolizer/notes';
import { readPltEntries } from '../../symbolizer/plt';
import { loadSegments, vaddrToFileOffset, fileOffsetToVaddr } from '../../symbolizer/segments';
import { SymbolTable } from '../../symbolizer/symbol-table';
import { isFunctionSymbol, readSymbols, versionedName } from '../../symbolizer/symbols';
import { fixture } from '../support/paths';
import { nmCode, objdumpFileOffsets, objdumpPlt, readelfBuildId, readelfSymbols } from './oracles';

const SYSTEM = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/postgresql/15/bin/postgres', '/usr/lib/x86_64-linux-gnu/libpq.so.5'].filter((p) => fs.existsSync(p));
const FIXTURES = ['hello', 'args-O0', 'args-O2', 'args-O2-nopie', 'args-stripped', 'args-buildid', 'multi-O2', 'libfixture.so', 'uselib'].map(fixture);
const ALL = [...FIXTURES, ...SYSTEM];

const key = (name: string, address: bigint) => `${name} ${address.toString(16)}`;
const sorted = (xs: string[]) => [...new Set(xs)].sort();

for (const file of ALL) {
  test(`${file}: function symbols of .symtab and .dynsym are nm's`, () => {
    const elf = ElfFile.open(file);
    for (const [table, dynamic] of [['.symtab', false], ['.dynsym', true]] as const) {
      const ours = (readSymbols(elf, table) ?? []).filter(isFunctionSymbol).map((s) => key(dynamic ? versionedName(s) : s.name, s.value));
      let nm: string[] = [];
      try {
        nm = nmCode(file, dynamic).map((s) => key(s.name, s.address));
      } catch {
        nm = []; // nm fails on a file without that table
      }
      assert.equal(sorted(ours), sorted(nm), `${table}`);
    }
    elf.close();
  });

  test(`${file}: sizes, bindings and types are readelf's`, () => {
    const elf = ElfFile.open(file);
    const bindName: Record<number, string> = { [STB.STB_LOCAL]: 'LOCAL', [STB.STB_GLOBAL]: 'GLOBAL', [STB.STB_WEAK]: 'WEAK', [STB.STB_GNU_UNIQUE]: 'UNIQUE' };
    const typeName: Record<number, string> = { [STT.STT_NOTYPE]: 'NOTYPE', [STT.STT_OBJECT]: 'OBJECT', [STT.STT_FUNC]: 'FUNC', [STT.STT_SECTION]: 'SECTION', [STT.STT_FILE]: 'FILE', [STT.STT_TLS]: 'TLS', [STT.STT_GNU_IFUNC]: 'IFUNC' };
    for (const table of ['.symtab', '.dynsym'] as const) {
      const ours = readSymbols(elf, table) ?? [];
      const theirs = readelfSymbols(file, table).slice(1); // readelf lists the null symbol
      assert.is(ours.length, theirs.length, `${table} count`);
      for (let i = 0; i < ours.length; i++) {
        const a = ours[i];
        const b = theirs[i];
        const row = `${table}[${a.index}] ${a.name}`;
        assert.is(a.value, b.value, row);
        assert.is(a.size, b.size, row);
        assert.is(bindName[a.binding], b.bind, row);
        assert.is(typeName[a.type] ?? 'other', typeName[a.type] ? b.type : 'other', row);
        if (table === '.symtab') assert.is(a.name, b.name, row);
        else assert.is(versionedName(a), b.name, row);
      }
    }
    elf.close();
  });

  test(`${file}: PLT stubs are objdump's`, () => {
    const elf = ElfFile.open(file);
    const ours = readPltEntries(elf).map((p) => key(p.name, p.address));
    const theirs = objdumpPlt(file).filter((p) => !p.name.startsWith('*ABS*')).map((p) => key(p.name.replace(/@(?!plt)[^@]*(?=@plt)/, ''), p.address));
    assert.equal(sorted(ours.filter((k) => !k.startsWith('*ABS*'))), sorted(theirs));
    elf.close();
  });

  test(`${file}: build-id is readelf's`, () => {
    const elf = ElfFile.open(file);
    assert.is(readBuildId(elf), readelfBuildId(file));
    elf.close();
  });
}

for (const file of [...FIXTURES.filter((f) => !/stripped|buildid/.test(f)), ...SYSTEM]) {
  test(`${file}: file offsets of functions are objdump -F's`, () => {
    const elf = ElfFile.open(file);
    const segments = loadSegments(elf);
    const theirs = objdumpFileOffsets(file);
    let checked = 0;
    for (const [name, { address, offset }] of theirs) {
      assert.is(vaddrToFileOffset(segments, address), offset, name);
      assert.is(fileOffsetToVaddr(segments, offset), address, name);
      checked++;
    }
    assert.ok(checked > 0);
    elf.close();
  });
}

for (const file of ALL) {
  test(`${file}: address → symbol+offset names the function nm puts there`, () => {
    const elf = ElfFile.open(file);
    const table = SymbolTable.fromElf(elf);
    const functions = (readSymbols(elf, '.symtab') ?? readSymbols(elf, '.dynsym') ?? []).filter((s) => isFunctionSymbol(s) && s.size > 0);
    // Aliases (several names at one address) are all right answers.
    const namesAt = new Map<bigint, Set<string>>();
    for (const s of functions) (namesAt.get(s.value) ?? namesAt.set(s.value, new Set()).get(s.value)!).add(s.name);
    const step = Math.max(1, Math.floor(functions.length / 400));
    for (let i = 0; i < functions.length; i += step) {
      const s = functions[i];
      for (const delta of [0n, BigInt(s.size - 1), BigInt(s.size >> 1)]) {
        const hit = table.at(s.value + delta);
        assert.ok(hit, `${s.name}+${delta}`);
        // A local label or a nested function inside may name an inner address; at the start the name must be an alias.
        if (delta === 0n) {
          assert.ok(namesAt.get(s.value)!.has(hit!.symbol.name), `${s.name}: got ${hit!.symbol.name}`);
          assert.is(hit!.offset, 0n);
        } else assert.ok(hit!.symbol.address <= s.value + delta && hit!.symbol.address + BigInt(Math.max(1, hit!.symbol.size)) > s.value + delta);
      }
      assert.is(table.byName(s.name).some((c) => c.address === s.value), true, s.name);
    }
    for (const p of readPltEntries(elf)) assert.is(table.describe(p.address + 4n), `${p.name}+0x4`);
    elf.close();
  });
}

test('a symbol table survives the cache round trip', () => {
  const elf = ElfFile.open(fixture('libfixture.so'));
  const table = SymbolTable.fromElf(elf);
  const again = SymbolTable.fromJSON(JSON.parse(JSON.stringify(table.toJSON())));
  assert.equal(again.symbols, table.symbols);
  assert.throws(() => SymbolTable.fromJSON({ format: 0, symbols: [] }));
  elf.close();
});

test.run();
