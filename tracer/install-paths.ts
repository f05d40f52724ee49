// Where utap's own files are, wherever the running code was loaded from: the tsc output
// (dist/tracer/...) or the bundle bin/utap loads (dist/bundle/tracer/...). Both keep the
// source tree's shape under their root, so everything is found from the last `tracer` folder
// above this file instead of a fixed number of `..` (which differs between the two).
import * as path from 'node:path';

function codeRootOf(dir: string): string {
  const at = dir.lastIndexOf(`${path.sep}tracer`);
  return at < 0 ? dir : dir.slice(0, at);
}

/** dist/ or dist/bundle/: the root of the compiled tree this code runs from. */
export const codeRoot = codeRootOf(__dirname);

/** The package (repository) root: the folder holding dist/, build/ and tapset/. */
export const packageRoot = path.resolve(codeRoot, path.basename(codeRoot) === 'bundle' ? '../..' : '..');

/** A compiled entry point of this tree (a worker thread's script), e.g. `tracer/engine/ptrace/ptrace-worker.js`. */
export function compiledScript(relative: string): string {
  return path.join(codeRoot, relative);
}
