// An on-disk cache of what is slow to rebuild from a binary (its symbol table, its DWARF function
// index), keyed by the binary's identity: the GNU build-id, or for a file without one its real
// path, size and modification time. Lives under $XDG_CACHE_HOME/utap (default ~/.cache/utap),
// one JSON file per key and kind. Each entry also records what it was made from, by content
// (cache-fingerprint.ts): the key names a build, the fingerprint proves the file is that build, and
// an entry whose fingerprint differs is not used. Files and folders are read and written only as
// cache-files.ts allows (owned by the user running utap, no symlinks, new files renamed into
// place). A cache that cannot be read or written is simply not used: correctness never depends on it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDirectory } from './cache-directory';
import { noteIgnored, readCacheFile, writeCacheFile } from './cache-files';

export { defaultCacheDirectory };

/** Bump when anything cached changes shape; older entries are then ignored. */
const CACHE_LAYOUT = 'v2';

/** The cache key of a file: its build-id, else a digest of where it is and when it changed. */
export function cacheKey(filePath: string, buildId: string | undefined): string {
  if (buildId) return buildId;
  // Loaded only for a file without a build-id: node:crypto costs ~3 ms of start-up.
  const crypto = require('node:crypto') as typeof import('node:crypto');
  try {
    const st = fs.statSync(filePath);
    const digest = crypto.createHash('sha256').update(`${fs.realpathSync(filePath)}\0${st.size}\0${st.mtimeMs}\0${st.ino}`).digest('hex');
    return `file-${digest.slice(0, 40)}`;
  } catch {
    return `file-${crypto.createHash('sha256').update(filePath).digest('hex').slice(0, 40)}`;
  }
}

export class SymbolCache {
  constructor(readonly directory: string = defaultCacheDirectory()) {}

  /** A cache that stores nothing (UTAP_NO_CACHE, tests). */
  static disabled(): SymbolCache {
    return new DisabledCache();
  }

  private file(key: string, kind: string): string {
    return path.join(this.directory, CACHE_LAYOUT, key.slice(0, 2), `${key}.${kind}.json`);
  }

  /**
   * The cached value of `kind` for `key`, made from content with fingerprint `madeFrom()` (asked
   * only when there is an entry); undefined when missing, unreadable, corrupt, not safe to trust,
   * or made from other content.
   */
  get<T>(key: string, kind: string, madeFrom: () => string): T | undefined {
    const file = this.file(key, kind);
    const data = readCacheFile(file, this.directory);
    if (!data) return undefined;
    try {
      const entry = JSON.parse(data.toString('utf8')) as Partial<CacheEntry<T>>;
      if (typeof entry.madeFrom === 'string' && entry.madeFrom === madeFrom()) return entry.value;
      noteIgnored(`file ${file}`, `it was made from other contents than the file with build-id or key ${key} at hand`);
    } catch {
      // corrupt: rebuilt and rewritten
    }
    return undefined;
  }

  /** Stores `value`, made from content with fingerprint `madeFrom()`; failures (read-only home, full disk, an unsafe folder) are ignored. */
  put(key: string, kind: string, value: unknown, madeFrom: () => string): void {
    writeCacheFile(this.file(key, kind), JSON.stringify({ madeFrom: madeFrom(), value } satisfies CacheEntry<unknown>), this.directory);
  }
}

interface CacheEntry<T> {
  /** The content fingerprint of what `value` was computed from. */
  madeFrom: string;
  value: T;
}

class DisabledCache extends SymbolCache {
  constructor() {
    super('/nonexistent');
  }
  override get<T>(): T | undefined {
    return undefined;
  }
  override put(): void {}
}
