// The ELF files one run or listing touches, each opened once (with the build-id cache and the
// progress reporter), and the mapping from a process probe spec to the file it names.
import * as path from 'node:path';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import { SymbolCache } from '../../symbolizer/cache';
import { cachesDisabled } from '../../symbolizer/cache-directory';
import { DecodeError } from '../../symbolizer/decode-error';
import { readDynamic } from '../../symbolizer/dynamic';
import { ElfBinary, type LoadProgress } from '../../symbolizer/elf-binary';
import { commandProgram, findLibrary, findOnPath, findProcessBinary, requireElf, targetExecutable } from './binary-lookup';
import { commandWord } from './command-words';
import type { ProcessProbeSpec } from './probe-spec';

export interface CatalogOptions {
  cache?: SymbolCache;
  progress?: LoadProgress;
  debugDirectories?: string[];
  /** The traced process (-p, or the -c child once started). */
  targetPid?: number;
  /** -c: its program is the target of `process.function(...)` before the child exists. */
  command?: string;
  env?: NodeJS.ProcessEnv;
  /** -v: one line of diagnostics (where IFUNC probes went). */
  log?(message: string): void;
}

/** The cache utap uses unless UTAP_NO_CACHE is set. */
export function defaultSymbolCache(env: NodeJS.ProcessEnv = process.env): SymbolCache {
  return cachesDisabled(env) ? SymbolCache.disabled() : new SymbolCache();
}

export class BinaryCatalog {
  private readonly open = new Map<string, ElfBinary>();

  constructor(readonly options: CatalogOptions = {}) {}

  /** The binary at `file` (a real path), opened once; a damaged or non-ELF file is a one-sentence UtapError. */
  binary(file: string): ElfBinary {
    let b = this.open.get(file);
    if (b) return b;
    try {
      b = ElfBinary.open(file, { cache: this.options.cache, progress: this.options.progress, debugDirectories: this.options.debugDirectories });
    } catch (error) {
      if (error instanceof DecodeError) throw new UtapError(`${file} is not an ELF file utap can read: ${error.message}.`, EXIT_ENVIRONMENT);
      const code = (error as NodeJS.ErrnoException).code;
      if (code) throw new UtapError(`cannot open ${file} (${code}).`, EXIT_ENVIRONMENT);
      throw error;
    }
    this.open.set(file, b);
    return b;
  }

  close(): void {
    for (const b of this.open.values()) b.close();
    this.open.clear();
  }

  /** The program of the target (-p PID or the -c command). */
  private targetProgram(pointText: string): string {
    if (this.options.targetPid !== undefined) return targetExecutable(this.options.targetPid);
    const word = this.options.command === undefined ? undefined : commandWord(this.options.command);
    if (word) {
      const program = commandProgram(this.options.command!, this.options.env);
      if (program) return program;
      const found = word.includes('/') ? path.resolve(word) : findOnPath(word, this.options.env);
      if (!found) throw new UtapError(`-c: there is no program ${word} on PATH.`, EXIT_ENVIRONMENT);
      requireElf(found, word);
      return found;
    }
    if (this.options.command !== undefined) {
      throw new UtapError(`probe point '${pointText}' means the program of -c, and utap cannot tell which program '${this.options.command}' runs (its first word is not plain text); name it: process("PATH").function(...).`, EXIT_SCRIPT_ERROR);
    }
    throw new UtapError(`probe point '${pointText}' means the traced process, and there is none; give -p PID or -c CMD, or name the program: process("PATH").function(...).`, EXIT_SCRIPT_ERROR);
  }

  /** The executable a spec's `process(...)` names. */
  executableFor(spec: ProcessProbeSpec, pointText: string): string {
    const ctx = { targetPid: this.options.targetPid, command: this.options.command, env: this.options.env };
    if (spec.process === undefined) return this.targetProgram(pointText);
    if (typeof spec.process === 'number') return targetExecutable(spec.process);
    return findProcessBinary(spec.process, ctx);
  }

  /** The file holding the code a spec names: the executable, or its `.library(...)`. */
  fileFor(spec: ProcessProbeSpec, pointText: string): string {
    const exe = this.executableFor(spec, pointText);
    if (!spec.library) return exe;
    const dyn = readDynamic(this.binary(exe).elf);
    return findLibrary(spec.library, exe, { targetPid: this.options.targetPid, env: this.options.env, needed: dyn.needed, searchPath: dyn.searchPath });
  }
}
