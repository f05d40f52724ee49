import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { ElfFile } from '../../../symbolizer/elf-file';
import { CallFrameInfo, type FrameDescriptionEntry, type FrameSection } from '../../../symbolizer/dwarf/cfi';
import { unwindRows, unwindRowAt, type RegisterRule, type UnwindRow } from '../../../symbolizer/dwarf/cfi-table';
import { buildProgram, OTHER_C, PARAMS_C, paramsProgram, VARIANTS } from './programs';

// readelf's register column names for x86-64 DWARF numbers ("ra" is the return-address column 16).
const NAMES = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'ra'];

interface ReadelfFde {
  section: FrameSection;
  offset: number;
  pcBegin: bigint;
  pcEnd: bigint;
  /** Each row: LOC, CFA text, and register column → rule text. */
  rows: Array<{ loc: bigint; cfa: string; regs: Map<string, string> }>;
}

/** Parses `readelf --debug-dump=frames-interp`. */
function readelfFrames(file: string): ReadelfFde[] {
  const text = execFileSync('readelf', ['-W', '-wN', '--debug-dump=frames-interp', file], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const out: ReadelfFde[] = [];
  let section: FrameSection = '.eh_frame';
  let current: ReadelfFde | undefined;
  let columns: string[] = [];
  for (const line of text.split('\n')) {
    const s = /^Contents of the (\.eh_frame|\.debug_frame) section/.exec(line);
    if (s) {
      section = s[1] as FrameSection;
      current = undefined;
      continue;
    }
    const fde = /^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (fde) {
      current = { section, offset: parseInt(fde[1], 16), pcBegin: BigInt(`0x${fde[2]}`), pcEnd: BigInt(`0x${fde[3]}`), rows: [] };
      out.push(current);
      continue;
    }
    if (/^\S+ [0-9a-f]+ [0-9a-f]+ CIE/.test(line)) {
      current = undefined;
      continue;
    }
    if (!current) continue;
    if (/^\s+LOC\s+CFA/.test(line)) {
      columns = line.trim().split(/\s+/).slice(2);
      continue;
    }
    const row = /^([0-9a-f]{16}) (.*)$/.exec(line);
    if (row) {
      const tokens = row[2].match(/r\d+ \(\w+\)|\S+/g) ?? [];
      const regs = new Map<string, string>();
      columns.forEach((c, i) => regs.set(c, tokens[i + 1] ?? ''));
      current.rows.push({ loc: BigInt(`0x${row[1]}`), cfa: tokens[0] ?? '', regs });
    }
  }
  return out;
}

function cfaText(row: UnwindRow): string {
  if (row.cfa.kind === 'expression') return 'exp';
  const off = Number(row.cfa.offset);
  return `${NAMES[row.cfa.register] ?? `r${row.cfa.register}`}${off >= 0 ? '+' : ''}${off}`;
}

function ruleText(rule: RegisterRule | undefined): string {
  if (!rule) return 'u';
  switch (rule.kind) {
    case 'undefined': return 'u';
    case 'sameValue': return 's';
    case 'offset': return `c${rule.offset >= 0n ? '+' : ''}${rule.offset}`;
    case 'valOffset': return `v${rule.offset >= 0n ? '+' : ''}${rule.offset}`;
    case 'register': return `r${rule.register} (${NAMES[rule.register] ?? '?'})`;
    case 'expression': return 'exp';
    case 'valExpression': return 'vexp';
  }
}

/** Every FDE's rule table equals readelf's; fdeFor finds each FDE from pcs inside it. */
function compareWithReadelf(file: string, loadedFile = file): { fdes: number; rows: number } {
  const elf = ElfFile.open(loadedFile);
  const cfi = CallFrameInfo.fromElf(elf);
  const theirs = readelfFrames(file);
  const problems: string[] = [];
  let rows = 0;
  const ours = new Map<string, FrameDescriptionEntry>();
  for (const section of ['.eh_frame', '.debug_frame'] as FrameSection[]) for (const f of cfi.entries(section)) ours.set(`${section}:${f.offset}`, f);
  for (const t of theirs) {
    const fde = ours.get(`${t.section}:${t.offset}`);
    if (!fde) {
      problems.push(`${t.section}+0x${t.offset.toString(16)}: we found no FDE`);
      continue;
    }
    if (fde.pcBegin !== t.pcBegin || fde.pcEnd !== t.pcEnd) problems.push(`${t.section}+0x${t.offset.toString(16)}: pc ${fde.pcBegin.toString(16)}..${fde.pcEnd.toString(16)}, readelf ${t.pcBegin.toString(16)}..${t.pcEnd.toString(16)}`);
    const mine = unwindRows(fde);
    // readelf prints a row for every location the instructions reach; ours skip zero-length rows.
    const theirRows = t.rows.filter((r, i) => i + 1 >= t.rows.length || t.rows[i + 1].loc !== r.loc);
    if (theirRows.length === 0) continue;
    for (const r of theirRows) {
      rows++;
      const m = mine.find((x) => x.start <= r.loc && r.loc < x.end) ?? (r.loc === fde.pcEnd ? mine[mine.length - 1] : undefined);
      if (!m) {
        problems.push(`${t.section}+0x${t.offset.toString(16)} at ${r.loc.toString(16)}: no row`);
        continue;
      }
      const got = [cfaText(m), ...[...r.regs.keys()].map((c) => ruleText(m.registers.get(NAMES.indexOf(c))))];
      const want = [r.cfa, ...r.regs.values()];
      if (got.join(' ') !== want.join(' ')) problems.push(`${t.section}+0x${t.offset.toString(16)} at ${r.loc.toString(16)}: ${got.join(' ')} | readelf ${want.join(' ')}`);
      const at = unwindRowAt(fde, r.loc);
      if (cfaText(at) !== r.cfa) problems.push(`unwindRowAt(${r.loc.toString(16)}) CFA ${cfaText(at)}, readelf ${r.cfa}`);
    }
    if (t.section === '.eh_frame' && fde.pcEnd > fde.pcBegin) {
      for (const pc of [fde.pcBegin, (fde.pcBegin + fde.pcEnd) / 2n, fde.pcEnd - 1n]) {
        const found = cfi.fdeFor(pc);
        if (found?.offset !== fde.offset) problems.push(`fdeFor(0x${pc.toString(16)}) gave ${found ? `+0x${found.offset.toString(16)}` : 'nothing'}, expected +0x${fde.offset.toString(16)}`);
      }
    }
  }
  elf.close();
  assert.equal(problems.slice(0, 30), []);
  return { fdes: theirs.length, rows };
}

for (const variant of VARIANTS) {
  test(`${variant.name}: .eh_frame rule tables equal readelf --debug-dump=frames-interp`, () => {
    const { fdes } = compareWithReadelf(paramsProgram(variant));
    assert.ok(fdes >= 5);
  });
}

test('.debug_frame (built with -fno-asynchronous-unwind-tables) equals readelf', () => {
  const exe = buildProgram('params-debug-frame', { 'params.c': PARAMS_C, 'other.c': OTHER_C }, ['-O2', '-g', '-fno-asynchronous-unwind-tables']);
  const elf = ElfFile.open(exe);
  assert.ok(elf.section('.debug_frame'), 'the build has .debug_frame');
  elf.close();
  const { fdes } = compareWithReadelf(exe);
  assert.ok(fdes >= 5);
});

for (const file of ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/postgresql/15/bin/postgres']) {
  if (!fs.existsSync(file)) {
    console.log(`SKIP: CFI of ${file}: not installed`);
    continue;
  }
  test(`${file}: every .eh_frame rule table equals readelf, and .eh_frame_hdr finds every FDE`, () => {
    const { fdes, rows } = compareWithReadelf(file);
    assert.ok(fdes > 1000 && rows > 5000, `${fdes} FDEs, ${rows} rows`);
  });
}

test.run();
