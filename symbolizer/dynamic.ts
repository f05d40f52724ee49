// The .dynamic section: what the dynamic linker reads — the libraries a file needs (DT_NEEDED),
// where to look for them (DT_RUNPATH / DT_RPATH), the file's own DT_SONAME, and DT_FLAGS_1
// (DF_1_PIE marks a position-independent executable).
import { stringAt } from './byte-reader';
import type { ElfFile } from './elf-file';
import { DF_1_PIE, DT, SHT } from './elf-constants';

export interface DynamicInfo {
  needed: string[];
  soname?: string;
  /** DT_RUNPATH, else DT_RPATH, split on ':' ($ORIGIN left for the caller to expand). */
  searchPath: string[];
  pie: boolean;
}

const DYN_SIZE = 16;

export function readDynamic(elf: ElfFile): DynamicInfo {
  const info: DynamicInfo = { needed: [], searchPath: [], pie: false };
  const section = elf.sections.find((s) => s.type === SHT.SHT_DYNAMIC);
  if (!section) return info;
  const data = elf.sectionData(section)!;
  const strtab = elf.sections[section.link];
  const strings = strtab ? elf.sectionData(strtab)! : new Uint8Array();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let runpath: string | undefined;
  let rpath: string | undefined;
  for (let at = 0; at + DYN_SIZE <= data.length; at += DYN_SIZE) {
    const tag = Number(view.getBigInt64(at, true));
    const value = view.getBigUint64(at + 8, true);
    if (tag === DT.DT_NULL) break;
    const str = () => stringAt(strings, Number(value), strtab?.name ?? '.dynstr');
    if (tag === DT.DT_NEEDED) info.needed.push(str());
    else if (tag === DT.DT_SONAME) info.soname = str();
    else if (tag === DT.DT_RUNPATH) runpath = str();
    else if (tag === DT.DT_RPATH) rpath = str();
    else if (tag === DT.DT_FLAGS_1) info.pie = (value & BigInt(DF_1_PIE)) !== 0n;
  }
  const path = runpath ?? rpath;
  info.searchPath = path ? path.split(':').filter((p) => p.length > 0) : [];
  return info;
}
