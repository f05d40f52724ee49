// Call frame information: the CIEs and FDEs of .eh_frame (found through .eh_frame_hdr's sorted
// table when present) and of .debug_frame. Each FDE covers a pc range and carries the
// instructions that build its unwind rule table (cfi-table.ts).
import { ByteReader } from '../byte-reader';
import { DecodeError } from '../decode-error';
import type { ElfFile } from '../elf-file';
import { DW_EH_PE } from './cfi-constants';

export type FrameSection = '.eh_frame' | '.debug_frame';

export interface CommonInformationEntry {
  section: FrameSection;
  offset: number;
  version: number;
  augmentation: string;
  addressSize: number;
  codeAlignment: bigint;
  dataAlignment: bigint;
  returnAddressRegister: number;
  /** 'R' augmentation: how FDE addresses are encoded (.eh_frame). */
  fdeEncoding: number;
  lsdaEncoding: number;
  /** 'S' augmentation: a signal trampoline frame (the pc is not a return address). */
  signalFrame: boolean;
  initialInstructions: Uint8Array;
  instructionsOffset: number;
}

export interface FrameDescriptionEntry {
  section: FrameSection;
  offset: number;
  cie: CommonInformationEntry;
  /** [pcBegin, pcEnd): the code it describes (link-time addresses). */
  pcBegin: bigint;
  pcEnd: bigint;
  instructions: Uint8Array;
  instructionsOffset: number;
}

/** A section's bytes and the link-time address they are loaded at (for pc-relative pointers). */
export interface FrameSectionBytes {
  bytes: Uint8Array;
  address: bigint;
}

export interface FrameSources {
  ehFrame?: FrameSectionBytes;
  ehFrameHdr?: FrameSectionBytes;
  debugFrame?: Uint8Array;
  /** Base for DW_EH_PE_textrel pointers. */
  textAddress?: bigint;
  /** Base for DW_EH_PE_datarel pointers in .eh_frame (the GOT on x86-64). */
  dataAddress?: bigint;
}

/** Reads a DW_EH_PE-encoded pointer at the cursor. `fieldAddress` is the link-time address of the field. */
export function readEncodedPointer(r: ByteReader, encoding: number, bases: { pc: bigint; text?: bigint; data?: bigint; func?: bigint }, addressSize = 8): bigint {
  if (encoding === DW_EH_PE.DW_EH_PE_omit) return 0n;
  const at = r.offset;
  let value: bigint;
  switch (encoding & 0x0f) {
    case DW_EH_PE.DW_EH_PE_absptr: value = r.uSized(addressSize); break;
    case DW_EH_PE.DW_EH_PE_uleb128: value = r.ulebBig(); break;
    case DW_EH_PE.DW_EH_PE_udata2: value = BigInt(r.u16()); break;
    case DW_EH_PE.DW_EH_PE_udata4: value = BigInt(r.u32()); break;
    case DW_EH_PE.DW_EH_PE_udata8: value = r.u64(); break;
    case DW_EH_PE.DW_EH_PE_sleb128: value = r.slebBig(); break;
    case DW_EH_PE.DW_EH_PE_sdata2: value = BigInt(r.i16()); break;
    case DW_EH_PE.DW_EH_PE_sdata4: value = BigInt(r.i32()); break;
    case DW_EH_PE.DW_EH_PE_sdata8: value = r.i64(); break;
    default: return r.fail(`unknown pointer encoding 0x${encoding.toString(16)}`, at);
  }
  switch (encoding & 0x70) {
    case 0: break;
    case DW_EH_PE.DW_EH_PE_pcrel: value += bases.pc; break;
    case DW_EH_PE.DW_EH_PE_textrel:
      if (bases.text === undefined) r.fail('text-relative pointer without a text base', at);
      value += bases.text;
      break;
    case DW_EH_PE.DW_EH_PE_datarel:
      if (bases.data === undefined) r.fail('data-relative pointer without a data base', at);
      value += bases.data;
      break;
    case DW_EH_PE.DW_EH_PE_funcrel: value += bases.func ?? 0n; break;
    default: r.fail(`unsupported pointer application 0x${(encoding & 0x70).toString(16)}`, at);
  }
  return BigInt.asUintN(64, value);
}

export class CallFrameInfo {
  private readonly cies = new Map<string, CommonInformationEntry>();
  private sortedEh?: FrameDescriptionEntry[];
  private sortedDebug?: FrameDescriptionEntry[];

  constructor(readonly sources: FrameSources) {}

  /**
   * The CFI of a loaded file: .eh_frame and .eh_frame_hdr from `elf` (the file that is mapped),
   * .debug_frame from it or from its separate debug file.
   */
  static fromElf(elf: ElfFile, debugElf?: ElfFile): CallFrameInfo {
    const loaded = (name: string): FrameSectionBytes | undefined => {
      const s = elf.section(name);
      if (!s || s.type === 8 /* SHT_NOBITS */) return undefined;
      const bytes = elf.sectionData(s);
      return bytes && bytes.length ? { bytes, address: s.addr } : undefined;
    };
    const debugFrameOf = (f: ElfFile | undefined): Uint8Array | undefined => {
      const s = f?.section('.debug_frame');
      if (!f || !s || s.type === 8) return undefined;
      return f.sectionData(s);
    };
    return new CallFrameInfo({
      ehFrame: loaded('.eh_frame'),
      ehFrameHdr: loaded('.eh_frame_hdr'),
      debugFrame: debugFrameOf(elf) ?? debugFrameOf(debugElf),
      textAddress: elf.section('.text')?.addr,
      dataAddress: elf.section('.got')?.addr,
    });
  }

  get hasFrames(): boolean {
    return !!(this.sources.ehFrame || this.sources.debugFrame);
  }

  /** The FDE covering `pc` (a link-time address): .eh_frame first, then .debug_frame. */
  fdeFor(pc: bigint): FrameDescriptionEntry | undefined {
    return this.fromHeader(pc) ?? this.search(this.sorted('.eh_frame'), pc) ?? this.search(this.sorted('.debug_frame'), pc);
  }

  /** Every FDE of a section, in section order. */
  *entries(section: FrameSection): Generator<FrameDescriptionEntry> {
    const bytes = section === '.eh_frame' ? this.sources.ehFrame?.bytes : this.sources.debugFrame;
    if (!bytes) return;
    let offset = 0;
    while (offset + 4 <= bytes.length) {
      const r = new ByteReader(bytes, section);
      r.seek(offset);
      let length = r.u32();
      if (length === 0) {
        // .eh_frame's terminator (a zero-length entry).
        if (section === '.eh_frame') return;
        offset += 4;
        continue;
      }
      let idSize = 4;
      if (length === 0xffffffff) {
        length = r.u64Number();
        idSize = 8;
      }
      const end = r.offset + length;
      const idAt = r.offset;
      const id = idSize === 4 ? BigInt(r.u32()) : r.u64();
      const isCie = section === '.eh_frame' ? id === 0n : id === (idSize === 4 ? 0xffffffffn : 0xffffffffffffffffn);
      if (!isCie) {
        const fde = this.parseFde(section, offset);
        if (fde) yield fde;
      }
      void idAt;
      offset = end;
    }
  }

  private sorted(section: FrameSection): FrameDescriptionEntry[] {
    if (section === '.eh_frame') {
      if (!this.sortedEh) this.sortedEh = [...this.entries(section)].filter((f) => f.pcEnd > f.pcBegin).sort((a, b) => (a.pcBegin < b.pcBegin ? -1 : 1));
      return this.sortedEh;
    }
    if (!this.sortedDebug) this.sortedDebug = [...this.entries(section)].filter((f) => f.pcEnd > f.pcBegin).sort((a, b) => (a.pcBegin < b.pcBegin ? -1 : 1));
    return this.sortedDebug;
  }

  private search(list: FrameDescriptionEntry[], pc: bigint): FrameDescriptionEntry | undefined {
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].pcBegin <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found >= 0 && pc < list[found].pcEnd ? list[found] : undefined;
  }

  /** Binary search of .eh_frame_hdr's table; undefined when there is no usable header. */
  private fromHeader(pc: bigint): FrameDescriptionEntry | undefined {
    const hdr = this.sources.ehFrameHdr;
    const eh = this.sources.ehFrame;
    if (!hdr || !eh) return undefined;
    const r = new ByteReader(hdr.bytes, '.eh_frame_hdr');
    const version = r.u8();
    if (version !== 1) return undefined;
    const ehFramePtrEnc = r.u8();
    const countEnc = r.u8();
    const tableEnc = r.u8();
    const bases = (): { pc: bigint; data: bigint } => ({ pc: hdr.address + BigInt(r.offset), data: hdr.address });
    readEncodedPointer(r, ehFramePtrEnc, bases());
    if (countEnc === DW_EH_PE.DW_EH_PE_omit || tableEnc === DW_EH_PE.DW_EH_PE_omit) return undefined;
    const count = Number(readEncodedPointer(r, countEnc, bases()));
    // The table is searchable only with fixed-size entries.
    const size = { [DW_EH_PE.DW_EH_PE_udata2]: 2, [DW_EH_PE.DW_EH_PE_sdata2]: 2, [DW_EH_PE.DW_EH_PE_udata4]: 4, [DW_EH_PE.DW_EH_PE_sdata4]: 4, [DW_EH_PE.DW_EH_PE_udata8]: 8, [DW_EH_PE.DW_EH_PE_sdata8]: 8 }[tableEnc & 0x0f];
    if (!size) return undefined;
    const tableStart = r.offset;
    const entry = (i: number): [bigint, bigint] => {
      r.seek(tableStart + i * size * 2);
      const initial = readEncodedPointer(r, tableEnc, bases());
      const fde = readEncodedPointer(r, tableEnc, bases());
      return [initial, fde];
    };
    let lo = 0, hi = count - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (entry(mid)[0] <= pc) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const fdeAddress = entry(found)[1];
    const fdeOffset = Number(fdeAddress - eh.address);
    if (fdeOffset < 0 || fdeOffset >= eh.bytes.length) throw new DecodeError('.eh_frame_hdr', tableStart + found * size * 2, `FDE address 0x${fdeAddress.toString(16)} outside .eh_frame`);
    const fde = this.parseFde('.eh_frame', fdeOffset);
    return fde && pc >= fde.pcBegin && pc < fde.pcEnd ? fde : undefined;
  }

  private sectionBase(section: FrameSection): bigint {
    return section === '.eh_frame' ? this.sources.ehFrame!.address : 0n;
  }

  /** Parses the FDE at `offset` (undefined if a CIE is there). */
  parseFde(section: FrameSection, offset: number): FrameDescriptionEntry | undefined {
    const bytes = section === '.eh_frame' ? this.sources.ehFrame!.bytes : this.sources.debugFrame!;
    const r = new ByteReader(bytes, section);
    r.seek(offset);
    let length = r.u32();
    let idSize: 4 | 8 = 4;
    if (length === 0xffffffff) {
      length = r.u64Number();
      idSize = 8;
    }
    const end = r.offset + length;
    if (end > bytes.length) r.fail(`entry of ${length} bytes runs past the end of the section`, offset);
    const idAt = r.offset;
    const id = idSize === 4 ? r.u32() : r.u64Number();
    let cieOffset: number;
    if (section === '.eh_frame') {
      if (id === 0) return undefined;
      cieOffset = idAt - id;
    } else {
      if ((idSize === 4 && id === 0xffffffff) || (idSize === 8 && id >= Number.MAX_SAFE_INTEGER)) return undefined;
      cieOffset = id;
    }
    const cie = this.cie(section, cieOffset);
    const base = this.sectionBase(section);
    const bases = (): { pc: bigint; text?: bigint; data?: bigint } => ({ pc: base + BigInt(r.offset), text: this.sources.textAddress, data: this.sources.dataAddress });
    let pcBegin: bigint;
    let pcRange: bigint;
    if (section === '.eh_frame') {
      pcBegin = readEncodedPointer(r, cie.fdeEncoding, bases(), cie.addressSize);
      pcRange = readEncodedPointer(r, cie.fdeEncoding & 0x0f, { pc: 0n }, cie.addressSize);
      if (cie.augmentation.startsWith('z')) r.skip(r.uleb());
    } else {
      pcBegin = r.uSized(cie.addressSize);
      pcRange = r.uSized(cie.addressSize);
    }
    const instructionsOffset = r.offset;
    return { section, offset, cie, pcBegin, pcEnd: pcBegin + pcRange, instructions: bytes.subarray(r.offset, end), instructionsOffset };
  }

  /** Parses (once) the CIE at `offset`. */
  cie(section: FrameSection, offset: number): CommonInformationEntry {
    const key = `${section}:${offset}`;
    const cached = this.cies.get(key);
    if (cached) return cached;
    const bytes = section === '.eh_frame' ? this.sources.ehFrame!.bytes : this.sources.debugFrame!;
    const r = new ByteReader(bytes, section);
    r.seek(offset);
    let length = r.u32();
    let idSize = 4;
    if (length === 0xffffffff) {
      length = r.u64Number();
      idSize = 8;
    }
    const end = r.offset + length;
    if (end > bytes.length) r.fail(`CIE of ${length} bytes runs past the end of the section`, offset);
    const id = idSize === 4 ? BigInt(r.u32()) : r.u64();
    const expected = section === '.eh_frame' ? 0n : idSize === 4 ? 0xffffffffn : 0xffffffffffffffffn;
    if (id !== expected) r.fail('FDE points to something that is not a CIE', offset);
    const version = r.u8();
    if (![1, 3, 4].includes(version)) r.fail(`CIE version ${version} is not supported`, offset);
    const augmentation = r.cstring();
    let addressSize = 8;
    if (augmentation.includes('eh')) r.skip(8); // obsolete GCC "eh" augmentation: a pointer
    if (version === 4) {
      addressSize = r.u8();
      r.u8(); // segment selector size
    }
    const codeAlignment = r.ulebBig();
    const dataAlignment = r.slebBig();
    const returnAddressRegister = version === 1 ? r.u8() : r.uleb();
    let fdeEncoding = DW_EH_PE.DW_EH_PE_absptr as number;
    let lsdaEncoding = DW_EH_PE.DW_EH_PE_omit as number;
    let signalFrame = false;
    if (augmentation.startsWith('z')) {
      const dataLength = r.uleb();
      const dataEnd = r.offset + dataLength;
      for (const c of augmentation.slice(1)) {
        if (c === 'R') fdeEncoding = r.u8();
        else if (c === 'L') lsdaEncoding = r.u8();
        else if (c === 'P') {
          const enc = r.u8();
          const base = this.sectionBase(section);
          // Personality routine pointer: read to step over it; indirect ones are not followed.
          readEncodedPointer(r, enc & 0x7f, { pc: base + BigInt(r.offset), text: this.sources.textAddress ?? 0n, data: this.sources.dataAddress ?? 0n }, addressSize);
        } else if (c === 'S') signalFrame = true;
        else if (c === 'B' || c === 'G') { /* aarch64 / MTE flags, no data */ }
        else break; // unknown: the augmentation data length lets us skip the rest
      }
      r.seek(dataEnd);
    } else if (augmentation !== '' && !augmentation.includes('eh')) {
      r.fail(`unknown CIE augmentation "${augmentation}"`, offset);
    }
    const cie: CommonInformationEntry = {
      section, offset, version, augmentation, addressSize, codeAlignment, dataAlignment, returnAddressRegister,
      fdeEncoding, lsdaEncoding, signalFrame, initialInstructions: bytes.subarray(r.offset, end), instructionsOffset: r.offset,
    };
    this.cies.set(key, cie);
    return cie;
  }
}
