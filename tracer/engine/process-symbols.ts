// Symbols of one traced process, for usymname(), umodname(), ubacktrace() and its printing:
// run-time addresses mapped to the ELF file holding them (through /proc/PID/maps, re-read when
// an address falls outside what is known, e.g. after a dlopen) and to symbol+offset there.
// Both engines hand one to the session as its RuntimeServices.
import * as fs from 'node:fs';
import { ElfBinary } from '../../symbolizer/elf-binary';
import { readableName } from '../../symbolizer/demangle';
import { mappingAt, readMaps, type Mapping } from '../../symbolizer/proc-maps';
import type { UnwindModule } from '../../symbolizer/dwarf/unwind';
import type { Long } from '../runtime/long';
import type { AddressStyle, RuntimeServices } from '../runtime/runtime-services';
import * as path from 'node:path';
import { defaultSymbolCache } from '../plan/binaries';

interface Module {
  binary: ElfBinary;
  bias: bigint;
}

function toBig(address: Long): bigint {
  return BigInt.asUintN(64, BigInt(address));
}

export class ProcessSymbols implements RuntimeServices {
  private maps: Mapping[] = [];
  private readonly binaries = new Map<string, ElfBinary | null>();
  private readonly modules = new Map<string, Module | null>();

  constructor(private pid: number) {}

  /** After an exec: the same pid, a new program. */
  reset(pid = this.pid): void {
    this.pid = pid;
    this.maps = [];
    this.modules.clear();
  }

  /**
   * Reads the process's mappings now, while it runs: the uprobe engine unwinds and symbolizes
   * event-mode hits after the fact, maybe after the process is gone.
   */
  preload(): void {
    try {
      this.maps = readMaps(this.pid);
    } catch {
      // gone already: symbols stay unknown
    }
  }

  /** Symbols of `pid` from now on (the uprobe engine system-wide: the process of the latest hit). */
  follow(pid: number): void {
    if (pid !== this.pid) this.reset(pid);
  }

  close(): void {
    for (const b of this.binaries.values()) b?.close();
    this.binaries.clear();
    this.modules.clear();
  }

  private mappingFor(address: bigint): Mapping | undefined {
    let m = mappingAt(this.maps, address);
    if (!m) {
      try {
        this.maps = readMaps(this.pid);
      } catch {
        return undefined;
      }
      m = mappingAt(this.maps, address);
    }
    return m;
  }

  /** The ELF file holding a run-time address and its load bias, if it is file-backed code. */
  moduleAt(address: bigint): Module | undefined {
    const m = this.mappingFor(address);
    if (!m || !m.path.startsWith('/')) return undefined;
    const key = `${m.path}\0${m.inode}`;
    if (this.modules.has(key)) return this.modules.get(key) ?? undefined;
    let module: Module | null = null;
    let binary = this.binaries.get(m.path);
    if (binary === undefined) {
      try {
        binary = fs.existsSync(m.path) ? ElfBinary.open(m.path, { cache: defaultSymbolCache() }) : null;
      } catch {
        binary = null;
      }
      this.binaries.set(m.path, binary);
    }
    if (binary) {
      const bias = binary.loadBiasIn(this.maps);
      if (bias !== undefined) module = { binary, bias };
    }
    this.modules.set(key, module);
    return module ?? undefined;
  }

  /** For the unwinder: the CFI of the module holding `pc`. */
  unwindModuleAt(pc: bigint): UnwindModule | undefined {
    const m = this.moduleAt(pc);
    if (!m) return undefined;
    try {
      return { cfi: m.binary.cfi(), bias: m.bias };
    } catch {
      return undefined;
    }
  }

  private symbolAt(address: bigint): { name: string; offset: bigint; size: number; path: string } | undefined {
    const m = this.moduleAt(address);
    if (!m) return undefined;
    try {
      const found = m.binary.symbols().at(address - m.bias);
      if (!found) return undefined;
      // C++ names as people write them (shop::Cart::add(int)), as c++filt prints them
      return { name: readableName(found.symbol.name), offset: found.offset, size: found.symbol.size, path: m.binary.path };
    } catch {
      return undefined;
    }
  }

  usymname(address: Long): string {
    const s = this.symbolAt(toBig(address));
    return s ? s.name : '0x' + toBig(address).toString(16);
  }

  umodname(address: Long): string {
    return this.moduleAt(toBig(address))?.binary.path ?? '<unknown>';
  }

  /** The source file and line of a run-time address, from its module's line table. */
  private sourceAt(address: bigint): { file: string; line: number } | undefined {
    const m = this.moduleAt(address);
    if (!m) return undefined;
    try {
      const row = m.binary.dwarf()?.lineAt(address - m.bias);
      return row && row.line > 0 ? { file: row.path, line: row.line } : undefined;
    } catch {
      return undefined;
    }
  }

  /** SystemTap's text of an address in one of its layouts (see AddressStyle). */
  addressText(address: Long, style: AddressStyle): string {
    const a = toBig(address);
    const hex = '0x' + a.toString(16);
    if (style === 'file' || style === 'line' || style === 'fileline') {
      const at = this.sourceAt(a);
      if (!at) return hex;
      return style === 'file' ? at.file : style === 'line' ? String(at.line) : `${at.file}:${at.line}`;
    }
    const s = this.symbolAt(a);
    const lead = style === 'full' || style === 'fuller' ? ` ${hex} : ` : '';
    if (!s) {
      const m = this.moduleAt(a);
      if (!m) return (lead ? ' ' : '') + hex;
      const module = style === 'simple' ? path.basename(m.binary.path) : m.binary.path;
      return `${lead ? ' ' : ''}${hex} [${module}+0x${(a - m.bias).toString(16)}]`;
    }
    if (style === 'simple') return `${s.name}+0x${s.offset.toString(16)} [${path.basename(s.path)}]`;
    const at = style === 'fuller' ? this.sourceAt(a) : undefined;
    return `${lead}${s.name}+0x${s.offset.toString(16)}/0x${s.size.toString(16)}${at ? ` at ${at.file}:${at.line}` : ''} [${s.path}]`;
  }

  /** SystemTap's layout: ` 0xADDR : symbol+0xOFF/0xSIZE [path]`, one frame per line. */
  sprintUbacktrace(backtrace: string): string {
    let out = '';
    for (const word of backtrace.split(' ')) {
      if (!word) continue;
      const address = BigInt(word);
      const s = this.symbolAt(address);
      const where = s ? ` : ${s.name}+0x${s.offset.toString(16)}/0x${s.size.toString(16)} [${s.path}]` : ` : 0x${address.toString(16)}`;
      out += ` 0x${address.toString(16)}${where}\n`;
    }
    return out;
  }
}
