// bpftrace (its probe names and -c) and the kernel's uprobe_events split at blanks with no way to
// quote, so a program in a folder whose path has a space or a quote (a clone in "my code/") is
// given to them through a symlink in a plain folder. The kernel places a uprobe on the file the
// path resolves to, and $ORIGIN comes from /proc/self/exe, so runs and probes are unchanged.
import * as fs from 'node:fs';
import * as path from 'node:path';

const PLAIN = /^[A-Za-z0-9_@%+=,./-]+$/;

/** `file` itself when its path is plain; else a symlink to it under `scratch` (itself plain). */
export function plainPath(file: string, scratch: string): string {
  if (PLAIN.test(file)) return file;
  const dir = path.join(scratch, 'plain-paths');
  fs.mkdirSync(dir, { recursive: true });
  const link = path.join(dir, path.basename(file).replace(/[^A-Za-z0-9_.-]/g, '_'));
  if (fs.existsSync(link) && fs.realpathSync(link) !== fs.realpathSync(file)) throw new Error(`${link} already names another file than ${file}`);
  if (!fs.existsSync(link)) fs.symlinkSync(file, link);
  return link;
}
