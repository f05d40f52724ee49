// The dynamic linker calls _dl_debug_state() (r_debug.r_brk) every time the list of loaded
// libraries changes — at start-up and around each dlopen/dlclose — precisely so that debuggers
// can put a breakpoint there, as gdb does. A hit there is when new libraries' probes go in.
import { ByteReader, stringAt } from '../../../symbolizer/byte-reader';
import { ElfFile } from '../../../symbolizer/elf-file';
import { PT, SHT } from '../../../symbolizer/elf-constants';
import type { Mapping } from './address-space';

export interface LinkerHook {
  address: number;
  moduleStart: number;
  moduleEnd: number;
}

const HOOK_SYMBOL = '_dl_debug_state';
const hookFileOffsets = new Map<string, number | undefined>();

/** File offset of _dl_debug_state in the dynamic linker at `path`, from its .dynsym. */
function hookFileOffset(path: string): number | undefined {
  if (hookFileOffsets.has(path)) return hookFileOffsets.get(path);
  let result: number | undefined;
  let elf: ElfFile | undefined;
  try {
    elf = ElfFile.open(path);
    const dynsym = elf.sections.find((s) => s.type === SHT.SHT_DYNSYM);
    const symbols = dynsym && elf.sectionData(dynsym);
    const names = dynsym && elf.sectionData(elf.sections[dynsym.link]);
    if (symbols && names) {
      const r = new ByteReader(symbols, '.dynsym');
      for (let at = 0; at + 24 <= symbols.length; at += 24) {
        r.seek(at);
        const name = r.u32();
        r.skip(4); // info, other, shndx
        const value = r.u64();
        if (stringAt(names, name, '.dynstr') !== HOOK_SYMBOL) continue;
        const load = elf.programHeaders.find((p) => p.type === PT.PT_LOAD && value >= p.vaddr && value < p.vaddr + BigInt(p.filesz));
        if (load) result = Number(value - load.vaddr) + load.offset;
        break;
      }
    }
  } catch {
    result = undefined;
  } finally {
    elf?.close();
  }
  hookFileOffsets.set(path, result);
  return result;
}

/** Where the dynamic linker's hook is in this process, if a dynamic linker is mapped. */
export function dynamicLinkerHook(mappings: Mapping[]): LinkerHook | undefined {
  const linker = mappings.find((m) => /\/ld-linux[^/]*\.so/.test(m.path) || /\/ld-[^/]*\.so[.0-9]*$/.test(m.path));
  if (!linker) return undefined;
  const offset = hookFileOffset(linker.path);
  if (offset === undefined) return undefined;
  const ofLinker = mappings.filter((m) => m.path === linker.path);
  const covering = ofLinker.find((m) => offset >= m.offset && offset < m.offset + (m.end - m.start));
  if (!covering) return undefined;
  return {
    address: covering.start + (offset - covering.offset),
    moduleStart: Math.min(...ofLinker.map((m) => m.start)),
    moduleEnd: Math.max(...ofLinker.map((m) => m.end)),
  };
}
