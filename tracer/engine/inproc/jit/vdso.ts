// A function of a process's vDSO, by name: where `__vdso_clock_gettime` is in that process, so
// the in-target runtime reads the clock without a system call (one costs ~300 ns here, the
// vDSO call ~20). The vDSO is the kernel's own small ELF image, mapped in every process, needing
// no libc and safe in signal handlers. Read through /proc/PID/mem (the engine has ptrace
// access to its target; utap itself for 'self').
import * as fs from 'node:fs';
import { ElfFile } from '../../../../symbolizer/elf-file';
import { readMaps } from '../../../../symbolizer/proc-maps';
import { readSymbols } from '../../../../symbolizer/symbols';

/** The run-time address of vDSO function `name` in process `pid`, or undefined (no vDSO, no such symbol, unreadable). */
export function vdsoFunction(pid: number, name: string): bigint | undefined {
  try {
    const vdso = readMaps(pid).find((m) => m.path === '[vdso]');
    if (!vdso) return undefined;
    const size = Number(vdso.end - vdso.start);
    const bytes = Buffer.alloc(size);
    const fd = fs.openSync(`/proc/${pid}/mem`, 'r');
    try {
      if (fs.readSync(fd, bytes, 0, size, vdso.start) !== size) return undefined;
    } finally {
      fs.closeSync(fd);
    }
    const elf = ElfFile.fromBytes(bytes, '[vdso]');
    const symbol = readSymbols(elf, '.dynsym')?.find((s) => s.name === name && s.value !== 0n);
    if (!symbol) return undefined;
    // The image is linked at 0 (or at its first PT_LOAD's vaddr): the mapping start is its base.
    const first = elf.programHeaders.find((p) => p.type === 1);
    return vdso.start + symbol.value - (first?.vaddr ?? 0n);
  } catch {
    return undefined;
  }
}
