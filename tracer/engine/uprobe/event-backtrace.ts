// ubacktrace() of an event-mode hit: the kernel shipped the registers and the top of the user
// stack at the hit (site-compiler stackCopy); the CFI unwinder walks that snapshot as the ptrace
// engine walks the stopped thread's stack. A frame whose saved registers lie beyond the
// snapshot ends the walk.
import { unwindStack } from '../../../symbolizer/dwarf/unwind';
import { X86_64_DWARF_REGISTERS } from '../../../symbolizer/dwarf/registers';
import type { RegName } from '../../ir/ir';
import type { ProcessSymbols } from '../process-symbols';

export interface StackSnapshot {
  /** Address of bytes[0]. */
  base: bigint;
  bytes: Buffer;
}

/** The return addresses, as ubacktrace() spells them: hex, space separated. */
export function snapshotBacktrace(reg: (name: RegName) => bigint, stack: StackSnapshot, symbols: ProcessSymbols): string {
  const registers = new Map<number, bigint>();
  X86_64_DWARF_REGISTERS.forEach((name, number) => registers.set(number, BigInt.asUintN(64, reg(name))));
  const frames = unwindStack({
    registers,
    readWord: (address) => {
      const at = address - stack.base;
      if (at < 0n || at + 8n > BigInt(stack.bytes.length)) return undefined;
      return stack.bytes.readBigUInt64LE(Number(at));
    },
    moduleAt: (pc) => symbols.unwindModuleAt(pc),
    maxFrames: 32,
  });
  return frames.map((f) => '0x' + f.pc.toString(16)).join(' ');
}
