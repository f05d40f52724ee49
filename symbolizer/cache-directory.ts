// Where utap keeps what it can rebuild but would rather not: $XDG_CACHE_HOME/utap, default
// ~/.cache/utap. Its own module so the launcher can find the code cache without loading the
// symbol cache (and node:crypto with it).
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'utap');
}

/** UTAP_NO_CACHE set (non-empty): no on-disk cache is read or written. */
export function cachesDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.UTAP_NO_CACHE;
}
