// A throwaway PostgreSQL server for tests, the demo and the benchmarks: `initdb` in a temp dir as
// an unprivileged user, `postgres` listening only on a unix socket in that dir, every statement
// logged with its duration (log_min_duration_statement=0) so tests can compare utap's latencies
// with the server's own. The server is stopped whatever happens: stop(), process exit, SIGINT /
// SIGTERM, and — if this process is killed outright — a watchdog shell that notices its parent
// is gone and takes the server and its files with it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sh } from './shell';

/** Where Debian (and most packagings) keep the server binaries; `pg_config --bindir` is tried too. */
const BINDIR_CANDIDATES = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin', '/usr/local/pgsql/bin'];

/** The directory holding initdb and postgres, or undefined when PostgreSQL's server is not installed. */
export function postgresBindir(): string | undefined {
  const fromEnv = process.env.UTAP_PG_BINDIR;
  const candidates = fromEnv ? [fromEnv] : [...BINDIR_CANDIDATES];
  if (!fromEnv) {
    const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
    if (r.status === 0) candidates.push(r.stdout.trim());
  }
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres')));
}

/** Undefined when a server can be started here; else one sentence why not. */
export function postgresUnavailable(): string | undefined {
  if (!postgresBindir()) return 'PostgreSQL server binaries (initdb, postgres) are not installed (Debian: apt-get install postgresql-15)';
  if (process.getuid?.() === 0 && serverUser() === undefined) return 'running as root and no unprivileged user to run postgres as (useradd failed)';
  return undefined;
}

interface Account { name: string; uid: number; gid: number }

function lookupAccount(name: string): Account | undefined {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * The account postgres runs as. postgres refuses to run as root, so as root we use
 * $UTAP_PG_USER, else the `postgres` account Debian's package creates, else a system account
 * `utap-pg` made for the purpose. Not root: ourselves.
 */
function serverUser(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of [process.env.UTAP_PG_USER, 'postgres', 'utap-pg']) {
    if (!name) continue;
    const account = lookupAccount(name);
    if (account) return account;
  }
  spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'utap-pg'], { stdio: 'ignore' });
  return lookupAccount('utap-pg');
}

/** One `LOG:  duration: X ms  statement: SQL` line of the server log. */
export interface LoggedStatement { sql: string; ms: number }

export interface PgServer {
  /** The temp dir holding everything (removed by stop()). */
  readonly dir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly port: number;
  readonly logFile: string;
  /** The superuser role initdb made; clients connect as it (trust auth on the socket). */
  readonly role: string;
  readonly database: string;
  readonly bindir: string;
  /** postmaster's pid. */
  readonly pid: number;
  /** psql / libpq connection options: -h SOCKETDIR -p PORT -U ROLE -d DATABASE. */
  readonly connectArgs: string[];
  /** The same as libpq environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE). */
  readonly env: Record<string, string>;
  /** Every statement the server has logged with its duration, in log order. */
  loggedStatements(): LoggedStatement[];
  stop(): Promise<void>;
}

const DURATION_LINE = /LOG:\s+duration: ([0-9.]+) ms\s+statement: (.*)$/;

export function parseServerLog(text: string): LoggedStatement[] {
  const out: LoggedStatement[] = [];
  for (const line of text.split('\n')) {
    const m = DURATION_LINE.exec(line);
    if (m) out.push({ ms: Number(m[1]), sql: m[2] });
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function runAs(account: Account | undefined, command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8', ...(account ? { uid: account.uid, gid: account.gid } : {}), env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${path.basename(command)} failed (status ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
}

/** Signals this process may die of, after which the server must go too. */
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function startPgServer(options: { port?: number; extraSettings?: Record<string, string> } = {}): Promise<PgServer> {
  const bindir = postgresBindir();
  if (!bindir) throw new Error(postgresUnavailable());
  const account = serverUser();
  if (process.getuid?.() === 0 && !account) throw new Error(postgresUnavailable());

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-pg-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  const logFile = path.join(dir, 'server.log');
  fs.mkdirSync(socketDir);
  fs.writeFileSync(logFile, '');
  // The temp dir is ours (0700); the server account needs to own it, and clients run by us (root) can still reach the socket.
  if (account) for (const p of [dir, socketDir, logFile]) fs.chownSync(p, account.uid, account.gid);
  fs.chmodSync(dir, 0o755);

  const role = 'utap';
  const database = 'postgres';
  const port = options.port ?? 5432;
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let stopped = false;

  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    if (child?.pid && child.exitCode === null) {
      try { process.kill(child.pid, 'SIGQUIT'); } catch { /* gone already */ }
    }
    try { if (watchdog?.pid) process.kill(watchdog.pid, 'SIGKILL'); } catch { /* gone already */ }
    // Immediate shutdown (SIGQUIT) ends the backends within milliseconds; the files can go now.
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSync();
    removeHooks();
    process.kill(process.pid, signal);
  };
  const removeHooks = (): void => {
    process.off('exit', stopSync);
    for (const s of FATAL_SIGNALS) process.off(s, onSignal);
  };
  process.on('exit', stopSync);
  for (const s of FATAL_SIGNALS) process.once(s, onSignal);

  try {
    runAs(account, path.join(bindir, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', role, '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const settings: Record<string, string> = {
      listen_addresses: '',
      unix_socket_directories: socketDir,
      port: String(port),
      log_min_duration_statement: '0',
      log_line_prefix: '%m [%p] ',
      logging_collector: 'off',
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      shared_buffers: '16MB',
      max_connections: '20',
      ...options.extraSettings,
    };
    const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]; // not a shell command
    const logFd = fs.openSync(logFile, 'a');
    child = spawn(path.join(bindir, 'postgres'), args, {
      stdio: ['ignore', logFd, logFd],
      detached: true, // its own process group: a ^C meant for the test does not reach it first
      env: { ...process.env, LC_ALL: 'C' },
      ...(account ? { uid: account.uid, gid: account.gid } : {}),
    });
    fs.closeSync(logFd);
    child.unref();
    // If this process is SIGKILLed no hook runs: a detached shell watches us and cleans up.
    watchdog = spawn('sh', ['-c', sh`while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -QUIT ${child.pid!} 2>/dev/null; sleep 2; rm -rf ${dir}`], { stdio: 'ignore', detached: true });
    watchdog.unref();

    const deadline = Date.now() + 30_000;
    const pgIsReady = path.join(bindir, 'pg_isready');
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`postgres exited during startup:\n${fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-10).join('\n')}`);
      }
      const ready = spawnSync(pgIsReady, ['-q', '-h', socketDir, '-p', String(port), '-U', role, '-d', database]);
      if (ready.status === 0) break;
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 30 s; log: ${logFile}`);
      await sleep(50);
    }
  } catch (error) {
    stopSync();
    removeHooks();
    throw error;
  }

  const postmaster = child!;
  const server: PgServer = {
    dir, dataDir, socketDir, port, logFile, role, database, bindir,
    pid: postmaster.pid!,
    connectArgs: ['-h', socketDir, '-p', String(port), '-U', role, '-d', database],
    env: { PGHOST: socketDir, PGPORT: String(port), PGUSER: role, PGDATABASE: database },
    loggedStatements: () => parseServerLog(fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async stop(): Promise<void> {
      if (stopped) return;
      if (postmaster.exitCode === null && postmaster.signalCode === null) {
        const exited = new Promise<void>((resolve) => postmaster.once('exit', () => resolve()));
        try { process.kill(postmaster.pid!, 'SIGINT'); } catch { /* gone already */ } // fast shutdown
        await Promise.race([exited, sleep(10_000)]);
      }
      stopSync();
      removeHooks();
    },
  };
  return server;
}
