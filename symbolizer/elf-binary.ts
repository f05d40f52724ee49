// One binary as a tracer sees it: the ELF file that gets mapped (executable or shared library),
// its build-id, its symbols (from itself, or from its separate debug file when it is stripped),
// its DWARF and CFI (wherever they are), and the answers built on them — vaddr → file offset,
// address → symbol+offset and file:line, the load bias in a process. Slow parts (the symbol
// table, the DWARF function index) come from the build-id cache when it has them and they were
// made from the same contents (cache-fingerprint.ts).
import * as fs from 'node:fs';
import { SymbolCache, cacheKey } from './cache';
import { contentFingerprint } from './cache-fingerprint';
import { findDebugFile, type DebugFileResult, type FoundDebugFile } from './debug-file';
import { CallFrameInfo } from './dwarf/cfi';
import { Dwarf } from './dwarf/dwarf';
import { FunctionIndex, type SerializedFunctionIndex } from './dwarf/function-index';
import type { LineRow } from './dwarf/line';
import { ElfFile, type ProgramHeader } from './elf-file';
import { SHT } from './elf-constants';
import { readBuildId } from './notes';
import { mappedFiles, type Mapping } from './proc-maps';
import { isRelocatable, loadBias, loadSegments, vaddrToFileOffset } from './segments';
import { SymbolTable, type SerializedSymbolTable, type SymbolOffset } from './symbol-table';

/** Reports slow loading steps; the tracer shows them on a terminal. */
export interface LoadProgress {
  /** A slow step starts; `total` units of work when known. */
  begin(label: string, total?: number): void;
  update(done: number): void;
  end(): void;
}

export interface ElfBinaryOptions {
  cache?: SymbolCache;
  /** Global debug directories (default /usr/lib/debug, or UTAP_DEBUG_FILE_DIRECTORY). */
  debugDirectories?: string[];
  progress?: LoadProgress;
}

/** Where an address is: symbol+offset and, with DWARF, the source line. */
export interface AddressInfo {
  symbol?: SymbolOffset;
  line?: LineRow;
}

interface CachedDebugFile {
  found?: FoundDebugFile & { size: number; mtimeMs: number };
}

function hasDebugInfo(elf: ElfFile): boolean {
  const s = elf.section('.debug_info');
  return !!s && s.type !== SHT.SHT_NOBITS && s.size > 0;
}

export class ElfBinary {
  readonly buildId?: string;
  readonly segments: ProgramHeader[];
  private readonly cache: SymbolCache;
  private debugSearch?: DebugFileResult;
  private debugElfFile?: ElfFile | null;
  private symbolTable?: SymbolTable;
  private dwarfData?: Dwarf | null;
  private cfiData?: CallFrameInfo;

  private constructor(
    /** The real (symlink-free) path of the file. */
    readonly path: string,
    readonly elf: ElfFile,
    private readonly options: ElfBinaryOptions,
  ) {
    this.buildId = readBuildId(elf);
    this.segments = loadSegments(elf);
    this.cache = options.cache ?? SymbolCache.disabled();
  }

  /** Opens an ELF file (DecodeError if it is not one; the fs error if it cannot be read). */
  static open(filePath: string, options: ElfBinaryOptions = {}): ElfBinary {
    const real = fs.realpathSync(filePath);
    return new ElfBinary(real, ElfFile.open(real), options);
  }

  close(): void {
    if (this.debugElfFile && this.debugElfFile !== this.elf) this.debugElfFile.close();
    this.elf.close();
  }

  /** A PIE executable or a shared library: run-time addresses are link-time ones plus a bias. */
  get relocatable(): boolean {
    return isRelocatable(this.elf);
  }

  private get key(): string {
    return cacheKey(this.path, this.buildId);
  }

  /** The separate debug file search (only made when the file lacks .debug_info); cached by build-id. */
  debugFile(): DebugFileResult {
    if (this.debugSearch) return this.debugSearch;
    if (hasDebugInfo(this.elf)) return (this.debugSearch = { refused: [] });
    // What the search read of this file: its notes (build-id) and .gnu_debuglink (name, CRC).
    const madeFrom = (): string => contentFingerprint(this.elf, 'symbols');
    const cached = this.cache.get<CachedDebugFile>(this.key, 'debugfile', madeFrom);
    if (cached?.found) {
      try {
        const st = fs.statSync(cached.found.path);
        if (st.size === cached.found.size && st.mtimeMs === cached.found.mtimeMs && this.sameBuildId(cached.found.path, cached.found.how)) {
          return (this.debugSearch = { found: { path: cached.found.path, how: cached.found.how }, refused: [] });
        }
      } catch {
        // gone: search again
      }
    }
    this.debugSearch = findDebugFile(this.path, this.elf, { debugDirectories: this.options.debugDirectories });
    const found = this.debugSearch.found;
    if (found) {
      const st = fs.statSync(found.path);
      this.cache.put(this.key, 'debugfile', { found: { ...found, size: st.size, mtimeMs: st.mtimeMs } } satisfies CachedDebugFile, madeFrom);
    }
    return this.debugSearch;
  }

  /**
   * Whether the debug file at `file` still passes the build-id part of the search that found it
   * (debug-file.ts): the same build-id, or for a debuglink, none at all on either side (its CRC
   * was checked when the entry was made).
   */
  private sameBuildId(file: string, how: FoundDebugFile['how']): boolean {
    if (!this.buildId) return how === 'debuglink';
    let debug: ElfFile | undefined;
    try {
      debug = ElfFile.open(file);
      const id = readBuildId(debug);
      return id === this.buildId || (how === 'debuglink' && id === undefined);
    } catch {
      return false;
    } finally {
      debug?.close();
    }
  }

  /** The ELF file holding the DWARF: this one, its separate debug file, or undefined. */
  debugElf(): ElfFile | undefined {
    if (this.debugElfFile !== undefined) return this.debugElfFile ?? undefined;
    if (hasDebugInfo(this.elf)) return (this.debugElfFile = this.elf);
    const found = this.debugFile().found;
    this.debugElfFile = null;
    if (found) {
      try {
        this.debugElfFile = ElfFile.open(found.path);
      } catch {
        this.debugElfFile = null;
      }
    }
    return this.debugElfFile ?? undefined;
  }

  /** Code symbols and PLT stubs; a stripped file borrows the .symtab of its debug file. */
  symbols(): SymbolTable {
    if (this.symbolTable) return this.symbolTable;
    const kind = `symbols-${this.debugFile().found ? 'debug' : 'own'}`;
    const madeFrom = (): string => {
      const debug = this.debugElf();
      return debug && debug !== this.elf ? `${contentFingerprint(this.elf, 'symbols')}+${contentFingerprint(debug, 'symbols')}` : contentFingerprint(this.elf, 'symbols');
    };
    const cached = this.cache.get<SerializedSymbolTable>(this.key, kind, madeFrom);
    if (cached) {
      try {
        return (this.symbolTable = SymbolTable.fromJSON(cached));
      } catch {
        // another format: rebuild
      }
    }
    let table = SymbolTable.fromElf(this.elf);
    const debug = this.debugElf();
    if (debug && debug !== this.elf && !this.elf.sections.some((s) => s.type === SHT.SHT_SYMTAB)) {
      const fromDebug = SymbolTable.fromElf(debug);
      const have = new Set(table.symbols.map((s) => `${s.name}\0${s.address}`));
      table = new SymbolTable([...table.symbols, ...fromDebug.symbols.filter((s) => s.source !== 'plt' && !have.has(`${s.name}\0${s.address}`))]);
    }
    this.cache.put(this.key, kind, table.toJSON(), madeFrom);
    return (this.symbolTable = table);
  }

  /** The DWARF (with its function index from the cache when there), or undefined without debug info. */
  dwarf(): Dwarf | undefined {
    if (this.dwarfData !== undefined) return this.dwarfData ?? undefined;
    const debug = this.debugElf();
    const dwarf = debug ? Dwarf.fromElf(debug) : undefined;
    this.dwarfData = dwarf ?? null;
    if (!dwarf) return undefined;
    const madeFrom = (): string => contentFingerprint(debug!, 'dwarf');
    const cached = this.cache.get<SerializedFunctionIndex>(this.key, 'functions', madeFrom);
    if (cached) {
      try {
        dwarf.useFunctionIndex(FunctionIndex.fromJSON(cached));
        return dwarf;
      } catch {
        // another format: rebuild
      }
    }
    const progress = this.options.progress;
    progress?.begin(`reading the debug information of ${this.path}`, dwarf.sections.get('.debug_info')?.length);
    try {
      dwarf.functionIndex((offset) => progress?.update(offset));
    } finally {
      progress?.end();
    }
    this.cache.put(this.key, 'functions', dwarf.functionIndex().toJSON(), madeFrom);
    return dwarf;
  }

  /** Call frame information: .eh_frame of this file, .debug_frame of it or its debug file. */
  cfi(): CallFrameInfo {
    return (this.cfiData ??= CallFrameInfo.fromElf(this.elf, this.debugElf()));
  }

  /** File offset of link-time address `vaddr` (where a uprobe goes), undefined outside the loaded bytes. */
  fileOffset(vaddr: bigint): bigint | undefined {
    return vaddrToFileOffset(this.segments, vaddr);
  }

  /** symbol+offset and file:line of link-time address `vaddr`. */
  describe(vaddr: bigint): AddressInfo {
    const symbol = this.symbols().at(vaddr);
    let line: LineRow | undefined;
    try {
      line = this.dwarf()?.lineAt(vaddr);
    } catch {
      line = undefined;
    }
    return { ...(symbol && { symbol }), ...(line && { line }) };
  }

  /**
   * The load bias of this file in a process, from its mappings (matched by device and inode,
   * else by path): 0 for a position-dependent executable, undefined when it is not mapped.
   */
  loadBiasIn(mappings: Mapping[]): bigint | undefined {
    const st = fs.statSync(this.path);
    const mine = mappedFiles(mappings).filter((f) => f.inode === st.ino || f.path === this.path);
    const exact = mine.filter((f) => f.inode === st.ino && deviceMatches(f.device, st.dev));
    for (const file of exact.length ? exact : mine) {
      const bias = loadBias(this.segments, file.mappings);
      if (bias !== undefined) return bias;
    }
    return undefined;
  }
}

/** /proc/PID/maps prints the device as "major:minor" in hex. */
function deviceMatches(text: string, dev: number): boolean {
  const [major, minor] = text.split(':').map((h) => parseInt(h, 16));
  // Linux's new_encode_dev: minor low 8 bits, major 12 bits, minor's high bits above.
  const encoded = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
  return encoded === dev || (major << 8 | minor) === dev;
}
