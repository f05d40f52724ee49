// The suite passes wherever a user may clone the repository: this checkout (its tracked files and
// the new ones not ignored, as they are now) is copied into an ordinary user's 0700 home, under
// folders with dots and spaces, built there by that user (scripts/setup.sh: tsc, the bundle,
// make), and then
//   - that user runs the unit tier (which needs no root), and
//   - root runs a representative live subset there: a ptrace run, a uprobe run, and the
//     unprivileged checks (which run utap as nobody, who cannot enter the home).
// Each step is bounded; what the step printed is shown when it fails.
// runner-timeout: 420 s
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveTest } from '../support/live';
import { repoRoot } from '../support/paths';
import { ensureTestUser, TEST_USER } from '../support/test-user';

const LIVE_SUBSET = ['test/ptrace/engine-basics.test', 'test/engine/uprobe-engine.test', 'test/engine/unprivileged.test'];

interface Step { status: number | null; output: string }

/** Runs a step in a process group of its own, killed as a whole when it takes longer than `limitS`. */
function step(command: string, args: string[], cwd: string, limitS: number, env: NodeJS.ProcessEnv = process.env): Promise<Step> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[${path.basename(args[args.length - 1] ?? command)}: still running after ${limitS} s; killed]\n`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }, limitS * 1000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

/** The runner's last line, `N passed, N failed`, as numbers. */
function tally(output: string): { passed: number; failed: number } | undefined {
  const m = /^(\d+) passed, (\d+) failed\s*$/m.exec(output.trimEnd().split('\n').pop() ?? '');
  return m ? { passed: Number(m[1]), failed: Number(m[2]) } : undefined;
}

/** This checkout's files as git sees them (tracked, and untracked but not ignored), copied to `to`. */
function copyCheckout(to: string): void {
  const listed = spawnSync('git', ['-c', 'safe.directory=*', '-C', repoRoot, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (listed.status !== 0) throw new Error(`git ls-files in ${repoRoot}: ${listed.stderr.trim()} (this test needs a git checkout)`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = path.join(repoRoot, file);
    if (!fs.existsSync(from)) continue; // deleted, not yet committed
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.cpSync(from, path.join(to, file), { verbatimSymlinks: true });
  }
  // npm packages as `npm install` left them here (no network needed)
  const cp = spawnSync('cp', ['-a', path.join(repoRoot, 'node_modules'), to], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp node_modules: ${cp.stderr}`);
}

const notRoot = process.getuid?.() === 0 ? undefined : 'not root: needs an ordinary user to clone into and root for the live subset';

liveTest(test, 'a copy in a user\'s 0700 home under "src.d/utap 1.0 copy": built by the user, unit tier as the user, ptrace/uprobe/unprivileged as root', notRoot, async () => {
  const why = ensureTestUser();
  if (why) throw new Error(why);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-home.'));
  try {
    const clone = path.join(home, 'src.d', 'utap 1.0 copy');
    copyCheckout(clone);
    spawnSync('chown', ['-R', `${TEST_USER}:${TEST_USER}`, home]);
    fs.chmodSync(home, 0o700);
    const asUser = (args: string[]) => ['-u', TEST_USER, '--', 'env', `HOME=${home}`, ...args];

    const built = await step('runuser', asUser(['sh', 'scripts/setup.sh']), clone, 150);
    assert.is(built.status, 0, `setup as ${TEST_USER} in ${clone}:\n${built.output}`);

    const unit = await step('runuser', asUser([process.execPath, 'dist/test/run.js', '--tier', 'unit']), clone, 150);
    const unitTally = tally(unit.output);
    assert.ok(unitTally && unitTally.passed > 0 && unitTally.failed === 0 && unit.status === 0, `unit tier as ${TEST_USER} in ${clone}:\n${unit.output}`);

    const live = await step(process.execPath, ['dist/test/run.js', '--tier', 'live', ...LIVE_SUBSET], clone, 120);
    const liveTally = tally(live.output);
    assert.ok(liveTally && liveTally.passed > 0 && liveTally.failed === 0 && live.status === 0, `live subset as root in ${clone}:\n${live.output}`);
    for (const file of LIVE_SUBSET) assert.match(live.output, new RegExp(`^ok {3}${file.replace(/[.]/g, '\\.')}\\.js`, 'm'), live.output);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

test.run();
