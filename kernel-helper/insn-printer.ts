// eBPF instructions as readable text, one line per instruction, in the notation of the kernel's
// verifier log and bpftool (`r1 = *(u64 *)(r10 - 8)`, `if r0 == 0 goto +5`, `call
// bpf_map_lookup_elem`), so generated code can be read, diffed against golden listings and
// compared with what the verifier prints. Opcodes it does not know print as their raw fields.
import { decodeInsns, type Insn } from './insn';
import * as U from './uapi';

export interface PrintOptions {
  /** Names a map by its fd in `r1 = map[...]` (default: `map_fd[<fd>]`). */
  mapName?(fd: number): string;
}

const SIZE_NAME: Record<number, string> = { [U.BPF_B]: '8', [U.BPF_H]: '16', [U.BPF_W]: '32', [U.BPF_DW]: '64' };

const ALU_OP: Record<number, string> = {
  [U.BPF_ADD]: '+=', [U.BPF_SUB]: '-=', [U.BPF_MUL]: '*=', [U.BPF_DIV]: '/=', [U.BPF_OR]: '|=', [U.BPF_AND]: '&=',
  [U.BPF_LSH]: '<<=', [U.BPF_RSH]: '>>=', [U.BPF_MOD]: '%=', [U.BPF_XOR]: '^=', [U.BPF_MOV]: '=', [U.BPF_ARSH]: 's>>=',
};

const JMP_OP: Record<number, string> = {
  [U.BPF_JEQ]: '==', [U.BPF_JGT]: '>', [U.BPF_JGE]: '>=', [U.BPF_JSET]: '&', [U.BPF_JNE]: '!=', [U.BPF_JSGT]: 's>',
  [U.BPF_JSGE]: 's>=', [U.BPF_JLT]: '<', [U.BPF_JLE]: '<=', [U.BPF_JSLT]: 's<', [U.BPF_JSLE]: 's<=',
};

const ATOMIC_NAME: Record<number, string> = { [U.BPF_ADD]: 'add', [U.BPF_OR]: 'or', [U.BPF_AND]: 'and', [U.BPF_XOR]: 'xor' };
const BPF_FETCH = 0x01;
const BPF_XCHG = 0xe0 | BPF_FETCH;
const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

/** Helper names by id, from the BPF_FUNC_* constants uapi.ts spells. */
const HELPER_NAME = new Map<number, string>(
  Object.entries(U)
    .filter(([name, value]) => name.startsWith('BPF_FUNC_') && typeof value === 'number')
    .map(([name, value]) => [value as number, `bpf_${name.slice('BPF_FUNC_'.length)}`]),
);

const signed = (n: number): string => (n < 0 ? `- ${-n}` : `+ ${n}`);
const mem = (size: number, reg: number, off: number, sx = false): string => `*(${sx ? 's' : 'u'}${SIZE_NAME[size]} *)(r${reg} ${signed(off)})`;
const jumpOffset = (off: number): string => (off < 0 ? `${off}` : `+${off}`);

/**
 * One instruction as text. `next` is the following slot (the high half of an ld_imm64);
 * `at` is the instruction's index, for absolute jump targets.
 */
export function printInsn(insn: Insn, next: Insn | undefined, at: number, options: PrintOptions = {}): string {
  const { code, dst, src, off, imm } = insn;
  const cls = code & 0x07;
  const size = code & 0x18;
  const mode = code & 0xe0;
  const op = code & 0xf0;
  const raw = `.insn code=0x${code.toString(16).padStart(2, '0')} dst=r${dst} src=r${src} off=${off} imm=${imm}`;
  switch (cls) {
    case U.BPF_ALU64:
    case U.BPF_ALU: {
      const r = cls === U.BPF_ALU64 ? 'r' : 'w';
      const operand = (code & U.BPF_X) !== 0 ? `${r}${src}` : `${imm}`;
      if (op === U.BPF_NEG) return `${r}${dst} = -${r}${dst}`;
      const name = ALU_OP[op];
      if (name === undefined) return raw;
      // off = 1 on BPF_DIV / BPF_MOD: the signed variants (cpu v4).
      const sdiv = off === 1 && (op === U.BPF_DIV || op === U.BPF_MOD) ? 's' : '';
      return `${r}${dst} ${sdiv}${name} ${operand}`;
    }
    case U.BPF_LDX:
      if (mode === U.BPF_MEM) return `r${dst} = ${mem(size, src, off)}`;
      if (mode === U.BPF_MEMSX) return `r${dst} = ${mem(size, src, off, true)}`;
      return raw;
    case U.BPF_ST:
      return mode === U.BPF_MEM ? `${mem(size, dst, off)} = ${imm}` : raw;
    case U.BPF_STX: {
      if (mode === U.BPF_MEM) return `${mem(size, dst, off)} = r${src}`;
      if (mode !== U.BPF_ATOMIC) return raw;
      const bits = size === U.BPF_DW ? '64' : '';
      const target = `(u${SIZE_NAME[size]} *)(r${dst} ${signed(off)})`;
      if (imm === BPF_XCHG) return `r${src} = atomic${bits}_xchg(${target}, r${src})`;
      if (imm === BPF_CMPXCHG) return `r0 = atomic${bits}_cmpxchg(${target}, r0, r${src})`;
      const name = ATOMIC_NAME[imm & ~BPF_FETCH];
      if (name === undefined) return raw;
      if (imm & BPF_FETCH) return `r${src} = atomic${bits}_fetch_${name}(${target}, r${src})`;
      return `lock *${target} ${ALU_OP[imm]} r${src}`;
    }
    case U.BPF_LD:
      if (code === (U.BPF_LD | U.BPF_DW | U.BPF_IMM) && next) {
        if (src === U.BPF_PSEUDO_MAP_FD) return `r${dst} = ${options.mapName ? options.mapName(imm) : `map_fd[${imm}]`}`;
        const value = (BigInt.asUintN(32, BigInt(next.imm)) << 32n) | BigInt.asUintN(32, BigInt(imm));
        return `r${dst} = 0x${value.toString(16)} ll`;
      }
      return raw;
    case U.BPF_JMP:
    case U.BPF_JMP32: {
      if (op === U.BPF_CALL) return `call ${HELPER_NAME.get(imm) ?? `helper#${imm}`}`;
      if (op === U.BPF_EXIT) return 'exit';
      const target = `goto ${jumpOffset(off)} <${at + 1 + off}>`;
      if (op === U.BPF_JA) return target;
      const name = JMP_OP[op];
      if (name === undefined) return raw;
      const r = cls === U.BPF_JMP ? 'r' : 'w';
      const operand = (code & U.BPF_X) !== 0 ? `${r}${src}` : `${imm}`;
      return `if ${r}${dst} ${name} ${operand} ${target}`;
    }
  }
  return raw;
}

/**
 * A program as a listing: each line its index (absolute jump targets print as `<index>`) and
 * text; the second slot of an ld_imm64 takes an index but no line.
 */
export function printProgram(program: readonly Insn[] | Uint8Array, options: PrintOptions = {}): string {
  const insns = program instanceof Uint8Array ? decodeInsns(program) : program;
  const width = String(Math.max(insns.length - 1, 0)).length;
  const lines: string[] = [];
  for (let i = 0; i < insns.length; i++) {
    lines.push(`${String(i).padStart(width)}: ${printInsn(insns[i], insns[i + 1], i, options)}`);
    if (insns[i].code === (U.BPF_LD | U.BPF_DW | U.BPF_IMM)) i++;
  }
  return lines.join('\n') + '\n';
}
