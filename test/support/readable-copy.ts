// Tests that run utap as another user (nobody, a test account) cannot count on that user
// reading this checkout: a clone may sit under a 0700 folder or in someone's home. Such a test
// runs utap, the compiled modules and the programs it traces from a copy made once per test
// process in a fresh folder every user can read (modes opened up: a clone made under umask 077
// has 0600 files), removed when the process exits.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './paths';

/** What running utap needs; node_modules without the build tools (tsc, esbuild: 35 MB). */
const PARTS = ['bin', 'dist', 'build', 'tapset', 'package.json', 'node_modules'];
const BUILD_TOOLS = new Set(['typescript', 'esbuild', '@esbuild', '@types', 'undici-types']);

export interface ReadableCopy {
  root: string;
  /** bin/utap.js of the copy */
  utapBin: string;
  /** A compiled module of the copy, e.g. dist('tracer/engine/choose.js'). */
  dist(relative: string): string;
  /** A program or library built from runtime-c/, in the copy. */
  fixture(name: string): string;
}

let made: ReadableCopy | undefined;

/** The copy (made on first use); throws with the reason when `user` still cannot read it. */
export function readableCopy(user = 'nobody'): ReadableCopy {
  if (!made) made = makeCopy();
  if (process.getuid?.() === 0) {
    const probe = spawnSync('runuser', ['-u', user, '--', 'test', '-r', made.utapBin], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(`user ${user} cannot read ${made.utapBin} (a folder above ${os.tmpdir()} is closed to others?); set TMPDIR to a folder every user can enter. ${probe.stderr}`);
    }
  }
  return made;
}

function makeCopy(): ReadableCopy {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-readable-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  for (const part of PARTS) {
    fs.cpSync(path.join(repoRoot, part), path.join(root, part), {
      recursive: true,
      verbatimSymlinks: true, // node_modules/.bin links stay relative, inside the copy
      filter: (source) => !(path.dirname(source) === path.join(repoRoot, 'node_modules') && BUILD_TOOLS.has(path.basename(source))),
    });
  }
  const chmod = spawnSync('chmod', ['-R', 'a+rX', root], { encoding: 'utf8' });
  if (chmod.status !== 0) throw new Error(`chmod -R a+rX ${root}: ${chmod.stderr}`);
  fs.chmodSync(root, 0o755);
  return {
    root,
    utapBin: path.join(root, 'bin', 'utap.js'),
    dist: (relative) => path.join(root, 'dist', relative),
    fixture: (name) => path.join(root, 'build', name),
  };
}
