// The DWARF sections of one ELF file, fetched on first use. A DWARF reader never reads a file
// itself: it receives a SectionSource (an ElfFile, or byte-built sections in tests).
import type { ElfFile } from '../elf-file';

/** Gives the bytes of a section by name ('.debug_info'), inflated, or undefined if absent. */
export type SectionSource = (name: string) => Uint8Array | undefined;

/** The sections the reader knows about, by their ELF names. */
export const DWARF_SECTION_NAMES = [
  '.debug_info', '.debug_abbrev', '.debug_str', '.debug_line_str', '.debug_str_offsets',
  '.debug_addr', '.debug_line', '.debug_ranges', '.debug_rnglists', '.debug_loc',
  '.debug_loclists', '.debug_types', '.debug_aranges', '.debug_frame',
] as const;
export type DwarfSectionName = (typeof DWARF_SECTION_NAMES)[number];

const EMPTY = new Uint8Array(0);

export class DwarfSections {
  private readonly cache = new Map<string, Uint8Array | null>();

  constructor(private readonly source: SectionSource) {}

  static fromElf(elf: ElfFile): DwarfSections {
    return new DwarfSections((name) => {
      const header = elf.section(name);
      // A separate debug file keeps alloc sections as NOBITS; those have no bytes to read.
      if (!header || header.type === 8 /* SHT_NOBITS */) return undefined;
      return elf.sectionData(header);
    });
  }

  /** For tests and byte-built inputs. */
  static fromRecord(sections: Partial<Record<DwarfSectionName, Uint8Array>>): DwarfSections {
    return new DwarfSections((name) => sections[name as DwarfSectionName]);
  }

  /** The section's bytes, or undefined when the file has no such section. */
  get(name: DwarfSectionName): Uint8Array | undefined {
    let bytes = this.cache.get(name);
    if (bytes === undefined) {
      bytes = this.source(name) ?? null;
      this.cache.set(name, bytes);
    }
    return bytes ?? undefined;
  }

  /** The section's bytes, empty when absent (callers then fail on the first out-of-range read). */
  bytes(name: DwarfSectionName): Uint8Array {
    return this.get(name) ?? EMPTY;
  }

  has(name: DwarfSectionName): boolean {
    const bytes = this.get(name);
    return bytes !== undefined && bytes.length > 0;
  }
}
