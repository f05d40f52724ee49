// Reading and writing utap's cache files so that nobody but the user running utap can decide
// what they hold. Root may run utap with another user's HOME or XDG_CACHE_HOME (`sudo -E`,
// `su -m`); a code cache that user planted would then run as root, a symbol cache could move
// probes, and a symlink at a temporary path would have root write wherever it points. So:
//
// - the cache root ($XDG_CACHE_HOME/utap) and every folder under it that utap uses must be a real
//   folder (not a symlink) owned by the effective user and not writable by group or others;
//   the folders above it must be owned by that user or root, writable by nobody else unless
//   sticky (/tmp), so that nobody else can swap a folder on the path after the check;
// - a cache file must be a regular file (opened with O_NOFOLLOW) owned by the effective user and
//   not writable by group or others;
// - a cache file is written as a new file (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) in a folder
//   that passed the check, then renamed into place.
//
// Anything else is ignored: the run goes on without that cache, and `-v` says so, once per path
// (showCacheNotes). The notes live on globalThis because the launcher and the bundled CLI each
// hold their own copy of this module.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDirectory } from './cache-directory';

interface NoteBoard {
  seen: Set<string>;
  queued: string[];
  sink?: (sentence: string) => void;
}

const BOARD_KEY = Symbol.for('utap.cache-notes');

function board(): NoteBoard {
  const g = globalThis as unknown as Record<symbol, NoteBoard | undefined>;
  return (g[BOARD_KEY] ??= { seen: new Set(), queued: [] });
}

/** Records why a cache path is ignored; shown under -v, once per path. */
export function noteIgnored(where: string, why: string): void {
  const b = board();
  if (b.seen.has(where)) return;
  b.seen.add(where);
  const sentence = `ignoring the cache ${where}: ${why}; going on without it.`;
  if (b.sink) b.sink(sentence);
  else b.queued.push(sentence);
}

/** Under -v: prints the notes so far and every later one through `sink`. */
export function showCacheNotes(sink: (sentence: string) => void): void {
  const b = board();
  b.sink = sink;
  for (const sentence of b.queued.splice(0)) sink(sentence);
}

function euid(): number {
  return process.geteuid?.() ?? 0;
}

/** "writable by its group (mode 0775)" and the like, for a mode with 0o022 bits. */
function writableBy(mode: number): string {
  const who = mode & 0o020 && mode & 0o002 ? 'its group and others' : mode & 0o020 ? 'its group' : 'others';
  return `it is writable by ${who} (mode 0${(mode & 0o7777).toString(8)})`;
}

/** Why `st` (a folder or file inside the cache root) may not be trusted, or undefined when it may. */
function distrustOwned(st: fs.Stats, what: 'folder' | 'file'): string | undefined {
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (what === 'folder' ? !st.isDirectory() : !st.isFile()) return `it is not a ${what === 'folder' ? 'folder' : 'regular file'}`;
  if (st.uid !== euid()) return `it belongs to uid ${st.uid}, not to the user running utap (uid ${euid()})`;
  if (st.mode & 0o022) return writableBy(st.mode);
  return undefined;
}

/** Why a folder above the cache root may not be trusted: someone else could replace what is below it. */
function distrustAbove(st: fs.Stats): string | undefined {
  if (st.uid !== euid() && st.uid !== 0) return `it belongs to uid ${st.uid}, neither the user running utap (uid ${euid()}) nor root`;
  if (st.mode & 0o022 && !(st.mode & 0o1000)) return writableBy(st.mode);
  return undefined;
}

/** Folders already checked (and found trustworthy) by this process. */
const trusted = new Set<string>();

/**
 * Whether `folder` (the cache root or a folder under it) may be used: every folder from / to it
 * passes the rules above. With `create`, missing folders from the cache root down are made (0700).
 * A failure is noted for -v.
 */
export function trustedCacheFolder(folder: string, create = false, root: string = defaultCacheDirectory()): boolean {
  if (trusted.has(folder)) return true;
  const relative = path.relative(root, folder);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
  // Folders missing above the cache root (a fresh home has no ~/.cache) are made like those below it.
  const missing: string[] = [];
  let existing = path.dirname(root);
  while (!fs.existsSync(existing) && existing !== path.dirname(existing)) {
    missing.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  let base: string;
  try {
    // Symlinks above the cache root are the user's own choice (a home on another disk); check
    // the folders they lead to.
    base = fs.realpathSync.native(existing);
    for (let at = base; ; at = path.dirname(at)) {
      const why = distrustAbove(fs.statSync(at));
      if (why) {
        noteIgnored(`folder ${root}`, `${at} above it is not safe (${why})`);
        return false;
      }
      if (at === path.dirname(at)) break;
    }
  } catch {
    return false;
  }
  let at = base;
  for (const name of [...missing, path.basename(root), ...relative.split(path.sep).filter(Boolean)]) {
    at = path.join(at, name);
    if (trusted.has(at)) continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !create) return false;
      try {
        fs.mkdirSync(at, { mode: 0o700 });
      } catch (made) {
        if ((made as NodeJS.ErrnoException).code !== 'EEXIST') return false; // read-only or full: no cache
      }
      try {
        st = fs.lstatSync(at);
      } catch {
        return false;
      }
    }
    const why = distrustOwned(st, 'folder');
    if (why) {
      noteIgnored(`folder ${at}`, why);
      return false;
    }
    trusted.add(at);
  }
  trusted.add(folder);
  return true;
}

/** The contents of cache file `file` when it and its folder may be trusted; undefined otherwise or when missing. */
export function readCacheFile(file: string, root?: string): Buffer | undefined {
  if (!trustedCacheFolder(path.dirname(file), false, root)) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') noteIgnored(`file ${file}`, 'it is a symbolic link');
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    const why = distrustOwned(st, 'file');
    if (why) {
      noteIgnored(`file ${file}`, why);
      return undefined;
    }
    const data = Buffer.allocUnsafe(st.size);
    let done = 0;
    while (done < data.length) {
      const n = fs.readSync(fd, data, done, data.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return done === data.length ? data : undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

const CREATE_NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/**
 * Writes `data` as cache file `file`: a new 0600 file beside it (never through an existing name
 * or symlink), renamed into place. False when the folder may not be trusted or the write fails.
 */
export function writeCacheFile(file: string, data: string | Uint8Array, root?: string): boolean {
  const folder = path.dirname(file);
  if (!trustedCacheFolder(folder, true, root)) return false;
  const temp = `${file}.${process.pid}.tmp`;
  let fd: number | undefined;
  try {
    try {
      fd = fs.openSync(temp, CREATE_NEW, 0o600);
    } catch (error) {
      // A leftover of a run that had this pid before (the folder is ours): remove the name, not what it may point at.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      fs.unlinkSync(temp);
      fd = fs.openSync(temp, CREATE_NEW, 0o600);
    }
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, file);
    return true;
  } catch {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      fs.unlinkSync(temp);
    } catch {
      // nothing was made
    }
    return false;
  }
}
