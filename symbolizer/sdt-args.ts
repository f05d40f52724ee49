// The argument string of an SDT marker, as the x86-64 assembler operands GCC chose for each
// argument: `SIZE@OPERAND` separated by spaces, SIZE negative for a signed value (`-4@%eax`,
// `8@-16(%rbp)`, `-8@$5`, `4@counter(%rip)`, `8@8(%rax,%rdx,8)`). Decoded to plain data that says
// where the value is: a register (with the width and bit offset of the name used), a constant,
// or memory at base + index*scale + displacement (+ a symbol's address).
/** The 64-bit general registers, spelled as pt_regs / user_regs_struct name them. */
export type RegName = 'rax' | 'rbx' | 'rcx' | 'rdx' | 'rsi' | 'rdi' | 'rbp' | 'rsp' | 'r8' | 'r9' | 'r10' | 'r11' | 'r12' | 'r13' | 'r14' | 'r15';

export type SdtOperand =
  | { kind: 'register'; reg: RegName; /** bytes of the named register: 8 rax, 4 eax, 2 ax, 1 al/ah */ width: 1 | 2 | 4 | 8; /** 8 for ah/bh/ch/dh */ shift: 0 | 8 }
  | { kind: 'constant'; value: bigint; symbol?: string }
  | { kind: 'memory'; displacement: bigint; symbol?: string; base?: RegName | 'rip'; index?: RegName; scale: 1 | 2 | 4 | 8 };

export interface SdtArgument {
  /** Bytes of the value: 1, 2, 4 or 8. */
  size: 1 | 2 | 4 | 8;
  signed: boolean;
  operand: SdtOperand;
  /** The spec as written, for messages. */
  text: string;
}

export class SdtArgumentError extends Error {}

const WIDE: RegName[] = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp'];

/** Every register name the assembler may print, with its pt_regs register, width and shift. */
const REGISTERS: ReadonlyMap<string, { reg: RegName; width: 1 | 2 | 4 | 8; shift: 0 | 8 }> = (() => {
  const m = new Map<string, { reg: RegName; width: 1 | 2 | 4 | 8; shift: 0 | 8 }>();
  for (const reg of WIDE) {
    const x = reg.slice(1); // ax, bx, si, bp
    m.set(reg, { reg, width: 8, shift: 0 });
    m.set(`e${x}`, { reg, width: 4, shift: 0 });
    m.set(x, { reg, width: 2, shift: 0 });
    if (x.endsWith('x')) {
      m.set(`${x[0]}l`, { reg, width: 1, shift: 0 });
      m.set(`${x[0]}h`, { reg, width: 1, shift: 8 });
    } else {
      m.set(`${x}l`, { reg, width: 1, shift: 0 });
    }
  }
  for (let n = 8; n <= 15; n++) {
    const reg = `r${n}` as RegName;
    m.set(reg, { reg, width: 8, shift: 0 });
    m.set(`r${n}d`, { reg, width: 4, shift: 0 });
    m.set(`r${n}w`, { reg, width: 2, shift: 0 });
    m.set(`r${n}b`, { reg, width: 1, shift: 0 });
    m.set(`r${n}l`, { reg, width: 1, shift: 0 });
  }
  return m;
})();

function register(name: string, text: string): { reg: RegName; width: 1 | 2 | 4 | 8; shift: 0 | 8 } {
  const r = REGISTERS.get(name.toLowerCase());
  if (!r) throw new SdtArgumentError(`'${text}' names the register %${name}, which is not an x86-64 integer register`);
  return r;
}

function number(s: string): bigint {
  const neg = s.startsWith('-');
  const body = neg || s.startsWith('+') ? s.slice(1) : s;
  const v = BigInt(body);
  return neg ? -v : v;
}

/** `sym`, `sym+8`, `sym-8`, `8+sym`, `16`, `-0x10`, or empty, as symbol and number. */
function displacement(s: string, text: string): { displacement: bigint; symbol?: string } {
  if (s === '') return { displacement: 0n };
  if (/^[-+]?(0x[0-9a-f]+|[0-9]+)$/i.test(s)) return { displacement: number(s) };
  // `sym+8`, `sym-8`, and `40+sym` (GCC's spelling of a member of a static struct)
  const m = /^(?:([-+]?(?:0x[0-9a-f]+|[0-9]+))\+)?([A-Za-z_.$][\w.$@]*)(?:([-+])(0x[0-9a-f]+|[0-9]+))?$/i.exec(s);
  if (!m) throw new SdtArgumentError(`'${text}' has an address utap cannot read ('${s}')`);
  const before = m[1] === undefined ? 0n : number(m[1]);
  const after = m[4] === undefined ? 0n : BigInt(m[4]);
  return { symbol: m[2], displacement: before + (m[3] === '-' ? -after : after) };
}

function operand(op: string, text: string): SdtOperand {
  if (op.startsWith('%')) return { kind: 'register', ...register(op.slice(1), text) };
  if (op.startsWith('$')) {
    const d = displacement(op.slice(1), text);
    return { kind: 'constant', value: d.displacement, ...(d.symbol && { symbol: d.symbol }) };
  }
  const m = /^([^()]*)(?:\(([^()]*)\))?$/.exec(op);
  if (!m) throw new SdtArgumentError(`'${text}' is not an operand utap knows`);
  const d = displacement(m[1], text);
  if (m[2] === undefined) return { kind: 'memory', ...d, scale: 1 };
  const parts = m[2].split(',').map((p) => p.trim());
  if (parts.length > 3) throw new SdtArgumentError(`'${text}' is not an operand utap knows`);
  const [b, i, s] = parts;
  let base: RegName | 'rip' | undefined;
  if (b) {
    if (!b.startsWith('%')) throw new SdtArgumentError(`'${text}' is not an operand utap knows`);
    base = b.toLowerCase() === '%rip' ? 'rip' : register(b.slice(1), text).reg;
  }
  let index: RegName | undefined;
  if (i) {
    if (!i.startsWith('%')) throw new SdtArgumentError(`'${text}' is not an operand utap knows`);
    index = register(i.slice(1), text).reg;
  }
  const scale = s ? Number(s) : 1;
  if (scale !== 1 && scale !== 2 && scale !== 4 && scale !== 8) throw new SdtArgumentError(`'${text}' has the scale ${s}, not 1, 2, 4 or 8`);
  return { kind: 'memory', ...d, ...(base && { base }), ...(index && { index }), scale };
}

/** One `SIZE@OPERAND` (or a bare OPERAND: an 8-byte signed value, the oldest note format). */
export function parseSdtArgument(text: string): SdtArgument {
  const m = /^(-?)(1|2|4|8)@(.+)$/.exec(text);
  if (!m) {
    if (/^-?\d+@/.test(text)) throw new SdtArgumentError(`'${text}' has a size that is not 1, 2, 4 or 8`);
    return { size: 8, signed: true, operand: operand(text, text), text };
  }
  return { size: Number(m[2]) as 1 | 2 | 4 | 8, signed: m[1] === '-', operand: operand(m[3], text), text };
}

/** The arguments of a marker's argument string, in order ($arg1 first). */
export function parseSdtArguments(args: string): SdtArgument[] {
  const text = args.trim();
  if (!text) return [];
  // Operands hold no spaces except after the commas of `(%base, %index, scale)`.
  return text.replace(/,\s+/g, ',').split(/\s+/).map(parseSdtArgument);
}
