// An on-disk cache of what is slow to rebuild from a binary (its symbol table, its DWARF function
// index), keyed by the binary's identity: the GNU build-id, or for a file without one its real
// path, size and modification time. Lives under $XDG_CACHE_HOME/utap (default ~/.cache/utap),
// one JSON file per key and kind. A cache that cannot be read or written is simply not used:
// correctness never depends on it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDirectory } from './cache-directory';

export { defaultCacheDirectory };

/** Bump when anything cached changes shape; older entries are then ignored. */
const CACHE_LAYOUT = 'v1';

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

  /** The cached value of `kind` for `key`, or undefined (missing, unreadable or corrupt). */
  get<T>(key: string, kind: string): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.file(key, kind), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Stores `value` atomically (write then rename); failures (read-only home, full disk) are ignored. */
  put(key: string, kind: string, value: unknown): void {
    const target = this.file(key, kind);
    const temp = `${target}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(temp, JSON.stringify(value));
      fs.renameSync(temp, target);
    } catch {
      try {
        fs.unlinkSync(temp);
      } catch {
        // nothing was written
      }
    }
  }
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
