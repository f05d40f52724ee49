// Whether a tool the benchmark compares against is on this machine. A missing one is installed
// with apt-get when running as root (once per run, after one `apt-get update`); otherwise the
// reason is returned and the tool's rows are reported as skipped with it — never dropped.
import { execFileSync, spawnSync } from 'node:child_process';

const isRoot = process.getuid?.() === 0;
let aptUpdated = false;
const cache = new Map<string, string | undefined>();

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Undefined when `command` can run; else why not. Installs `debianPackage` as root if missing. */
export function toolMissing(command: string, debianPackage: string, log: (line: string) => void): string | undefined {
  if (cache.has(command)) return cache.get(command);
  let why: string | undefined;
  if (!onPath(command)) {
    if (!isRoot) {
      why = `${command} is not installed and the benchmark is not running as root to install it (apt-get install ${debianPackage})`;
    } else {
      try {
        if (!aptUpdated) {
          log('bench: apt-get update');
          execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'pipe'] });
          aptUpdated = true;
        }
        log(`bench: apt-get install ${debianPackage}`);
        execFileSync('apt-get', ['install', '-y', '-qq', debianPackage], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      } catch (error) {
        why = `${command} is not installed and apt-get install ${debianPackage} failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim().split('\n').pop()}`;
      }
      if (!why && !onPath(command)) why = `apt-get installed ${debianPackage} but ${command} is still not on PATH`;
    }
  }
  cache.set(command, why);
  return why;
}

export function rootMissing(what: string): string | undefined {
  return isRoot ? undefined : `${what} needs root (or CAP_BPF and CAP_PERFMON); the benchmark runs as uid ${process.getuid?.()}`;
}

/** First line of `command --version`-style output, for the report's machine section. */
export function toolVersion(command: string, args: string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return undefined;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0];
}
