// Which parts of utap this build has, for end-to-end tests that need the whole chain: the
// script front end (tracer/lang/compile) and the engines registered in tracer/engine/choose.
// A missing part is reported through test/support/live.ts (a skip here, a failure in CI) —
// never worked around.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './paths';

export function frontEndMissing(): string | undefined {
  return fs.existsSync(path.join(repoRoot, 'dist', 'tracer', 'lang', 'compile.js'))
    ? undefined
    : 'the language front end (tracer/lang/compile.ts) is not in this build yet';
}

/** Undefined when the engine is built in and says it can run here; else why not. */
export function engineMissing(name: 'ptrace' | 'uprobe' | 'inproc'): string | undefined {
  const choose = require(path.join(repoRoot, 'dist', 'tracer', 'engine', 'choose.js')) as typeof import('../../tracer/engine/choose');
  const entry = choose.ENGINES.find((e) => e.name === name);
  if (!entry) return `the ${name} engine is not in this build yet (tracer/engine/choose.ts lists no '${name}' engine)`;
  return undefined;
}

/** The first missing part among the front end and the given engine. */
export function utapMissing(engine?: 'ptrace' | 'uprobe' | 'inproc'): string | undefined {
  return frontEndMissing() ?? (engine ? engineMissing(engine) : undefined);
}
