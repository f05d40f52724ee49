// Register roles and the two places a kernel handler keeps values: the 512-byte BPF stack and the
// per-CPU scratch map value (the heap). The machine model of the generated code:
//   r9  the context (struct pt_regs of the probed thread), kept for the whole program
//   r8  the heap: this program's per-CPU scratch map value (strings, keys, records, literals)
//   r7  a return site's entry captures (a value of the entry map), or 0
//   r0  every long expression's result; r1-r5 helper arguments and short-lived scratch; r6 a
//       value kept across one helper call (a read's address, a map value pointer)
//   the stack: long locals and long temporaries, 8 bytes each; fp-8 holds u32 array keys,
//   fp-16..fp-1 the key of per-thread maps, fp-24 a shared program's attach cookie
// A string expression's result is an offset in the heap where a NUL-terminated copy lives.
// Literal strings and a zero region are written into the heap by userspace before the probes
// are armed (HeapInit), so they cost no instructions. Registers are fixed by role: there is no
// register allocator, only these two bump allocators.
import * as U from '../../kernel-helper/uapi';
import { EventModeNeeded } from './event-mode';

export const CTX = U.BPF_REG_9;
export const HEAP = U.BPF_REG_8;
export const ENTRY = U.BPF_REG_7;
export const FP = U.BPF_REG_10;
export const { BPF_REG_0: R0, BPF_REG_1: R1, BPF_REG_2: R2, BPF_REG_3: R3, BPF_REG_4: R4, BPF_REG_6: R6 } = U;
/** A shared program keeps its attach cookie at fp-24 (fp-16..fp-1: the entry-map key). */
export const COOKIE_SLOT = -24;
const COOKIE_SLOT_END = 24;
/** Largest per-CPU value the kernel allocates (PCPU_MIN_UNIT_SIZE). */
export const MAX_HEAP = 32 * 1024;

/**
 * Stack temporaries (freed in reverse order) and heap buffers (never freed within a program).
 * Running out of either is the one thing only compiling finds out: EventModeNeeded.
 */
export class Allocation {
  /** fp-16..fp-1 hold the key of per-thread maps (entryKeyToStack); a shared program's cookie below. */
  stackUsed: number;
  heapUsed: number;
  /** Literal bytes userspace writes into the heap before the probes are armed. */
  readonly heapFill: Array<{ offset: number; bytes: Buffer }> = [];
  private readonly literals = new Map<string, number>();

  /** `zeroSize`: the zero region at the heap's start, large enough to clear any key or value. */
  constructor(private readonly maxStr: number, zeroSize: number, shared: boolean) {
    this.stackUsed = shared ? COOKIE_SLOT_END : 16;
    this.heapUsed = zeroSize;
  }

  /** An 8-byte stack slot (a negative offset from fp). */
  temp(): number {
    this.stackUsed += 8;
    if (this.stackUsed > U.MAX_BPF_STACK) throw new EventModeNeeded('it needs more than the 512 bytes of stack a kernel handler has');
    return -this.stackUsed;
  }

  /** Frees the most recent temp(). */
  free(): void {
    this.stackUsed -= 8;
  }

  heap(size: number): number {
    const at = this.heapUsed;
    this.heapUsed += (size + 7) & ~7;
    if (this.heapUsed > MAX_HEAP) throw new EventModeNeeded(`its strings and keys need more than the ${MAX_HEAP} bytes of scratch a kernel handler has`);
    return at;
  }

  /** The heap offset of a literal string (one copy per text), filled in by userspace. */
  literal(text: string): number {
    let at = this.literals.get(text);
    if (at !== undefined) return at;
    const bytes = Buffer.from(text, 'latin1').subarray(0, this.maxStr - 1);
    at = this.heap(this.maxStr);
    this.heapFill.push({ offset: at, bytes });
    this.literals.set(text, at);
    return at;
  }
}
