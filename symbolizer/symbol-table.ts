// Address ↔ symbol for one ELF file: the code symbols of .symtab (else .dynsym) plus the PLT
// stubs (`puts@plt`), sorted by address, answering "which symbol holds this address" (nm / objdump
// / addr2line's view) and "where is this name". Plain data, so a caller can cache it by build-id.
import type { ElfFile } from './elf-file';
import { SHN, STB, STT } from './elf-constants';
import { readPltEntries } from './plt';
import { isFunctionSymbol, readSymbols, type ElfSymbol } from './symbols';

export interface CodeSymbol {
  name: string;
  /** Link-time address. */
  address: bigint;
  /** st_size (0 when the producer did not say; such a symbol reaches to the next one). */
  size: number;
  /** STB_* (PLT stubs: STB_LOCAL). */
  binding: number;
  /** STT_FUNC, STT_GNU_IFUNC, or STT_NOTYPE for PLT stubs. */
  type: number;
  /** Where the symbol came from. */
  source: '.symtab' | '.dynsym' | 'plt';
  /** GNU version of a dynamic symbol (GLIBC_2.2.5). */
  version?: string;
}

/** Where an address falls: `symbol+offset`. */
export interface SymbolOffset {
  symbol: CodeSymbol;
  offset: bigint;
}

const SYMBOL_TABLE_FORMAT = 1;

export interface SerializedSymbolTable {
  format: number;
  symbols: Array<Omit<CodeSymbol, 'address'> & { address: string }>;
}

/** Rank among symbols at the same address: a global function names the place best. */
function preference(s: CodeSymbol): number {
  const binding = s.binding === STB.STB_GLOBAL ? 0 : s.binding === STB.STB_WEAK ? 1 : 2;
  const type = s.type === STT.STT_FUNC ? 0 : s.type === STT.STT_GNU_IFUNC ? 1 : 2;
  return binding * 4 + type + (s.name.startsWith('_') ? 16 : 0);
}

function byAddress(a: CodeSymbol, b: CodeSymbol): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  const p = preference(a) - preference(b);
  return p !== 0 ? p : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class SymbolTable {
  /** Sorted by address; at one address the preferred name first. */
  readonly symbols: CodeSymbol[];
  private nameMap?: Map<string, CodeSymbol[]>;

  constructor(symbols: CodeSymbol[]) {
    this.symbols = [...symbols].sort(byAddress);
  }

  /**
   * The function symbols of `elf`: .symtab when present (it holds the static functions too),
   * with the .dynsym names it lacks (versions, aliases), and the PLT stubs.
   */
  static fromElf(elf: ElfFile): SymbolTable {
    const symtab = readSymbols(elf, '.symtab');
    const dynsym = readSymbols(elf, '.dynsym');
    const seen = new Set<string>();
    const out: CodeSymbol[] = [];
    const add = (s: ElfSymbol, source: '.symtab' | '.dynsym'): void => {
      if (!isFunctionSymbol(s) || !s.name || s.section === SHN.SHN_ABS) return;
      const key = `${s.name}\0${s.value}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ name: s.name, address: s.value, size: s.size, binding: s.binding, type: s.type, source, ...(s.version ? { version: s.version } : {}) });
    };
    for (const s of symtab ?? []) add(s, '.symtab');
    for (const s of dynsym ?? []) add(s, '.dynsym');
    for (const p of readPltEntries(elf, dynsym)) {
      out.push({ name: p.name, address: p.address, size: p.size, binding: STB.STB_LOCAL, type: STT.STT_NOTYPE, source: 'plt' });
    }
    return new SymbolTable(out);
  }

  toJSON(): SerializedSymbolTable {
    return { format: SYMBOL_TABLE_FORMAT, symbols: this.symbols.map((s) => ({ ...s, address: s.address.toString(16) })) };
  }

  static fromJSON(data: SerializedSymbolTable): SymbolTable {
    if (!data || data.format !== SYMBOL_TABLE_FORMAT || !Array.isArray(data.symbols)) throw new Error('symbol table cache has another format');
    return new SymbolTable(data.symbols.map((s) => ({ ...s, address: BigInt(`0x${s.address}`) })));
  }

  /** Every symbol with this exact name (a static name may be defined in several files). */
  byName(name: string): CodeSymbol[] {
    if (!this.nameMap) {
      this.nameMap = new Map();
      for (const s of this.symbols) {
        const list = this.nameMap.get(s.name);
        if (list) list.push(s);
        else this.nameMap.set(s.name, [s]);
      }
    }
    return this.nameMap.get(name) ?? [];
  }

  /**
   * The symbol holding `address`: the preferred one among the last symbols starting at or before
   * it whose size covers it; a size-0 symbol covers up to the next symbol's start. PLT stubs
   * are only returned inside their stub.
   */
  at(address: bigint): SymbolOffset | undefined {
    const list = this.symbols;
    let lo = 0, hi = list.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].address <= address) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const covers = (s: CodeSymbol): boolean => s.size > 0 && address < s.address + BigInt(s.size);
    // The innermost sized symbol covering the address: walk back from the last start before it
    // (a big function may enclose later local labels, so look a little further than one start).
    for (let i = found, guard = 0; i >= 0 && guard < 64; i--, guard++) {
      if (!covers(list[i])) continue;
      let best = i;
      while (best > 0 && list[best - 1].address === list[i].address && covers(list[best - 1])) best--;
      return { symbol: list[best], offset: address - list[best].address };
    }
    // Otherwise a size-0 symbol reaches to the next symbol's start.
    let first = found;
    while (first > 0 && list[first - 1].address === list[found].address) first--;
    const s = list.slice(first, found + 1).find((c) => c.size === 0 && c.source !== 'plt');
    return s ? { symbol: s, offset: address - s.address } : undefined;
  }

  /** `name+0x1a` (or the bare name at offset 0), as probefunc-style text; undefined outside every symbol. */
  describe(address: bigint): string | undefined {
    const hit = this.at(address);
    if (!hit) return undefined;
    return hit.offset === 0n ? hit.symbol.name : `${hit.symbol.name}+0x${hit.offset.toString(16)}`;
  }
}
