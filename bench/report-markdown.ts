// bench/REPORT.md from a run's results: the machine, a summary table (tools × targets), one
// table per target with every figure, the seeds' claims re-measured, and the exact commands.
import type { BenchResults, ResultRow } from './results';
import { formatNs, formatNumber } from './format';
import { repoRoot } from './paths';
import { repoRelative } from './repo-relative';

function cell(row: ResultRow | undefined): string {
  if (!row) return '';
  if (row.status === 'measured') return row.tool === 'untraced' ? `(${formatNs(row.perEventNs!.median)} loop)` : formatNs(row.overheadNs!.median);
  return row.status === 'not-applicable' ? 'n/a' : row.status;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function find(results: BenchResults, tool: string, target: string): ResultRow | undefined {
  return results.rows.find((r) => r.tool === tool && r.target === target);
}

function overhead(results: BenchResults, tool: string, target: string): number | undefined {
  const row = find(results, tool, target);
  return row?.status === 'measured' ? row.overheadNs!.median : undefined;
}

function claim(label: string, seeds: string, here: string | undefined): string {
  return `| ${label} | ${seeds} | ${here ?? 'not measured in this run'} |`;
}

function stepVsEmulated(results: BenchResults): string | undefined {
  const stepped = overhead(results, 'perf uprobe (tracefs)', 'stepped');
  const emulated = overhead(results, 'perf uprobe (tracefs)', 'emulated');
  return stepped !== undefined && emulated !== undefined ? `${formatNs(stepped)} (lea) vs ${formatNs(emulated)} (push %rbp)` : undefined;
}

function seedsClaims(results: BenchResults): string[] {
  const ns = (tool: string, target: string): string | undefined => {
    const v = overhead(results, tool, target);
    return v === undefined ? undefined : formatNs(v);
  };
  const ratio = (a: string, b: string, target: string): string | undefined => {
    const x = overhead(results, a, target), y = overhead(results, b, target);
    return x === undefined || y === undefined || y <= 0 ? undefined : `${formatNumber(x / y, 1)}× (${a} ${formatNs(x)} / ${b} ${formatNs(y)}, ${target})`;
  };
  const both = (a: string | undefined, b: string | undefined): string | undefined => (a && b ? `${a}; ${b}` : a ?? b);
  return [
    '| claim | seeds (2006) | this run |',
    '|---|---|---|',
    claim('strace, per traced system call', '≈ 10 µs', both(ns('strace -e trace (pinned)', 'syscall') && `${ns('strace -e trace (pinned)', 'syscall')} pinned`, ns('strace -e trace', 'syscall') && `${ns('strace -e trace', 'syscall')} unpinned`)),
    claim('gdb breakpoint with commands, per hit', '`gdb -batch` ≈ 111 µs', both(ns('gdb break (pinned)', 'emulated') && `${ns('gdb break (pinned)', 'emulated')} pinned`, ns('gdb break', 'emulated') && `${ns('gdb break', 'emulated')} unpinned`)),
    claim('ptrace vs uprobe, per hit (floors)', 'ptrace 12–15× worse', ratio('floor ool (pinned)', 'perf uprobe (tracefs)', 'emulated')),
    claim('ptrace vs uprobe, per hit (utap engines)', 'ptrace 12–15× worse', ratio('utap ptrace --pin', 'utap uprobe', 'emulated') ?? ratio('utap ptrace --pin [IR]', 'utap uprobe [IR]', 'emulated')),
    claim('uprobe on a single-stepped vs an emulated first instruction (tracefs)', '—', stepVsEmulated(results)),
  ];
}

function utapSiteNote(target: BenchResults['targets'][number]): string {
  const site = target.utapSite;
  if (!site) return '';
  if ('error' in site) return ` utap's probe site: unknown (${escape(site.error)}).`;
  if (site.vaddr === target.probe.vaddr) return ' utap probes the same instruction.';
  return ` utap's planner puts the \`.function\` probe after the prologue, as SystemTap and gdb's \`break FUNC\` do: at 0x${site.vaddr.toString(16)}, \`${site.insn}\`` +
    ' — what the uprobe engine pays depends on whether uprobes emulate that instruction or single-step it (docs/bench.md).';
}

/** The report's text; paths under `root` (this repository) are written relative to it. */
export function writeMarkdownReport(results: BenchResults, jsonPath: string, root = repoRoot): string {
  const m = results.machine;
  const tools = results.tools.map((t) => t.name);
  const targets = results.targets.map((t) => t.name);
  const out: string[] = [];
  out.push('# utap overhead benchmark: what one probe hit costs, per tool');
  out.push('');
  out.push(`Run of ${results.date}${results.quick ? ' (**--quick**: fewer events and runs; figures are rough)' : ''}: \`${results.commandLine}\`, ` +
    `${results.runsPerCell} runs per tool and target, ${results.durationSec < 120 ? `${results.durationSec} s` : `${Math.round(results.durationSec / 60)} min`} in all. Raw data: [${jsonPath}](${jsonPath}); chart: [report.svg](report.svg).`);
  out.push('');
  out.push('Reproduce with `npm run bench` (the full run) or `npm run bench -- --quick` (under 3 min, written to build/bench-quick/).');
  out.push('');
  out.push('## Machine');
  out.push('');
  out.push('| | |');
  out.push('|---|---|');
  out.push(`| CPU | ${m.cpuModel}, ${m.cpus} CPUs |`);
  out.push(`| memory | ${m.memoryGiB} GiB |`);
  out.push(`| system | ${m.os}, kernel ${m.kernel} |`);
  out.push(`| node | ${m.node} |`);
  out.push(`| load average (1, 5, 15 min) | at start ${m.loadAverageAtStart.join(', ')}${m.loadAverageAtEnd ? `; at end ${m.loadAverageAtEnd.join(', ')}` : ''} (${m.cpus} CPUs: a load above that means other work competed with the run, which makes ptrace figures above all slower and noisier) |`);
  for (const [tool, version] of Object.entries(m.versions)) out.push(`| ${tool} | ${escape(version)} |`);
  out.push('');
  out.push('## How to read the figures');
  out.push('');
  out.push('- Every target times its own loop of EVENTS calls (CLOCK_MONOTONIC) and reports it; every run (and one more run with a single event, for the fixed costs) was checked to have seen exactly EVENTS events in the tool\'s own output (counts, summary lines, printed lines, `uprobe_profile`), else the row is *failed*.');
  out.push('- **per event** = loop time per event minus that of an untraced run with the same EVENTS made just before each traced run (median over the runs, with min–max): what the tool adds to each hit. Pairing keeps a change of load on the shared machine out of the difference; what is left shows in min–max (on the client target, whose loop waits for a server process, the noise is as large as the kernel-side tools\' cost, hence differences near or below zero).');
  out.push('- **× utap** = that, divided by utap\'s corresponding engine on the same target: kernel-side tools against `utap uprobe`, ptrace tools against `utap ptrace` (pinned tools against `utap ptrace --pin`); while those rows of the whole command are not measured, against the same engine driven from IR (the *[IR]* rows: `bench/engine-driver.ts` builds the benchmark\'s scripts as handler IR and runs them through the real planner and engine, without the script front end).');
  out.push('- **start-up** = from starting the tool to the return of the first probed call (ms). **tracer CPU** = CPU time of the tool and its helpers without the target\'s own, beyond that of a 1-event run of the same tool, in seconds per million events; **fixed CPU** = the 1-event run\'s (start-up, loading symbols, exit), in ms. Handlers that run in the kernel are charged to the target, not to the tracer. **peak RSS** = the largest resident set of the tool and what it waited for (at least the target\'s).');
  out.push('- *(pinned)* rows run tracer and target on CPU 0 (`taskset`-style affinity, or the tool\'s own `--pin`).');
  out.push('');
  out.push('## Summary: time added per event (median)');
  out.push('');
  out.push(`| tool | ${targets.join(' | ')} |`);
  out.push(`|---|${targets.map(() => '---:').join('|')}|`);
  for (const tool of tools) out.push(`| ${tool} | ${targets.map((t) => cell(find(results, tool, t))).join(' | ')} |`);
  out.push('');
  out.push('## Seeds\' claims, re-measured');
  out.push('');
  out.push(...seedsClaims(results));
  out.push('');
  for (const target of results.targets) {
    out.push(`## ${target.name}`);
    out.push('');
    out.push(`${target.description}. Probe: \`${target.probe.symbol}\` at file offset 0x${target.probe.fileOffset.toString(16)} of ${target.probe.binary}, first instruction \`${target.probe.firstInsn}\` (${target.probe.firstInsnLength} byte${target.probe.firstInsnLength === 1 ? '' : 's'})` +
      `${target.syscall ? `; system call \`${target.syscall}\`` : ''}${target.pltFunction ? `; PLT call \`${target.pltFunction}\`` : ''}.` +
      utapSiteNote(target));
    out.push('');
    out.push('| tool | per event, median (min–max) | × utap | start-up ms | tracer CPU s / 1M events | fixed CPU ms | peak RSS MB | events × runs |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const tool of tools) {
      const row = find(results, tool, target.name);
      if (!row) continue;
      if (row.status !== 'measured') {
        out.push(`| ${tool} | ${row.status}: ${escape(row.reason ?? '')} | | | | | | |`);
        continue;
      }
      const o = row.overheadNs!;
      const per = tool === 'untraced' ? `loop ${formatNs(row.perEventNs!.median)} (${formatNs(row.perEventNs!.min)}–${formatNs(row.perEventNs!.max)})` : `${formatNs(o.median)} (${formatNs(o.min)}–${formatNs(o.max)})`;
      const ratio = row.ratio !== undefined ? `${formatNumber(row.ratio)}× ${row.ratioTo}` : '';
      out.push(`| ${tool} | ${per} | ${ratio} | ${formatNumber(row.startupMs!.median, 1)} | ${formatNumber(row.tracerCpuSecPerMillion!)} | ${formatNumber(row.fixedCpuMs!, 1)} | ${formatNumber(row.peakRssMb!, 1)} | ${row.eventsPerRun} × ${row.runs.length} |`);
    }
    out.push('');
  }
  out.push('## Exact commands');
  out.push('');
  out.push('EVENTS is the "events" column above; every command ran under `build/bench/run-measured` (start time, CPU time and peak RSS through wait4), with `BENCH_OUT` naming the file the target reports to.');
  out.push('');
  for (const target of results.targets) {
    out.push(`### ${target.name}`);
    out.push('');
    for (const tool of tools) {
      const row = find(results, tool, target.name);
      if (row?.command) out.push(`- ${tool}: \`${row.command}\``);
    }
    out.push('');
  }
  return repoRelative(`${out.join('\n')}\n`, root);
}
