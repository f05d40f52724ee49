// binutils as ground truth for the ELF tests: nm, readelf, objdump and addr2line, run on the
// same file and parsed into plain data.
import { execFileSync } from 'node:child_process';

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 512 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

export interface NmSymbol {
  name: string;
  address: bigint;
  kind: string;
}

/** Address ranges of the sections readelf -S marks executable (X). */
export function executableRanges(file: string): Array<[bigint, bigint]> {
  const out = run('readelf', ['-W', '-S', file]);
  const ranges: Array<[bigint, bigint]> = [];
  for (const m of out.matchAll(/^\s*\[\s*\d+\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*X\S*)\s/gm)) {
    const start = BigInt(`0x${m[1]}`);
    ranges.push([start, start + BigInt(`0x${m[2]}`)]);
  }
  return ranges;
}

/**
 * Defined code symbols as nm lists them: T t W i in an executable section (nm's W also covers
 * weak data, which the section check leaves out); `dynamic` reads .dynsym (nm -D).
 */
export function nmCode(file: string, dynamic = false): NmSymbol[] {
  const out = run('nm', [...(dynamic ? ['-D'] : []), '--defined-only', file]);
  const code = executableRanges(file);
  const list: NmSymbol[] = [];
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) ([TtWi]) (\S+)$/.exec(line);
    if (!m) continue;
    const address = BigInt(`0x${m[1]}`);
    if (code.some(([lo, hi]) => address >= lo && address < hi)) list.push({ address, kind: m[2], name: m[3] });
  }
  return list;
}

export interface ReadelfSymbol {
  value: bigint;
  size: number;
  type: string;
  bind: string;
  ndx: string;
  name: string;
}

/** readelf -Ws rows of one table ('.symtab' or '.dynsym'). */
export function readelfSymbols(file: string, table: '.symtab' | '.dynsym'): ReadelfSymbol[] {
  const out = run('readelf', ['-W', table === '.symtab' ? '--syms' : '--dyn-syms', file]);
  const rows: ReadelfSymbol[] = [];
  let inTable = false;
  for (const line of out.split('\n')) {
    if (line.startsWith('Symbol table')) {
      inTable = line.includes(`'${table}'`);
      continue;
    }
    if (!inTable) continue;
    const m = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m || m[1] === undefined) continue;
    rows.push({ value: BigInt(`0x${m[1]}`), size: Number(m[2]), type: m[3], bind: m[4], ndx: m[6], name: (m[7] ?? '').replace(/ \(\d+\)$/, '') });
  }
  return rows;
}

/** `address name@plt` of every PLT stub objdump disassembles. */
export function objdumpPlt(file: string): Array<{ address: bigint; name: string }> {
  let out: string;
  try {
    out = run('objdump', ['-d', '-j', '.plt', '-j', '.plt.sec', '-j', '.plt.got', file]);
  } catch {
    return [];
  }
  return [...out.matchAll(/^([0-9a-f]+) <(.+@plt)>:$/gm)].map((m) => ({ address: BigInt(`0x${m[1]}`), name: m[2] }));
}

/** Symbol → file offset as objdump -F reports it in a disassembly. */
export function objdumpFileOffsets(file: string): Map<string, { address: bigint; offset: bigint }> {
  const out = run('objdump', ['-d', '-F', '-j', '.text', file]);
  const map = new Map<string, { address: bigint; offset: bigint }>();
  for (const m of out.matchAll(/^([0-9a-f]+) <([^>]+)> \(File Offset: 0x([0-9a-f]+)\):$/gm)) {
    map.set(m[2], { address: BigInt(`0x${m[1]}`), offset: BigInt(`0x${m[3]}`) });
  }
  return map;
}

export function readelfBuildId(file: string): string | undefined {
  return /Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', file]))?.[1];
}

/** addr2line -f -e FILE ADDR...: per address the function name and file:line (line 0 when unknown). */
export function addr2line(file: string, addresses: bigint[]): Array<{ fn: string; file: string; line: number }> {
  const out = run('addr2line', ['-f', '-e', file, ...addresses.map((a) => `0x${a.toString(16)}`)]).split('\n');
  const rows: Array<{ fn: string; file: string; line: number }> = [];
  for (let i = 0; i + 1 < out.length; i += 2) {
    const m = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(out[i + 1]);
    rows.push({ fn: out[i], file: m ? m[1] : '??', line: m && m[2] !== '?' ? Number(m[2]) : 0 });
  }
  return rows;
}
