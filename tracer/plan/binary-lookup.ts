// Which file a probe point means. `process("PATH")`: an absolute or relative path, or a basename
// — matched against the target process's executable and mapped files with -p, else looked up on
// $PATH. `.library("LIB")`: a path, or a name matched against the target's mapped libraries, the
// executable's DT_NEEDED resolved through its RUNPATH and the system library directories.
// Whatever is found must be an ELF file; a script wrapper (Debian's /usr/bin/psql → pg_wrapper)
// gets an error naming the real binary when one can be found.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXIT_ENVIRONMENT, UtapError } from '../errors';
import { ptraceRefusal, untraceableTarget } from '../engine/target-refusal';
import { readMaps, mappedFiles } from '../../symbolizer/proc-maps';
import { commandWord } from './command-words';

/** Where to look besides $PATH: the traced process, and the -c command's program. */
export interface LookupContext {
  targetPid?: number;
  /** the -c command line: its program is what a basename means, even behind a wrapper script */
  command?: string;
  env?: NodeJS.ProcessEnv;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** System library directories, in the dynamic linker's default order on Debian x86-64. */
export const SYSTEM_LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];

function fail(message: string): never {
  throw new UtapError(message, EXIT_ENVIRONMENT);
}

function firstBytes(file: string, n: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = fs.readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

export function isElfFile(file: string): boolean {
  try {
    return firstBytes(file, 4).equals(ELF_MAGIC);
  } catch {
    return false;
  }
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return isRegularFile(file);
  } catch {
    return false;
  }
}

/** `name` looked up on $PATH like a shell does; undefined when absent. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const candidate = path.join(dir || '.', name);
    if (isExecutableFile(candidate)) return path.resolve(candidate);
  }
  return undefined;
}

/**
 * ELF files named `name` in the places packages hide real programs behind wrappers
 * (/usr/lib/postgresql/15/bin/psql behind pg_wrapper, /usr/libexec/..., /opt/.../bin).
 */
export function realBinaryCandidates(name: string): string[] {
  const out: string[] = [];
  const tryDir = (dir: string) => {
    const candidate = path.join(dir, name);
    if (isRegularFile(candidate) && isElfFile(candidate)) out.push(candidate);
  };
  const subdirs = (dir: string): string[] => {
    try {
      return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(dir, d.name)).sort().reverse();
    } catch {
      return [];
    }
  };
  for (const top of ['/usr/lib', '/usr/libexec', '/usr/local/lib', '/opt']) {
    tryDir(top);
    for (const a of subdirs(top)) {
      tryDir(a);
      tryDir(path.join(a, 'bin'));
      for (const b of subdirs(a)) tryDir(path.join(b, 'bin'));
    }
  }
  return [...new Set(out)];
}

/** Refuses a file that is not ELF with a sentence naming what it is and the real program if found. */
export function requireElf(file: string, asWritten: string): void {
  let head: Buffer;
  try {
    head = firstBytes(file, 256);
  } catch (error) {
    fail(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions.`);
  }
  if (head.subarray(0, 4).equals(ELF_MAGIC)) return;
  const real = fs.realpathSync(file);
  const what = head.subarray(0, 2).toString('latin1') === '#!'
    ? `a script run by ${head.toString('latin1').slice(2).split('\n')[0].trim().split(/\s+/)[0]}`
    : 'not an ELF binary';
  const shown = real === path.resolve(file) ? file : `${file} (→ ${real})`;
  const candidates = realBinaryCandidates(path.basename(file));
  const hint = candidates.length
    ? ` The program it runs is probably ${candidates[0]}${candidates.length > 1 ? ` (also: ${candidates.slice(1, 4).join(', ')})` : ''}; write process("${candidates[0]}").`
    : ' Name the ELF program it runs instead, e.g. with its full path.';
  fail(`${shown} is ${what}, not a program utap can probe (probe point process("${asWritten}")).${hint}`);
}

function processExe(pid: number): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(untraceableTarget(pid) ?? ptraceRefusal(pid));
  }
}

/** The executable of the target process (for `process.function(...)` and -p matching). */
export function targetExecutable(pid: number): string {
  return processExe(pid);
}

/**
 * The ELF program a -c command line ends up running: its first word (after `exec` and
 * `NAME=value` words) on $PATH; for a wrapper script, the real program behind it by name
 * (the engines place probes when the wrapper execs it). Undefined when it cannot be told.
 */
export function commandProgram(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const word = commandWord(command);
  if (!word) return undefined;
  const found = word.includes('/') ? path.resolve(word) : findOnPath(word, env);
  if (!found || !isRegularFile(found)) return undefined;
  return isElfFile(found) ? fs.realpathSync(found) : realBinaryCandidates(path.basename(found))[0];
}

/** The ELF file `process("PATH")` names. */
export function findProcessBinary(written: string, context: LookupContext = {}): string {
  if (written.includes('/')) {
    const resolved = path.resolve(written);
    if (!fs.existsSync(resolved)) fail(`process("${written}"): there is no file ${resolved}.`);
    if (!isRegularFile(resolved)) fail(`process("${written}"): ${resolved} is not a regular file.`);
    requireElf(resolved, written);
    return fs.realpathSync(resolved);
  }
  if (context.targetPid !== undefined) {
    const exe = processExe(context.targetPid);
    if (path.basename(exe) === written) return exe;
    for (const f of mappedFiles(readMaps(context.targetPid))) {
      if (path.basename(f.path) === written && isElfFile(f.path)) return f.path;
    }
  }
  if (context.command !== undefined) {
    const program = commandProgram(context.command, context.env);
    if (program && path.basename(program) === written) return program;
  }
  const onPath = findOnPath(written, context.env);
  if (!onPath) {
    const target = context.targetPid !== undefined ? ` and process ${context.targetPid} runs ${processExe(context.targetPid)}` : '';
    fail(`process("${written}"): no program named ${written} on PATH${target}; give its full path.`);
  }
  requireElf(onPath, written);
  return fs.realpathSync(onPath);
}

/** Does file name `base` satisfy a library name as written (`libc.so.6`, `libc.so`, `libc`)? */
export function libraryNameMatches(written: string, base: string): boolean {
  if (base === written) return true;
  if (base.startsWith(`${written}.`)) return true; // libc.so → libc.so.6
  if (!written.includes('.so') && base.startsWith(`${written}.so`)) return true; // libc → libc.so.6
  return false;
}

/**
 * The shared library `.library("LIB")` names for an executable: a path, a library mapped into
 * the target process, one of the executable's DT_NEEDED (through RUNPATH/RPATH), or a file in
 * the system library directories.
 */
export function findLibrary(written: string, executable: string | undefined, context: LookupContext & { needed?: string[]; searchPath?: string[] } = {}): string {
  if (written.includes('/')) {
    const resolved = path.resolve(written);
    if (!isRegularFile(resolved)) fail(`library("${written}"): there is no file ${resolved}.`);
    requireElf(resolved, written);
    return fs.realpathSync(resolved);
  }
  if (context.targetPid !== undefined) {
    for (const f of mappedFiles(readMaps(context.targetPid))) {
      if (libraryNameMatches(written, path.basename(f.path)) && isElfFile(f.path)) return f.path;
    }
  }
  const origin = executable ? path.dirname(executable) : process.cwd();
  const dirs = [...(context.searchPath ?? []).map((d) => d.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin)), ...(context.env?.LD_LIBRARY_PATH ?? process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...SYSTEM_LIBRARY_DIRS];
  const names = [...(context.needed ?? []).filter((n) => libraryNameMatches(written, n)), written];
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isRegularFile(candidate) && isElfFile(candidate)) return fs.realpathSync(candidate);
    }
  }
  // A prefix such as "libpq" or "libc.so": any versioned file in the library directories.
  for (const dir of dirs) {
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(dir).sort();
    } catch {
      continue;
    }
    const hit = entries.find((e) => libraryNameMatches(written, e) && isElfFile(path.join(dir, e)));
    if (hit) return fs.realpathSync(path.join(dir, hit));
  }
  fail(`library("${written}"): no such library${executable ? ` among those ${executable} loads or` : ''} in ${SYSTEM_LIBRARY_DIRS.slice(0, 2).join(', ')}; give its full path.`);
}
