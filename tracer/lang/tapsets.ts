// Tapsets: libraries of probe aliases, functions and globals in .stp files on a search path
// (`-I DIR`, then the bundled tapset/ folder). As in SystemTap, a tapset file joins the program
// only when the script uses a name it defines; the file is then taken whole. Macro libraries
// (`.stpm` files on the same path) define `@macros` every script and tapset can use.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AstFile } from './ast';
import type { Diagnostics } from './diagnostic';
import { tokenize } from './lexer';
import { readSourceFile } from './read-source';
import { parse } from './parser';
import { libraryMacros, preprocess, type Macro, type PreprocessContext } from './preprocess';
import { packageRoot } from '../install-paths';

/**
 * What SystemTap's own tapsets define that every script may use: the aliases over begin
 * (`oneshot` runs its handler once at the start and then ends the session; `init` is a begin
 * probe that runs before every other) and the global `NULL` (0).
 */
const PRELUDE_FILE = '<prelude>';
const PRELUDE = `probe oneshot += begin { exit() }
probe init = begin(-9223372036854775808) {}
global NULL = 0
`;

/** The bundled tapset folder (next to dist/ in a checkout or package). */
export function bundledTapsetDir(): string {
  return path.join(packageRoot, 'tapset');
}

export class TapsetLibrary {
  private files: AstFile[] | undefined;
  private readonly taken = new Set<AstFile>();
  private library: Map<string, Macro> | undefined;

  constructor(
    private readonly dirs: string[],
    private readonly diag: Diagnostics,
    private readonly context: Omit<PreprocessContext, 'libraryMacros'>,
  ) {}

  /** Every macro of the `.stpm` files on the path (the first definition of a name wins). */
  macros(): Map<string, Macro> {
    if (this.library) return this.library;
    this.library = new Map();
    for (const file of uniqueFiles(this.dirs, '.stpm')) {
      const text = fs.readFileSync(file, 'latin1');
      this.diag.addSource(file, text);
      this.diag.collect(() => {
        for (const [name, macro] of libraryMacros(tokenize(text, file, this.diag), this.context, this.diag)) if (!this.library!.has(name)) this.library!.set(name, macro);
      });
    }
    return this.library;
  }

  private load(): AstFile[] {
    if (this.files) return this.files;
    this.files = [];
    const libraryMacros = this.macros();
    this.diag.addSource(PRELUDE_FILE, PRELUDE);
    this.files.push(parse(tokenize(PRELUDE, PRELUDE_FILE, this.diag), PRELUDE_FILE, this.diag));
    for (const file of uniqueFiles(this.dirs, '.stp')) {
      const text = readSourceFile(file, 'latin1', 'tapset file');
      this.diag.addSource(file, text);
      const { tokens } = preprocess(tokenize(text, file, this.diag), { ...this.context, libraryMacros }, this.diag);
      this.files.push(parse(tokens, file, this.diag, true));
    }
    return this.files;
  }

  /** The not-yet-taken file defining function `name`, if any (taking it). */
  takeFunction(name: string): AstFile | undefined {
    return this.take((f) => f.functions.some((fn) => fn.name === name));
  }

  /** The not-yet-taken file defining the alias `dotted`, if any (taking it). */
  takeAlias(dotted: string): AstFile | undefined {
    return this.take((f) => f.aliases.some((a) => a.names.some((n) => n.join('.') === dotted)));
  }

  /** The not-yet-taken file defining global `name`, if any (taking it). */
  takeGlobal(name: string): AstFile | undefined {
    return this.take((f) => f.globals.some((g) => g.name === name));
  }

  private take(defines: (f: AstFile) => boolean): AstFile | undefined {
    const file = this.load().find((f) => !this.taken.has(f) && defines(f));
    if (file) this.taken.add(file);
    return file;
  }
}

/** The files ending in `ext` under every folder, in path order, each real file once. */
function uniqueFiles(dirs: string[], ext: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const dir of dirs) {
    for (const file of listFiles(dir, ext)) {
      const real = fs.realpathSync(file);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(file);
    }
  }
  return out;
}

function listFiles(dir: string, ext: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  // A plain code-unit order: localeCompare's first call loads ICU's collator, ~5 ms of every start.
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(full, ext));
    else if (e.name.endsWith(ext)) out.push(full);
  }
  return out;
}
