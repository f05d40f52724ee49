// Programs and libraries: a probe in a program (an executable) can only fire in processes that
// run it, a probe in a shared library in any process that maps it. The uprobe engine arms the
// former for every process (the handlers keep to the traced ones) and the latter for the target;
// the ptrace engine needs the dynamic linker's hook only while a library with probes may still
// be loaded.
import { ElfFile } from '../../symbolizer/elf-file';
import { PT } from '../../symbolizer/elf-constants';
import { readDynamic } from '../../symbolizer/dynamic';

const programFiles = new Map<string, boolean>();

/**
 * Whether `file` is a program (a process's executable: ET_EXEC, or a PIE: DF_1_PIE, or an
 * interpreter and no SONAME) rather than a shared library, which every process may map. Probes in a program can fire
 * system-wide and keep to the traced set; a library's stay on the target.
 */
export function isProgramFile(file: string): boolean {
  let known = programFiles.get(file);
  if (known === undefined) {
    try {
      const elf = ElfFile.open(file);
      try {
        // (libc.so.6 has an interpreter too, to run as a program: a SONAME says it is a library)
        const dynamic = elf.header.type === 3 ? readDynamic(elf) : undefined;
        known = elf.header.type === 2 || !!dynamic?.pie || (elf.programHeaders.some((ph) => ph.type === PT.PT_INTERP) && dynamic?.soname === undefined);
      } finally {
        elf.close();
      }
    } catch {
      known = false;
    }
    programFiles.set(file, known);
  }
  return known;
}
