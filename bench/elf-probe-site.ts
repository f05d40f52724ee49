// Where a function starts, in the forms the tools need: the file offset (tracefs uprobe events,
// the C floor) and the length of its first instruction (the floor's out-of-line slot). Read
// with binutils (nm, readelf, objdump) so the benchmark does not depend on the code it measures.
import { execFileSync } from 'node:child_process';

export interface ProbeSite {
  binary: string;
  symbol: string;
  vaddr: number;
  fileOffset: number;
  /** Length in bytes of the first instruction, and its text as objdump prints it. */
  firstInsnLength: number;
  firstInsn: string;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function probeSite(binary: string, symbol: string): ProbeSite {
  const symbols = run('nm', ['--defined-only', binary]);
  const line = symbols.split('\n').find((l) => l.endsWith(` ${symbol}`) && / [tT] /.test(l));
  if (!line) throw new Error(`${binary} defines no function ${symbol}`);
  const vaddr = parseInt(line.split(' ')[0], 16);

  // vaddr → file offset through the LOAD segment holding it.
  let fileOffset: number | undefined;
  for (const l of run('readelf', ['-lW', binary]).split('\n')) {
    const m = /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(l);
    if (!m) continue;
    const [offset, segVaddr, fileSize] = [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
    if (vaddr >= segVaddr && vaddr < segVaddr + fileSize) fileOffset = offset + (vaddr - segVaddr);
  }
  if (fileOffset === undefined) throw new Error(`${symbol} at 0x${vaddr.toString(16)} is in no LOAD segment of ${binary}`);

  const insn = instructionAt(binary, vaddr);
  return { binary, symbol, vaddr, fileOffset, firstInsnLength: insn.length, firstInsn: insn.text };
}

/** The instruction at `vaddr`, from objdump's line "  13de:\t55                   \tpush   %rbp". */
export function instructionAt(binary: string, vaddr: number): { length: number; text: string } {
  const dump = run('objdump', ['-d', `--start-address=0x${vaddr.toString(16)}`, `--stop-address=0x${(vaddr + 16).toString(16)}`, binary]);
  const insn = dump.split('\n').find((l) => /^\s*[0-9a-f]+:\t/.test(l));
  if (!insn) throw new Error(`objdump shows no instruction at 0x${vaddr.toString(16)} in ${binary}`);
  const [, bytes, text] = insn.split('\t');
  return { length: bytes.trim().split(/\s+/).length, text: (text ?? '').trim().replace(/\s+/g, ' ').replace(/\s*#.*$/, '') };
}
