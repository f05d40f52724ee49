// What tracing a real psql costs: the wall time each tool adds to a psql workload running the
// lecture's latency script (or the tool's nearest equivalent) against a throwaway server.
//
//   node dist/bench/psql-overhead.js [--statements N] [--runs N] [--out FILE] [--tools untraced,ptrace,uprobe,inproc,bpftrace,stap]
//
// Method: each tool runs `psql -f FILE` through its own -c (so its startup is included), once
// with an empty workload and once with N statements (`SELECT 1;`, the cheapest round trip, so
// the per-call cost dominates). The tool's added cost is
//     (tool, N) - (tool, empty) - [(untraced, N) - (untraced, empty)]
// i.e. startup and teardown cancel, and what remains is what the workload itself paid. Medians
// over --runs runs. Each traced run must report N calls of SendQuery, or its row says why not.
// Tools:
//   utap --engine ptrace / uprobe / inproc   examples/psql-latency.stp, unmodified
//   bpftrace                        uprobe + uretprobe on SendQuery, count and avg per query text
//   stap --runtime=bpf              SystemTap's BPF back end: a variant of the lecture's script and a
//                                   fake kernel build tree, memlock shim, debugfs (bench/stap-bpf-setup.ts)
// Writes the table to stdout and to FILE (default bench/PSQL-OVERHEAD.md).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reportTotals } from '../test/support/latency-report';
import { repoRoot, utapBin } from '../test/support/paths';
import { postgresUnavailable, startPgServer, type PgServer } from '../test/support/pg-server';
import { debugPsql, psqlWorkloadArgs } from '../test/support/psql-binaries';
import { shellCommand } from '../test/support/psql-trace';
import { roundTripWorkload, writeWorkload } from '../test/support/psql-workload';
import { engineMissing, frontEndMissing } from '../test/support/utap-features';
import { fakeKernelBuildTree, mountDebugfsTracing, STAP_BPF_SCRIPT, stapEnv } from './stap-bpf-setup';
import { toolMissing } from './tool-availability';

interface Options { statements: number; runs: number; out: string; tools?: string[] }

function parseOptions(argv: string[]): Options {
  const o: Options = { statements: 2000, runs: 3, out: path.join(repoRoot, 'bench', 'PSQL-OVERHEAD.md') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--statements') { o.statements = Number(v); i++; }
    else if (argv[i] === '--runs') { o.runs = Number(v); i++; }
    else if (argv[i] === '--out') { o.out = path.resolve(v); i++; }
    else if (argv[i] === '--tools') { o.tools = v.split(','); i++; }
    else { process.stderr.write(`psql-overhead: unknown option ${argv[i]}\n`); process.exit(1); }
  }
  return o;
}

/** One way of running the workload: argv for a given psql command line, and a check of its output. */
interface Tool {
  name: string;
  missing(): string | undefined;
  argv(psqlArgv: string[]): string[];
  /** SendQuery calls the tool reported for `sql`, or undefined when its output cannot say. */
  counted(output: string, sql: string): number | undefined;
  env?(): NodeJS.ProcessEnv;
}

const SCRIPT = path.join(repoRoot, 'examples', 'psql-latency.stp');

function utapTool(engine: 'ptrace' | 'uprobe' | 'inproc'): Tool {
  return {
    name: `utap --engine ${engine}`,
    missing: () => frontEndMissing() ?? engineMissing(engine),
    argv: (p) => [process.execPath, utapBin, '--engine', engine, '-c', shellCommand(p), SCRIPT],
    counted: (out, sql) => reportTotals(out).get(sql)?.count,
  };
}

function bpftraceProgram(psql: string): string {
  return [
    `uprobe:${psql}:SendQuery { @start[tid] = nsecs; @query[tid] = arg0; }`,
    `uretprobe:${psql}:SendQuery /@start[tid]/ { $q = str(@query[tid]); @count[$q] = count(); @avg_us[$q] = avg((nsecs - @start[tid]) / 1000); delete(@start[tid]); delete(@query[tid]); }`,
  ].join('\n');
}

function bpftraceTool(psql: string): Tool {
  return {
    name: 'bpftrace',
    missing: () => (spawnSync('sh', ['-c', 'command -v bpftrace'], { stdio: 'ignore' }).status === 0 ? undefined : 'bpftrace is not installed (apt-get install bpftrace)'),
    argv: (p) => ['bpftrace', '-e', bpftraceProgram(psql), '-c', shellCommand(p)],
    counted: (out, sql) => {
      const m = new RegExp(`^@count\\[${sql.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]: (\\d+)$`, 'm').exec(out);
      return m ? Number(m[1]) : undefined;
    },
  };
}

/** SystemTap's BPF runtime, with the setup bench/stap-bpf-setup.ts explains. */
function stapTool(psql: string, scriptFile: string): Tool {
  let kbuild = '';
  return {
    name: 'stap --runtime=bpf',
    missing: () => {
      const why = toolMissing('stap', 'systemtap', (l) => process.stderr.write(l + '\n')) ?? mountDebugfsTracing();
      if (why) return why;
      try { kbuild = fakeKernelBuildTree(); } catch (error) { return (error as Error).message; }
      const r = spawnSync('stap', ['--runtime=bpf', '-r', kbuild, '-e', 'probe begin { exit() }'], { encoding: 'utf8', timeout: 120_000, env: stapEnv(psql) });
      if (r.status !== 0) return `stap --runtime=bpf cannot run a one-line script here: ${(r.stderr || '').trim().split('\n').filter((l) => !l.startsWith('WARNING'))[0]}`;
      return undefined;
    },
    argv: (p) => ['stap', '--runtime=bpf', '-r', kbuild, '-c', shellCommand(p), scriptFile],
    env: () => stapEnv(psql),
    // stapbpf 4.8 prints debugging text before the report on the same line: match rows only.
    counted: (out, sql) => {
      const m = new RegExp(`^\\s*(\\d+)\\s+\\d+ ${sql.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm').exec(out);
      return m ? Number(m[1]) : undefined;
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Timed { ms: number; status: number | null; stdout: string; stderr: string }

function timeRun(argv: string[], env?: NodeJS.ProcessEnv): Timed {
  const started = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000, env: env ?? process.env });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

interface Row { tool: string; emptyMs?: number; fullMs?: number; addedMs?: number; perCallUs?: number; note: string }

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const noServer = postgresUnavailable();
  if (noServer) throw new Error(`${noServer}; this benchmark needs a real server`);
  const psql = debugPsql({ showProgress: true });
  if (!psql.path) throw new Error(psql.error);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-psql-bench-'));
  let server: PgServer | undefined;
  try {
    server = await startPgServer({ extraSettings: { log_min_duration_statement: '-1' } });
    const full = writeWorkload(roundTripWorkload(o.statements), tmp);
    const empty = path.join(tmp, 'empty.sql');
    fs.writeFileSync(empty, '');
    const psqlArgv = (file: string) => [psql.path!, ...psqlWorkloadArgs(server!.connectArgs, file), '-o', '/dev/null'];
    const untraced: Tool = { name: 'untraced', missing: () => undefined, argv: (p) => p, counted: () => undefined };
    const stapScript = path.join(tmp, 'psql-latency-stapbpf.stp');
    fs.writeFileSync(stapScript, STAP_BPF_SCRIPT);
    const keys = ['untraced', 'ptrace', 'uprobe', 'inproc', 'bpftrace', 'stap'];
    const tools = [untraced, utapTool('ptrace'), utapTool('uprobe'), utapTool('inproc'), bpftraceTool(psql.path), stapTool(psql.path, stapScript)]
      .filter((_, i) => i === 0 || !o.tools || o.tools.includes(keys[i]));
    const rows: Row[] = [];
    let base: { empty: number; full: number } | undefined;
    for (const tool of tools) {
      const why = tool.missing();
      if (why) { rows.push({ tool: tool.name, note: `not run: ${why}` }); continue; }
      const emptyTimes: number[] = [], fullTimes: number[] = [];
      let failure: string | undefined;
      for (let r = 0; r < o.runs && !failure; r++) {
        const e = timeRun(tool.argv(psqlArgv(empty)), tool.env?.());
        const f = timeRun(tool.argv(psqlArgv(full)), tool.env?.());
        for (const x of [e, f]) if (x.status !== 0) failure = `exit status ${x.status}: ${x.stderr.trim().split('\n').slice(-1)[0]}`;
        const n = tool.counted(f.stdout, 'SELECT 1;');
        if (!failure && tool !== untraced && n !== o.statements) failure = `reported ${n ?? 'no'} calls of SELECT 1; instead of ${o.statements}`;
        emptyTimes.push(e.ms); fullTimes.push(f.ms);
      }
      if (failure) { rows.push({ tool: tool.name, note: `failed: ${failure}` }); continue; }
      const row: Row = { tool: tool.name, emptyMs: median(emptyTimes), fullMs: median(fullTimes), note: '' };
      if (!base) base = { empty: row.emptyMs!, full: row.fullMs! };
      row.addedMs = row.fullMs! - row.emptyMs! - (base.full - base.empty);
      row.perCallUs = (row.addedMs * 1000) / o.statements;
      rows.push(row);
      process.stderr.write(`psql-overhead: ${tool.name}: ${row.fullMs!.toFixed(0)} ms\n`);
    }
    const fmt = (x?: number, d = 0) => (x === undefined ? '' : x.toFixed(d));
    const lines = [
      '# psql overhead: what tracing SendQuery adds to a real psql workload',
      '',
      `Generated by \`node dist/bench/psql-overhead.js --statements ${o.statements} --runs ${o.runs}\` on ${new Date().toISOString().slice(0, 10)}`,
      `(${os.cpus().length} CPUs, ${os.release()}; other work on the machine makes these noisy). Workload: \`psql -f\` sending`,
      `\`SELECT 1;\` ${o.statements} times to a local server over a unix socket; the debug psql from runtime-c/psql/build.sh.`,
      'Added = (tool with workload − tool with an empty workload) − the same difference untraced; medians.',
      '',
      '| tool | empty workload ms | full workload ms | added ms | added per call µs | note |',
      '|---|---:|---:|---:|---:|---|',
      ...rows.map((r) => `| ${r.tool} | ${fmt(r.emptyMs)} | ${fmt(r.fullMs)} | ${fmt(r.addedMs)} | ${fmt(r.perCallUs, 1)} | ${r.note.replace(/\|/g, '\\|')} |`),
      '',
    ];
    const text = lines.join('\n');
    process.stdout.write(text);
    fs.writeFileSync(o.out, text);
  } finally {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`psql-overhead: ${error.message}\n`);
  process.exitCode = 2;
});
