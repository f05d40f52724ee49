// The list of jump patches the healer's guardian reads should utap die
// (runtime-c/native/guardian-patches.c declares the same layout): a header in the healer's
// table (its free space at PATCH_HEADER_OFFSET) pointing at a mapping of the target holding one
// entry per patch (address, length, original bytes). An entry is written before its jump goes
// in, and the count after the entry.
import type { Healer } from '../ptrace/healer';
import { injectSyscall, MAP, PROT, SYS, syscallFailed } from '../ptrace/syscall-injection';
import type { TargetMemory } from '../ptrace/target-memory';
import type { JumpPatch } from './jump-patches';

export const PATCH_HEADER_OFFSET = 3072;
export const PATCH_MAGIC = 0x5554415050415431n;
const ENTRY_SIZE = 32;
const CAPACITY = 32768;
const MAP_NORESERVE = 0x4000;

export class PatchList {
  private count = 0;

  private constructor(private readonly memory: TargetMemory, private readonly header: number, private readonly list: number) {}

  /** Maps the list through stopped thread `tid` and points the healer's table at it; undefined when the healer is not placed. */
  static create(memory: TargetMemory, healer: Healer, tid: number, injectionBlock: number | undefined): PatchList | undefined {
    if (!healer.installed) return undefined;
    const list = injectSyscall(tid, memory, SYS.mmap,
      [0n, BigInt(CAPACITY * ENTRY_SIZE), BigInt(PROT.READ | PROT.WRITE), BigInt(MAP.PRIVATE | MAP.ANONYMOUS | MAP_NORESERVE), -1n, 0n], injectionBlock);
    if (syscallFailed(list)) return undefined;
    const header = healer.table + PATCH_HEADER_OFFSET;
    const words = new BigUint64Array([PATCH_MAGIC, BigInt(memory.pid), 0n, list]);
    memory.write(header, new Uint8Array(words.buffer));
    return new PatchList(memory, header, Number(list));
  }

  add(patch: JumpPatch): void {
    if (this.count >= CAPACITY) return;
    const entry = new Uint8Array(ENTRY_SIZE);
    const view = new DataView(entry.buffer);
    view.setBigUint64(0, BigInt(patch.address), true);
    view.setBigUint64(8, BigInt(patch.length), true);
    entry.set(patch.original.subarray(0, 16), 16);
    this.memory.write(this.list + ENTRY_SIZE * this.count, entry);
    this.count++;
    this.memory.writeU64(this.header + 16, BigInt(this.count));
  }

  /** At detach, once every byte is back: the guardian has nothing left to do. */
  clear(): void {
    this.count = 0;
    try {
      this.memory.writeU64(this.header + 16, 0n);
    } catch {
      /* the table is gone */
    }
  }
}
