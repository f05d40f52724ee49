// koffi, the one way utap reaches system calls and libc. `require('koffi')` costs ~8 ms of
// start-up here: the module resolver, then a JS loader that reads Node's own ELF header to choose
// between the glibc and musl builds and wraps a few deprecated functions utap does not use. The
// native module it ends up with is a file in koffi's prebuilt package; loading that file directly
// costs ~2 ms. The shortcut is taken only when that file is there and is exactly the koffi version
// installed; anything else (musl, another layout, a build from source) goes through koffi's loader.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processShared } from './process-shared';

type Koffi = typeof import('koffi');

/** node_modules folders from `dir` up to the root, nearest first (as Node's resolver walks). */
function* nodeModulesAbove(dir: string): Generator<string> {
  for (let at = dir; ; at = path.dirname(at)) {
    if (path.basename(at) !== 'node_modules') yield path.join(at, 'node_modules');
    if (path.dirname(at) === at) return;
  }
}

function installedVersion(nodeModules: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(nodeModules, 'koffi', 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The prebuilt glibc module of the koffi that `require('koffi')` would find, if it is that version. */
function loadPrebuilt(): Koffi | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const nodeModules of nodeModulesAbove(__dirname)) {
    const version = installedVersion(nodeModules);
    if (version === undefined) continue;
    const native = path.join(nodeModules, '@koromix', `koffi-linux-${process.arch}`, `linux_${process.arch}`, 'koffi.node');
    if (!fs.existsSync(native)) return undefined;
    try {
      const loaded = require(native) as Koffi & { version?: string };
      return loaded.version === version ? loaded : undefined;
    } catch {
      return undefined; // a musl system: koffi's loader picks the right build
    }
  }
  return undefined;
}

/** Loaded once per thread, however many copies of this module (process-shared.ts says why). */
export const koffi: Koffi = processShared('koffi', () => loadPrebuilt() ?? (require('koffi') as Koffi));
