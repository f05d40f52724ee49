// The jump patches in one process image: for each patched site, its trampoline in a code area
// (within reach of a rel32 jump) and the 5-byte `jmp rel32` written over the site's first
// instructions, with every thread of the process stopped and none inside the bytes replaced.
// Kept: the original bytes, to put back at detach, in a forked child, and (through the
// guardian's list, patch-guardian-list.ts) should utap die. The trampolines themselves are
// never changed once a jump leads to them.
import * as fs from 'node:fs';
import { ElfBinary } from '../../../symbolizer/elf-binary';
import type { CodeAreas } from '../ptrace/code-area';
import type { PlacedSite } from '../ptrace/site-placement';
import type { TargetMemory } from '../ptrace/target-memory';
import { analysePatchSite, JUMP_SIZE } from './patch-site';
import { CannotRelocate } from './relocate';
import { decodeInstruction, type DecodedInstruction } from '../ptrace/x86-decode';
import { buildReturnTrampoline, buildTrampoline, trampolineRoom } from './trampoline';

export interface JumpPatch {
  address: number;
  /** bytes replaced: whole instructions, at least JUMP_SIZE */
  length: number;
  original: Uint8Array;
  trampoline: number;
  trampolineSize: number;
}

/** A site's place in its function: the function's bytes from the file and the site's offset in them. */
export interface SiteInFunction {
  name: string;
  bytes: Uint8Array;
  offset: number;
}

export class JumpPatches {
  readonly patches = new Map<number, JumpPatch>();
  private readonly binaries = new Map<string, ElfBinary | null>();
  /** Called with each patch after its jump is written (the guardian's list). */
  onPatched: ((patch: JumpPatch) => void) | undefined;

  constructor(private readonly memory: TargetMemory, private readonly areas: CodeAreas) {}

  /** The function holding `site`, read from its file; or why there is none to decode. */
  functionOf(site: PlacedSite['site']): SiteInFunction | string {
    let binary = this.binaries.get(site.binary);
    if (binary === undefined) {
      try {
        binary = ElfBinary.open(site.binary);
      } catch {
        binary = null;
      }
      this.binaries.set(site.binary, binary);
    }
    if (!binary) return `${site.binary} cannot be read`;
    const at = binary.symbols().at(site.vaddr);
    if (!at) return 'no symbol holds the site, so its function cannot be decoded';
    if (at.symbol.size === 0) return `the symbol ${at.symbol.name} has no size, so its function cannot be decoded`;
    const start = site.fileOffset - at.offset;
    const bytes = new Uint8Array(at.symbol.size);
    const fd = fs.openSync(site.binary, 'r');
    try {
      if (fs.readSync(fd, bytes, 0, bytes.length, Number(start)) !== bytes.length) return `the function ${at.symbol.name} extends past the end of ${site.binary}`;
    } finally {
      fs.closeSync(fd);
    }
    return { name: at.symbol.name, bytes, offset: Number(at.offset) };
  }

  /**
   * Patches `placed` to call `handlers` (addresses in the target), through thread `tid`
   * (stopped; every other thread stopped too). `threadRips` are every thread's rip now;
   * `otherSites` the addresses of every other probe site. Returns undefined when the jump is
   * in, else the reason it cannot be (the caller places a breakpoint instead).
   */
  place(placed: PlacedSite, handlers: bigint[], tid: number, threadRips: number[], otherSites: ReadonlySet<number>): string | undefined {
    const address = placed.address;
    if (this.patches.has(address)) return 'the site is patched already';
    const fn = this.functionOf(placed.site);
    if (typeof fn === 'string') return fn;
    const analysis = analysePatchSite(fn.bytes, fn.offset);
    if (!analysis.ok) return `${analysis.reason} (in ${fn.name})`;
    const end = address + analysis.length;
    const inside = threadRips.find((rip) => rip > address && rip < end);
    if (inside !== undefined) return `a thread is stopped at 0x${inside.toString(16)}, inside the ${analysis.length} bytes the jump replaces`;
    for (const other of otherSites) {
      if (other > address && other < end) return `another probe site (0x${other.toString(16)}) lies inside the ${analysis.length} bytes the jump replaces`;
    }
    for (const p of this.patches.values()) {
      if (address < p.address + p.length && p.address < end) return `the bytes overlap the jump patched at 0x${p.address.toString(16)}`;
    }
    const original = fn.bytes.slice(fn.offset, fn.offset + analysis.length);
    // the process must hold what the file holds (another tool's breakpoint, self-modifying code)
    const now = this.memory.read(address, analysis.length);
    if (now.some((b, i) => b !== original[i])) return 'the bytes in memory differ from the file (another debugger\'s breakpoint?)';
    const room = trampolineRoom(handlers.length);
    const trampoline = this.areas.slotNear(placed.moduleStart, placed.moduleEnd, tid, room);
    let code: Uint8Array;
    try {
      code = buildTrampoline(fn.bytes.subarray(fn.offset), analysis.displaced, BigInt(address), BigInt(trampoline), handlers);
    } catch (error) {
      if (error instanceof CannotRelocate) return error.message;
      throw error;
    }
    if (code.length > room) return `its trampoline needs ${code.length} bytes`;
    this.memory.write(trampoline, code);
    const patch: JumpPatch = { address, length: analysis.length, original, trampoline, trampolineSize: code.length };
    this.onPatched?.(patch);
    this.memory.write(address, jumpBytes(address, trampoline, analysis.length));
    this.patches.set(address, patch);
    return undefined;
  }

  /** Trampolines breakpoints send threads to (sites a jump cannot patch): [start, end). */
  private readonly breakpointTrampolines: Array<[number, number]> = [];

  /**
   * For a site that keeps a breakpoint: a trampoline that runs the handler, then the site's
   * first instruction relocated, then jumps back; the tracer sends a thread stopped at the
   * breakpoint there. Its address, or why there can be none.
   */
  breakpointTrampoline(placed: PlacedSite, handlers: bigint[], tid: number): number | string {
    const fn = this.functionOf(placed.site);
    let code: Uint8Array;
    let first: DecodedInstruction;
    let original: Uint8Array;
    if (typeof fn === 'string') {
      original = this.memory.read(placed.address, 16);
      if (original[0] === 0xcc) return 'the site holds a breakpoint already';
    } else original = fn.bytes.subarray(fn.offset);
    try {
      first = decodeInstruction(original);
    } catch (error) {
      return (error as Error).message;
    }
    const at = this.areas.slotNear(placed.moduleStart, placed.moduleEnd, tid, trampolineRoom(handlers.length));
    try {
      code = buildTrampoline(original, [{ offset: 0, decoded: first }], BigInt(placed.address), BigInt(at), handlers);
    } catch (error) {
      if (error instanceof CannotRelocate) return error.message;
      throw error;
    }
    this.memory.write(at, code);
    this.breakpointTrampolines.push([at, at + code.length]);
    return at;
  }

  /** A return trampoline (trampoline.ts) calling `handlers`, near `placed`'s module. */
  returnTrampoline(placed: PlacedSite, handlers: bigint[], tid: number): number {
    const code = buildReturnTrampoline(handlers);
    const at = this.areas.slotNear(placed.moduleStart, placed.moduleEnd, tid, code.length);
    this.memory.write(at, code);
    this.breakpointTrampolines.push([at, at + code.length]);
    return at;
  }

  /** Whether `rip` is inside a trampoline (running a handler's call or the relocated code). */
  inTrampoline(rip: number): boolean {
    for (const p of this.patches.values()) if (rip >= p.trampoline && rip < p.trampoline + p.trampolineSize) return true;
    return this.breakpointTrampolines.some(([start, end]) => rip >= start && rip < end);
  }

  /** Puts every original byte back in `memory` (the process's, or a forked child's copy). */
  restore(memory: TargetMemory = this.memory): void {
    for (const p of this.patches.values()) {
      try {
        memory.write(p.address, p.original);
      } catch {
        /* the mapping is gone (library unloaded) */
      }
    }
  }

  /** Forgets every patch without touching the process (after exec, or once restored). */
  forget(): void {
    this.patches.clear();
    this.breakpointTrampolines.length = 0;
    for (const b of this.binaries.values()) b?.close();
    this.binaries.clear();
  }
}

/** `jmp rel32` to the trampoline, then int3s over the rest of the replaced bytes (never run). */
export function jumpBytes(address: number, trampoline: number, length: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(length, JUMP_SIZE)).fill(0xcc);
  bytes[0] = 0xe9;
  const rel = trampoline - (address + JUMP_SIZE);
  if (rel < -(2 ** 31) || rel >= 2 ** 31) throw new Error(`trampoline 0x${trampoline.toString(16)} out of reach of 0x${address.toString(16)}`);
  new DataView(bytes.buffer).setInt32(1, rel, true);
  return bytes;
}
