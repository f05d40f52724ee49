// A handler that kernel-fit.ts sends to the kernel may still not fit there: compiling it is what
// finds out that it needs more than the kernel's 512 bytes of stack or 32 KiB of per-CPU scratch
// (allocation.ts). The generator throws EventModeNeeded then, and the engine runs that probe in
// event mode (kernel-handlers.ts), the kernel shipping only the values the handler needs. Every
// other reason for event mode is kernel-fit.ts's, found without compiling.
import type { SourceLoc } from '../ir/ir';

export class EventModeNeeded extends Error {
  constructor(readonly reason: string, readonly loc?: SourceLoc) {
    super(reason);
    this.name = 'EventModeNeeded';
  }
}
