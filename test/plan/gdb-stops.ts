// Runs a program under gdb and visits each stop at a set of link-time addresses, handing the
// visitor the stopped process: pid, load bias, registers by pt_regs name, and gdb itself.
import { ElfFile } from '../../symbolizer/elf-file';
import type { RegName } from '../../tracer/ir/ir';
import { GdbMi, type MiValue } from '../support/gdb-mi';
import { mappedBase } from '../support/stopped-process';

export interface Stop {
  pc: bigint;
  pid: number;
  bias: bigint;
  registers: Partial<Record<RegName, bigint>>;
  gdb: GdbMi;
}

function registers(names: string[], values: MiValue): Partial<Record<RegName, bigint>> {
  const out: Partial<Record<RegName, bigint>> = {};
  for (const v of values as Array<{ number: string; value: string }>) {
    const name = names[Number(v.number)];
    if (/^0x[0-9a-f]+$/i.test(v.value) || /^-?\d+$/.test(v.value)) out[name as RegName] = BigInt.asUintN(64, BigInt(v.value));
  }
  return out;
}

/** Visits every breakpoint stop at `pcs` (link-time) until the program exits; returns the number of stops. */
export async function visitStops(exe: string, args: string[], pcs: bigint[], visit: (stop: Stop) => Promise<void>): Promise<number> {
  const elf = ElfFile.open(exe);
  const linkBase = elf.programHeaders.filter((p) => p.type === 1).map((p) => p.vaddr - BigInt(p.offset)).reduce((a, c) => (c < a ? c : a));
  elf.close();
  const gdb = GdbMi.start(exe, args);
  let stops = 0;
  try {
    await gdb.command('-inferior-tty-set /dev/null');
    await gdb.command('-interpreter-exec console "maint set internal-error corefile no"');
    await gdb.command('-interpreter-exec console "maint set internal-error quit yes"');
    await gdb.command('-exec-run --start');
    await gdb.stopped();
    const pid = Number(((await gdb.command('-list-thread-groups')).results.groups as Array<{ pid: string }>)[0].pid);
    const bias = mappedBase(pid, exe) - linkBase;
    const names = (await gdb.command('-data-list-register-names')).results['register-names'] as string[];
    for (const pc of new Set(pcs)) await gdb.command(`-break-insert *0x${(pc + bias).toString(16)}`);
    for (;;) {
      await gdb.command('-exec-continue');
      const stop = await gdb.stopped();
      if (stop.results.reason !== 'breakpoint-hit') break;
      stops++;
      const pc = BigInt((stop.results.frame as { addr: string }).addr) - bias;
      const regs = registers(names, (await gdb.command('-data-list-register-values x')).results['register-values']);
      await visit({ pc, pid, bias, registers: regs, gdb });
    }
  } finally {
    await gdb.close();
  }
  return stops;
}
