// GNU indirect functions (STT_GNU_IFUNC). Such a symbol's address is not the function but its
// resolver: code the dynamic linker runs once per process, at load time, which returns the
// implementation for this CPU (libc's strlen → __strlen_avx2, __strlen_evex, __strlen_sse2...).
// A probe on the symbol's address fires once per process, not once per call.
//
// Which implementation a process uses is in its memory, read-only: the file's own calls go through
// a GOT slot with an R_X86_64_IRELATIVE relocation whose addend is the resolver, and the dynamic
// linker stores the resolver's answer there while relocating the file (even with lazy binding).
// A file that does not call its own IFUNC has no such slot; then the files importing the symbol
// have one (GLOB_DAT, or a JUMP_SLOT once bound), holding the implementation's run-time address.
// Without a process, the resolver's code still says which implementations it chooses among: the
// rip-relative `lea` instructions that load their addresses.
import * as fs from 'node:fs';
import { ElfFile } from './elf-file';
import { loadBias, loadSegments } from './segments';
import { mappedFiles, type Mapping } from './proc-maps';
import { readSymbols } from './symbols';
import { R_X86_64, SHT, STT } from './elf-constants';
import { readRelocations } from './relocations';
import type { CodeSymbol, SymbolTable } from './symbol-table';

/** The IFUNC symbol named `name` whose resolver starts at `address`, if there is one. */
export function ifuncSymbolAt(table: SymbolTable, name: string, address: bigint): CodeSymbol | undefined {
  return table.byName(name).find((s) => s.type === STT.STT_GNU_IFUNC && s.address === address);
}

/**
 * Link-time addresses of the GOT slots the dynamic linker fills with what the resolver at
 * `resolver` returns (IRELATIVE relocations whose addend is the resolver).
 */
export function irelativeSlots(elf: ElfFile, resolver: bigint): bigint[] {
  let byResolver = slotsOf.get(elf);
  if (!byResolver) {
    slotsOf.set(elf, (byResolver = new Map()));
    for (const section of elf.sections) {
      if (section.type !== SHT.SHT_RELA) continue;
      for (const r of readRelocations(elf, section)) {
        if (r.type !== R_X86_64.R_X86_64_IRELATIVE) continue;
        const list = byResolver.get(r.addend);
        if (list) list.push(r.offset);
        else byResolver.set(r.addend, [r.offset]);
      }
    }
  }
  return byResolver.get(resolver) ?? [];
}

/** Every IRELATIVE slot of a file by the resolver it calls, read once per file. */
const slotsOf = new WeakMap<ElfFile, Map<bigint, bigint[]>>();

/**
 * The functions a resolver may return: function symbols whose address its code loads with a
 * rip-relative `lea` (REX.W 8d /r, mod 00, rm 101). `code` is the resolver's bytes from `address`.
 */
export function ifuncCandidates(table: SymbolTable, code: Uint8Array, address: bigint): CodeSymbol[] {
  const found = new Map<bigint, CodeSymbol>();
  for (let i = 0; i + 7 <= code.length; i++) {
    if ((code[i] & 0xf8) !== 0x48 || code[i + 1] !== 0x8d || (code[i + 2] & 0xc7) !== 0x05) continue;
    const disp = code[i + 3] | (code[i + 4] << 8) | (code[i + 5] << 16) | (code[i + 6] << 24);
    const target = address + BigInt(i + 7) + BigInt(disp);
    const hit = table.at(target);
    if (hit && hit.offset === 0n && hit.symbol.source !== 'plt' && !found.has(target)) found.set(target, hit.symbol);
  }
  return [...found.values()];
}

/** Reads `length` bytes of process `pid` at `address` (/proc/PID/mem, read-only); undefined if unreadable. */
export function readProcessBytes(pid: number, address: bigint, length: number): Uint8Array | undefined {
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${pid}/mem`, 'r');
  } catch {
    return undefined;
  }
  try {
    const out = new Uint8Array(length);
    return fs.readSync(fd, out, 0, length, address) === length ? out : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The implementation process `pid` uses for the IFUNC whose resolver is at link-time `resolver`
 * in the file `elf` loaded there with `bias`: the link-time address its dynamic linker stored in
 * one of the file's IRELATIVE slots, or undefined when the file has no such slot or it is unset.
 */
export function resolvedIfunc(elf: ElfFile, resolver: bigint, pid: number, bias: bigint): bigint | undefined {
  for (const slot of irelativeSlots(elf, resolver)) {
    const bytes = readProcessBytes(pid, slot + bias, 8);
    if (!bytes) continue;
    const value = new DataView(bytes.buffer).getBigUint64(0, true) - bias;
    if (value !== resolver && value > 0n) return value;
  }
  return undefined;
}

/**
 * The run-time addresses process `pid` holds for symbol `name` in the GOT slots of the files it
 * maps other than `definingPath` (GLOB_DAT, JUMP_SLOT relocations naming it). A lazy JUMP_SLOT
 * not yet bound holds an address in its own file's PLT: the caller keeps only addresses inside
 * the defining file.
 */
export function importedSlotValues(pid: number, name: string, mappings: Mapping[], definingPath: string): bigint[] {
  const values: bigint[] = [];
  for (const file of mappedFiles(mappings)) {
    if (file.path === definingPath || file.path.startsWith('/dev/') || file.path.startsWith('/memfd:')) continue;
    let elf: ElfFile;
    try {
      elf = ElfFile.open(file.path);
    } catch {
      continue;
    }
    try {
      const bias = loadBias(loadSegments(elf), file.mappings);
      const dynsym = readSymbols(elf, '.dynsym');
      if (bias === undefined || !dynsym) continue;
      const index = dynsym.findIndex((s) => s.name === name) + 1;
      if (index === 0) continue;
      for (const section of elf.sections) {
        if (section.type !== SHT.SHT_RELA) continue;
        for (const r of readRelocations(elf, section)) {
          if (r.symbol !== index || (r.type !== R_X86_64.R_X86_64_GLOB_DAT && r.type !== R_X86_64.R_X86_64_JUMP_SLOT)) continue;
          const bytes = readProcessBytes(pid, r.offset + bias, 8);
          if (bytes) values.push(new DataView(bytes.buffer).getBigUint64(0, true));
        }
      }
    } catch {
      // a file we cannot read as ELF says nothing
    } finally {
      elf.close();
    }
  }
  return values;
}
