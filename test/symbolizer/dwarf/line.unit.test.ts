import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { ElfFile } from '../../../symbolizer/elf-file';
import { Dwarf } from '../../../symbolizer/dwarf/dwarf';
import { decompressedCopy, libcDebugFile, PARAMS_C, paramsProgram, VARIANTS } from './programs';

/** objdump's decoded rows as `address line|- S?` strings, end-of-sequence rows as line '-'. */
function objdumpRows(file: string): string[] {
  const out = execFileSync('objdump', ['--dwarf=decodedline', file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const rows: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^(\S.*?)\s+(\d+|-)\s+(0x[0-9a-f]+)(?:\s+(\d+))?\s*(x?)\s*$/.exec(line);
    if (m) rows.push(`${BigInt(m[3]).toString(16)} ${m[2]} ${m[5] === 'x' ? 'S' : ''}`);
  }
  return rows;
}

function ourRows(dwarf: Dwarf): string[] {
  const rows: string[] = [];
  for (const unit of dwarf.ctx.units()) {
    const table = dwarf.ctx.lineTable(unit);
    if (!table) continue;
    for (const r of table.rows()) rows.push(`${r.address.toString(16)} ${r.endSequence ? '-' : r.line} ${r.isStmt && !r.endSequence ? 'S' : ''}`);
  }
  return rows;
}

/** Multiset difference, both ways, so a failure names the rows that differ. */
function compareRows(ours: string[], theirs: string[]): { extra: string[]; missing: string[] } {
  const counts = new Map<string, number>();
  for (const r of theirs) counts.set(r, (counts.get(r) ?? 0) + 1);
  const extra: string[] = [];
  for (const r of ours) {
    const n = counts.get(r) ?? 0;
    if (n === 0) extra.push(r);
    else counts.set(r, n - 1);
  }
  const missing = [...counts].filter(([, n]) => n > 0).map(([r, n]) => `${r} ×${n}`);
  return { extra: extra.slice(0, 20), missing: missing.slice(0, 20) };
}

for (const variant of VARIANTS) {
  test(`${variant.name}: every line-table row equals objdump --dwarf=decodedline`, () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const ours = ourRows(Dwarf.fromElf(elf)!);
    const theirs = objdumpRows(exe);
    assert.ok(theirs.length > 20);
    assert.equal(ours, theirs, 'same rows in the same order');
    elf.close();
  });

  test(`${variant.name}: address → file:line agrees with addr2line on every function entry`, () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const pcs = dwarf.functionIndex().functions.flatMap((f) => [...f.instances, ...f.inlined].map((i) => i.entryPc));
    const out = execFileSync('addr2line', ['-e', exe, ...pcs.map((p) => `0x${p.toString(16)}`)], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.replace(/ \(discriminator \d+\)$/, ''));
    const ours = pcs.map((pc) => {
      const row = dwarf.lineAt(pc);
      return row ? `${row.path}:${row.line}` : '??:0';
    });
    assert.equal(ours, out);
    elf.close();
  });

  test(`${variant.name}: file:line → addresses are the is_stmt rows of that line`, () => {
    const exe = paramsProgram(variant);
    const elf = ElfFile.open(exe);
    const dwarf = Dwarf.fromElf(elf)!;
    const line = PARAMS_C.split('\n').findIndex((l) => l.includes('total += sq;')) + 1;
    const rows = dwarf.linesFor((p) => p.endsWith('/params.c'), line);
    assert.ok(rows.length >= 1, 'the line has code');
    // Each address must be one objdump lists for that line with the stmt flag.
    const theirs = new Set(objdumpRows(exe).filter((r) => r.endsWith(` ${line} S`)).map((r) => r.split(' ')[0]));
    for (const r of rows) assert.ok(theirs.has(r.address.toString(16)), `0x${r.address.toString(16)} is a stmt row of line ${line}`);
    assert.ok(rows.every((r) => r.line === line && r.isStmt));
    assert.equal(dwarf.linesFor((p) => p.endsWith('/no-such-file.c'), line), []);
    elf.close();
  });
}

const libc = libcDebugFile();
if (libc) {
  test('libc debug file: all line-table rows equal objdump --dwarf=decodedline', () => {
    const elf = ElfFile.open(libc);
    const ours = ourRows(Dwarf.fromElf(elf)!);
    const theirs = objdumpRows(decompressedCopy(libc));
    assert.ok(theirs.length > 100000, `${theirs.length} rows`);
    assert.equal(compareRows(ours, theirs), { extra: [], missing: [] });
    elf.close();
  });
} else {
  console.log('SKIP: libc line tables: libc6-dbg is not installed');
}

test.run();
