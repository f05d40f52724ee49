// Starts the CLI as fast as Node allows. The build bundles the CLI into one file
// (dist/bundle/tracer/cli/main.js, scripts/bundle.ts): one read and one compile instead of
// resolving, reading and compiling a hundred modules. V8's code cache of that file, kept in
// utap's cache folder, spares most of the compile too. Measured here (bench/launch.ts): module
// loading was two thirds of the time to probes armed.
//
// The bundle is used only when it is at least as new as tsc's last build (dist/.tsbuildinfo), so
// a build that did not re-bundle (plain `tsc`) never runs stale code; the tsc output is the
// fallback.
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { cachesDisabled, defaultCacheDirectory } from '../../symbolizer/cache-directory';

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

/** The code cache file of `file` as this Node compiles it (V8 rejects another version's anyway). */
function codeCacheFile(file: string): string | undefined {
  if (cachesDisabled()) return undefined;
  const st = fs.statSync(file);
  return path.join(defaultCacheDirectory(), 'v8', `main-${process.versions.v8}-${st.size}-${Math.floor(st.mtimeMs)}.bin`);
}

function readOrUndefined(file: string | undefined): Buffer | undefined {
  try {
    return file === undefined ? undefined : fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Loads a CommonJS file as `require` would, compiling it with V8's code cache when there is one.
 * At exit the cache is (re)written when it was missing, rejected, or this run compiled
 * noticeably more than it held (the first run may have been `--help`).
 */
export function requireWithCodeCache(file: string): unknown {
  const cacheFile = codeCacheFile(file);
  const cached = readOrUndefined(cacheFile);
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData: cached });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  if (cacheFile) {
    process.once('exit', () => {
      const data = script.createCachedData();
      if (cached && !script.cachedDataRejected && data.length < cached.length + 16 * 1024) return;
      const temp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(temp, data);
        fs.renameSync(temp, cacheFile);
      } catch {
        // a read-only or full home: start-up is just slower
      }
    });
  }
  return mod.exports;
}

export function launch(argv: string[]): void {
  const bundle = freshBundle();
  const cli = (bundle ? requireWithCodeCache(bundle) : require('./main')) as Cli;
  void cli.main(argv);
}
