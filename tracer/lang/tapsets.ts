// Tapsets: libraries of probe aliases, functions and globals in .stp files on a search path
// (`-I DIR`, then the bundled tapset/ folder). As in SystemTap, a tapset file joins the program
// only when the script uses a name it defines; the file is then taken whole.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AstFile } from './ast';
import type { Diagnostics } from './diagnostic';
import { tokenize } from './lexer';
import { readSourceFile } from './read-source';
import { parse } from './parser';
import { packageRoot } from '../install-paths';

/** The bundled tapset folder (next to dist/ in a checkout or package). */
export function bundledTapsetDir(): string {
  return path.join(packageRoot, 'tapset');
}

export class TapsetLibrary {
  private files: AstFile[] | undefined;
  private readonly taken = new Set<AstFile>();

  constructor(
    private readonly dirs: string[],
    private readonly diag: Diagnostics,
  ) {}

  private load(): AstFile[] {
    if (this.files) return this.files;
    this.files = [];
    const seen = new Set<string>();
    for (const dir of this.dirs) {
      for (const file of listStp(dir)) {
        const real = fs.realpathSync(file);
        if (seen.has(real)) continue;
        seen.add(real);
        const text = readSourceFile(file, 'latin1', 'tapset file');
        this.diag.addSource(file, text);
        this.files.push(parse(tokenize(text, file, [], this.diag), file, this.diag));
      }
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

function listStp(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listStp(full));
    else if (e.name.endsWith('.stp')) out.push(full);
  }
  return out;
}
