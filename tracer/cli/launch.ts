// Starts the CLI as fast as Node allows. The build bundles the CLI into one file
// (dist/bundle/tracer/cli/main.js, scripts/bundle.ts): one read and one compile instead of
// resolving, reading and compiling a hundred modules. V8's code cache of that file, kept in
// utap's cache folder, spares most of the compile too. Measured here (bench/launch.ts): module
// loading was two thirds of the time to probes armed. A code cache is code that runs: it is read
// and written only as symbolizer/cache-files.ts allows (the user's own, no symlinks), and used
// only for the source it was made from (below).
//
// The bundle is used only when it is at least as new as tsc's last build (dist/.tsbuildinfo), so
// a build that did not re-bundle (plain `tsc`) never runs stale code; the tsc output is the
// fallback. (`npm run lint` type-checks incrementally with a build info file of its own: `tsc
// --noEmit` alone would rewrite dist/.tsbuildinfo, and every run after it would take the slow
// fallback until the next build.)
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';
import * as vm from 'node:vm';
import { cachesDisabled, defaultCacheDirectory } from '../../symbolizer/cache-directory';
import { noteIgnored, readCacheFile, writeCacheFile } from '../../symbolizer/cache-files';
import { warmUpEarly } from './launch-warm-up';

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
 * What V8 checks before it takes a code cache: its own version, its flags, and the source's
 * *length* — not its content. A cache made for other source of the same length would run that
 * other code. So each cache file starts with the SHA-256 of the source it was made from, and is
 * used only for the bundle with that digest. scripts/bundle.ts computes the digest once per build
 * and stores it beside the bundle (BUNDLE.sha256: hex digest, size), so start-up reads 80 bytes
 * instead of loading node:crypto and hashing 600 kB.
 */
const CACHE_MAGIC = Buffer.from('utapV8c1');
const HEADER_SIZE = CACHE_MAGIC.length + 32;

/** The digest scripts/bundle.ts recorded for `file`, when it was recorded for this very file (same size, written after it). */
function bundleDigest(file: string, st: fs.Stats): Buffer | undefined {
  try {
    const sidecar = `${file}.sha256`;
    const [hex, size] = fs.readFileSync(sidecar, 'latin1').trim().split(' ');
    if (Number(size) !== st.size || fs.statSync(sidecar).mtimeMs < st.mtimeMs || !/^[0-9a-f]{64}$/.test(hex)) return undefined;
    return Buffer.from(hex, 'hex');
  } catch {
    return undefined;
  }
}

interface CodeCacheFiles {
  /** Written by a run that traced a process, so it holds the functions a trace needs. */
  full: string;
  /** Written by one that did not (`--help`, `-l`, begin and timer probes), which compiles too little to serve a trace well. */
  partial: string;
  /** SHA-256 of the bundle's bytes. */
  digest: Buffer;
}

/** The code cache files of `file` as this Node compiles it (V8 rejects another version's anyway). */
function codeCacheFiles(file: string): CodeCacheFiles | undefined {
  if (cachesDisabled()) return undefined;
  const digest = bundleDigest(file, fs.statSync(file));
  if (!digest) return undefined;
  const base = path.join(defaultCacheDirectory(), 'v8', `main-${process.versions.v8}-${digest.toString('hex').slice(0, 16)}`);
  return { full: `${base}.bin`, partial: `${base}-partial.bin`, digest };
}

/** The V8 data of cache file `file` when it was made from the source with `digest`. */
function readCodeCache(file: string, digest: Buffer): Buffer | undefined {
  const data = readCacheFile(file);
  if (!data) return undefined;
  if (data.length <= HEADER_SIZE || !data.subarray(0, CACHE_MAGIC.length).equals(CACHE_MAGIC) || !data.subarray(CACHE_MAGIC.length, HEADER_SIZE).equals(digest)) {
    noteIgnored(`file ${file}`, 'it was not made from this build of utap');
    return undefined;
  }
  return data.subarray(HEADER_SIZE);
}

function compile(source: string, file: string, cachedData: Buffer | undefined): vm.Script | undefined {
  if (cachedData === undefined) return undefined;
  const script = new vm.Script(source, { filename: file, cachedData });
  return script.cachedDataRejected ? undefined : script;
}

function writeCodeCache(file: string, digest: Buffer, data: Buffer): void {
  // A read-only or full home, or a folder that is not safe: start-up is just slower.
  writeCacheFile(file, Buffer.concat([CACHE_MAGIC, digest, data]));
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
      .map((file) => ({ file, mtimeMs: fs.lstatSync(file).mtimeMs }))
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
  const full = caches && compile(source, file, readCodeCache(caches.full, caches.digest));
  const partial = caches && !full ? compile(source, file, readCodeCache(caches.partial, caches.digest)) : undefined;
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
        writeCodeCache(caches.full, caches.digest, script.createCachedData());
        if (partial) removeQuietly(caches.partial);
        removeOldCaches(caches.full);
      } else if (!partial) {
        writeCodeCache(caches.partial, caches.digest, script.createCachedData());
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
