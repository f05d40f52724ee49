// Where things are, seen from a compiled test under dist/test.
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
/** Output of `make -C runtime-c`: fixtures, bench targets, native helpers. */
export const buildDir = path.join(repoRoot, 'build');
export const utapBin = path.join(repoRoot, 'bin', 'utap.js');
/** The command a user runs: the shell launcher in front of bin/utap.js. */
export const utapCommand = path.join(repoRoot, 'bin', 'utap');

/** A program or library built from runtime-c/, e.g. fixture('args-O0'). */
export function fixture(name: string): string {
  return path.join(buildDir, name);
}
