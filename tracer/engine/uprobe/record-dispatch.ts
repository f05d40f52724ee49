// Ring-buffer records → Session hits: printf/print/exit/error records run their synthesized
// sites, kernel-detected runtime errors carry their message, event-mode entries keep their
// captures per thread and site (a stack, so recursion pairs each return with its own entry),
// event-mode hits run the original site. Used while utap runs the engine and by
// `utap handlers show` when it drains what detached handlers sent.
import type { Session } from '../../runtime/session';
import { MESSAGES } from '../../runtime/runtime-error';
import type { Scalar } from '../../runtime/storage';
import { RecordContext } from './record-context';
import type { RecordRoute } from './record-sites';
import type { ProcessSymbols } from '../process-symbols';

/** The message of a runtime error a kernel handler reported, worded as the userspace runtime words it. */
export function kernelErrorMessage(route: RecordRoute, record: Buffer, maxMapEntries: number): string {
  const spec = route.spec;
  if (spec.kind !== 'kernelError') return '';
  const address = spec.fields.length > 0 ? BigInt.asUintN(64, record.readBigInt64LE(16)) : 0n;
  switch (spec.error) {
    case 'divisionByZero': return MESSAGES.divisionByZero;
    case 'readFault': return MESSAGES.readFault(address, spec.size ?? 8);
    case 'userStringFault': return MESSAGES.userStringFault(address);
    case 'arrayOverflow': {
      // As the runtime: a declared size other than MAXMAPENTRIES is named, else MAXMAPENTRIES.
      const capacity = spec.size ?? 0;
      return MESSAGES.arrayOverflow(capacity, capacity !== maxMapEntries);
    }
  }
}


/** A handler for each record the ring buffer yields, running it through `session`. */
export function recordDispatcher(session: Session, routes: Map<number, RecordRoute>, targetPid: number, symbols?: ProcessSymbols): (record: Buffer) => void {
  const entryStacks = new Map<string, Array<Scalar[] | undefined>>();
  const maxMapEntries = session.plan.program.limits.maxMapEntries;
  return (record: Buffer) => {
    const route = routes.get(record.readUInt32LE(0));
    if (!route) return;
    const spec = route.spec;
    const tid = record.readUInt32LE(4);
    if (spec.kind === 'entry') {
      const ctx = new RecordContext(spec, record, targetPid, undefined);
      const key = `${spec.site}:${tid}`;
      const stack = entryStacks.get(key) ?? [];
      stack.push(session.captureEntry(route.siteId, ctx));
      entryStacks.set(key, stack);
      return;
    }
    if (spec.kind === 'event') {
      // Entry values come in the record when the kernel keeps them, else from the entry records.
      const values = spec.entries.length > 0 ? undefined : entryStacks.get(`${spec.site}:${tid}`)?.pop();
      session.hit(route.siteId, new RecordContext(spec, record, targetPid, values, undefined, symbols));
      return;
    }
    if (spec.kind === 'kernelError') {
      session.hit(route.siteId, new RecordContext(spec, record, targetPid, undefined, [kernelErrorMessage(route, record, maxMapEntries)]));
      return;
    }
    session.hit(route.siteId, new RecordContext(spec, record, targetPid, undefined));
  };
}
