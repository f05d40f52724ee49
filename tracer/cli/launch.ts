// Starts the CLI as fast as Node allows. The build bundles the CLI into one file
// (dist/bundle/tracer/cli/main.js, scripts/bundle.ts): one read and one compile instead of
// resolving, reading and compiling a hundred modules. V8's code cache of that file, kept in
// utap's cache folder, spares most of the compile too. Measured here (bench/launch.ts): module
// loading was two thirds of the time to probes armed.
//
// The bundle is used only when it is at least as new as tsc's last build (dist/.tsbuildinfo), so
// a build that did not re-bundle (plain `tsc`) never runs stale code; the tsc output is the
// fallback. (`npm run lint` type-checks with --incremental false: `tsc --noEmit` alone rewrites
// dist/.tsbuildinfo, and every run after it would take the slow fallback until the next build.)
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';
import * as vm from 'node:vm';
import { cachesDisabled, defaultCacheDirectory } from '../../symbolizer/cache-directory';
import { warmUpEarly } from './early-warm-up';

type Cli = typeof import('./main');

const tscBuildInfo = path.join(__dirname, '..', '..', '.tsbuildinfo');
const bundledMain = path.join(__dirname, '..', '..', 'bundle', 'tracer', 'cli', 'main.js');

function freshBundle(): string | undefined {
  try {
    return fs.statSync(bundledMain).mtimeMs >= fs.statSync(tscBuildInfo).mtimeMs ? bundledMain : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The code cache files of `file` as this Node compiles it (V8 rejects another version's anyway):
 * `full` is written by a run that traced a process, so it holds the functions a trace needs;
 * `partial` by one that did not (`--help`, `-l`, a script of begin and timer probes), which
 * compiles too little to serve a trace well.
 */
function codeCacheFiles(file: string): { full: string; partial: string } | undefined {
  if (cachesDisabled()) return undefined;
  const st = fs.statSync(file);
  const base = path.join(defaultCacheDirectory(), 'v8', `main-${process.versions.v8}-${st.size}-${Math.floor(st.mtimeMs)}`);
  return { full: `${base}.bin`, partial: `${base}-partial.bin` };
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function compile(source: string, file: string, cachedData: Buffer | undefined): vm.Script | undefined {
  if (cachedData === undefined) return undefined;
  const script = new vm.Script(source, { filename: file, cachedData });
  return script.cachedDataRejected ? undefined : script;
}

function writeAtomically(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
  } catch {
    // a read-only or full home: start-up is just slower
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // left behind: the full cache is read first anyway
  }
}

/** Code caches kept in the cache folder: the one just written and those of recent other builds. */
const CACHES_KEPT = 4;

/**
 * Every build of utap names its cache after the bundle's size and time, so each rebuild or
 * upgrade would leave one more behind (~0.7 MB each): after writing `written`, only the newest
 * CACHES_KEPT remain — enough for a few installations used side by side.
 */
function removeOldCaches(written: string): void {
  try {
    const dir = path.dirname(written);
    const others = fs
      .readdirSync(dir)
      .filter((name) => name.startsWith('main-') && name.endsWith('.bin'))
      .map((name) => path.join(dir, name))
      .filter((file) => file !== written)
      .map((file) => ({ file, mtimeMs: fs.statSync(file).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { file } of others.slice(CACHES_KEPT - 1)) removeQuietly(file);
  } catch {
    // a folder another run is changing: the next write tidies it
  }
}

/**
 * Loads a CommonJS file as `require` would, compiling it with V8's code cache when there is one.
 * Making a cache costs 10-13 ms, so a run makes one at exit only when it found none it could
 * use, or found a partial one and went on to trace a process (`ranTrace`), which compiled what a
 * trace needs; a run with a full cache writes nothing.
 */
export function requireWithCodeCache(file: string, ranTrace: () => boolean = () => false): unknown {
  const caches = codeCacheFiles(file);
  const source = Module.wrap(fs.readFileSync(file, 'utf8'));
  const full = caches && compile(source, file, readOrUndefined(caches.full));
  const partial = caches && !full ? compile(source, file, readOrUndefined(caches.partial)) : undefined;
  const script = full ?? partial ?? new vm.Script(source, { filename: file });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  if (caches && !full) {
    process.once('exit', () => {
      if (ranTrace()) {
        writeAtomically(caches.full, script.createCachedData());
        if (partial) removeQuietly(caches.partial);
        removeOldCaches(caches.full);
      } else if (!partial) {
        writeAtomically(caches.partial, script.createCachedData());
        removeOldCaches(caches.partial);
      }
    });
  }
  return mod.exports;
}

export function launch(argv: string[]): void {
  warmUpEarly(argv);
  const bundle = freshBundle();
  const cli = (bundle ? requireWithCodeCache(bundle, () => cli.ranTrace()) : require('./main')) as Cli;
  void cli.main(argv);
}
