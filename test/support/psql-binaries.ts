// The clients the psql tests, examples, demo and bench trace: the debug psql built from Debian's
// source (runtime-c/psql/build.sh, cached), the stock stripped psql, the system libpq both load,
// and the bundled stand-in build/qclient/psql for machines without PostgreSQL.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDir, repoRoot } from './paths';

export const STOCK_PSQL = '/usr/lib/postgresql/15/bin/psql';
export const SYSTEM_LIBPQ = '/usr/lib/x86_64-linux-gnu/libpq.so.5';
export const QCLIENT = path.join(buildDir, 'qclient', 'psql');
export const PSQL_BUILD_SCRIPT = path.join(repoRoot, 'runtime-c', 'psql', 'build.sh');

let built: { path?: string; error?: string } | undefined;

/**
 * The debug psql: runs build.sh (instant when cached, about a minute the first time) and
 * returns its path, or `{ error }` with the reason it could not be built.
 */
export function debugPsql(options: { showProgress?: boolean } = {}): { path?: string; error?: string } {
  if (built) return built;
  const r = spawnSync('sh', [PSQL_BUILD_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', options.showProgress ? 'inherit' : 'pipe'], timeout: 15 * 60_000 });
  const out = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status === 0 && out && fs.existsSync(out)) built = { path: out };
  else built = { error: `the debug psql could not be built (runtime-c/psql/build.sh${r.stderr ? ': ' + r.stderr.trim().split('\n').pop() : options.showProgress ? ', see above' : ''})` };
  return built;
}

/** psql's options for running a workload file deterministically: no psqlrc, quiet, stop on error. */
export function psqlWorkloadArgs(connectArgs: string[], file?: string): string[] {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...connectArgs, ...(file ? ['-f', file] : [])];
}
