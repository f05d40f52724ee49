// `process("/usr/lib*/libc.so.*")`: a program path with wildcards stands for every existing file
// it matches, as in SystemTap. Expanded one path component at a time over the directories that
// exist (each component a glob as in symbolizer/glob.ts), in sorted order; a bound on the
// entries visited keeps `/*/*/*` from walking the whole disk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileGlob, hasWildcards } from '../../symbolizer/glob';

const MAX_VISITED = 200_000;

/** Whether `process(PATH)` names files by a pattern (an absolute path with wildcards). */
export function isPathPattern(text: string): boolean {
  return text.startsWith('/') && hasWildcards(text);
}

/** The regular files (or links to them) an absolute path pattern matches, sorted. */
export function expandPathPattern(pattern: string): string[] {
  let candidates = ['/'];
  let visited = 0;
  const parts = pattern.split('/').filter(Boolean);
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of candidates) {
      if (!hasWildcards(part)) {
        next.push(path.join(dir, part));
        continue;
      }
      let entries: string[];
      try {
        entries = fs.readdirSync(dir);
      } catch {
        continue;
      }
      visited += entries.length;
      if (visited > MAX_VISITED) break;
      const glob = compileGlob(part);
      for (const e of entries.sort()) if (glob.matches(e) && (part.startsWith('.') || !e.startsWith('.'))) next.push(path.join(dir, e));
    }
    candidates = next.filter((p) => {
      try {
        const st = fs.statSync(p);
        return last ? st.isFile() : st.isDirectory();
      } catch {
        return false;
      }
    });
  });
  return [...new Set(candidates)].sort();
}
