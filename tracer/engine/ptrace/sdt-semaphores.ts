// SDT semaphores on the ptrace engine: a marker with a semaphore only runs (and only computes
// its arguments) while the 2-byte counter the program tests is non-zero. utap adds one to each
// probed marker's counter when it places the site and takes the same one off when it detaches
// (and in fork children it lets go, which inherit the raised value), so the counter ends where
// it began even when another tracer raised it meanwhile.
import type { ProbeSiteIR } from '../../ir/ir';
import type { TargetMemory } from './target-memory';

export class SdtSemaphores {
  /** Run-time address → how much utap added there. */
  private readonly raised = new Map<number, number>();

  /** Raises the semaphore of `site` (placed at run-time `address`) once per semaphore. */
  raise(memory: TargetMemory, site: ProbeSiteIR, address: number): number | undefined {
    if (!site.semaphore) return undefined;
    const at = address + Number(site.semaphore.vaddr - site.vaddr);
    if (this.raised.has(at)) return undefined;
    add(memory, at, 1);
    this.raised.set(at, 1);
    return at;
  }

  /** Takes off what raise() added, in `memory` (the target, or a fork child's copy). */
  lowerAll(memory: TargetMemory): void {
    for (const [at, n] of this.raised) {
      try {
        add(memory, at, -n);
      } catch {
        /* mapping gone (library unloaded) */
      }
    }
  }

  clear(): void {
    this.raised.clear();
  }

  /** A fork child's copy: its memory holds the counters as raised, to take off the same way. */
  inheritFrom(parent: SdtSemaphores): void {
    for (const [at, n] of parent.raised) this.raised.set(at, n);
  }
}

function add(memory: TargetMemory, at: number, delta: number): void {
  const bytes = memory.read(at, 2);
  const value = (bytes[0] | (bytes[1] << 8)) + delta;
  memory.write(at, Uint8Array.of(value & 0xff, (value >> 8) & 0xff));
}
