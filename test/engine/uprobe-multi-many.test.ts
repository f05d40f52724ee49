// uprobe_multi sharing on a target with many functions (runtime-c/targets/many.c), whose own
// output is the ground truth: one line per function, `NAME CALLS SUM_OF_ARGS SUM_OF_RETURNS`.
// A pattern over 24 functions with the same code becomes one program and one link; op_wide (its
// $x elsewhere in the frame) keeps its own program; tail_a ends in a tail call to tail_b, so
// their entries see one stack pointer and their returns fire together — each .return must still
// get its own entry's $x. Everything equal to the ptrace engine's output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { uprobeMultiSupported } from '../../kernel-helper/uprobe-multi';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const missing = utapMissing('uprobe') ?? detectBpfFeatures().unavailable ?? (uprobeMultiSupported() ? undefined : 'this kernel has no uprobe_multi links (Linux 6.6+)');
const MANY = fixture('many');
const N = 40;

interface Truth {
  calls: number;
  args: number;
  returns: number;
}

/** The fixture's own account, by function, from the lines it printed first (the script's say `traced`). */
function groundTruth(stdout: string): { truth: Map<string, Truth>; script: string } {
  const truth = new Map<string, Truth>();
  const lines = stdout.split('\n');
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^(\w+) (-?\d+) (-?\d+) (-?\d+)$/.exec(lines[i]);
    if (!m) break;
    truth.set(m[1], { calls: Number(m[2]), args: Number(m[3]), returns: Number(m[4]) });
  }
  return { truth, script: lines.slice(i).join('\n') };
}

function expected(truth: Map<string, Truth>, names: (name: string) => boolean, line: (name: string, t: Truth) => string): string {
  return [...truth].filter(([name]) => names(name)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, t]) => `${line(name, t)}\n`).join('');
}

async function bothEngines(script: string): Promise<{ uprobe: Awaited<ReturnType<typeof runUtap>>; ptrace: Awaited<ReturnType<typeof runUtap>> }> {
  const uprobe = await runUtap(['-v', '--engine', 'uprobe', '-c', sh`${MANY} ${N}`, '-e', script]);
  const ptrace = await runUtap(['--engine', 'ptrace', '-c', sh`${MANY} ${N}`, '-e', script]);
  assert.is(uprobe.status, 0, uprobe.stderr);
  assert.is(ptrace.status, 0, ptrace.stderr);
  return { uprobe, ptrace };
}

liveTest(test, 'function("op_*"): calls and $x per function exactly as the fixture counted, as on ptrace; 24 sites on one link, op_wide apart', missing, async () => {
  const script = 'global n, s\nprobe process.function("op_*") { n[probefunc()]++; s[probefunc()] += $x }\nprobe end { foreach (f+ in n) printf("traced %s %d %d\\n", f, n[f], s[f]) }';
  const { uprobe, ptrace } = await bothEngines(script);
  const { truth, script: out } = groundTruth(uprobe.stdout);
  assert.is(truth.size, 28);
  assert.is(out, expected(truth, (f) => f.startsWith('op_'), (f, t) => `traced ${f} ${t.calls} ${t.args}`));
  assert.is(uprobe.stdout, ptrace.stdout);
  assert.match(uprobe.stderr, /utap: 24 sites in .*\/many \((op_\d\d, ){3}\.\.\.\) share one kernel handler through a uprobe_multi link/);
  assert.match(uprobe.stderr, /function\("op_wide@[^"]*"\) at .+: kernel handler/);
});

liveTest(test, '.return with entry captures: $x and $return per function, a tail call\'s two returns each with its own entry', missing, async () => {
  const script = [
    'global n, a, r',
    'probe process.function("op_*").return, process.function("tail_*").return { n[probefunc()]++; a[probefunc()] += $x; r[probefunc()] += $return }',
    'probe end { foreach (f+ in n) printf("traced %s %d %d %d\\n", f, n[f], a[f], r[f]) }',
  ].join('\n');
  const { uprobe, ptrace } = await bothEngines(script);
  const { truth, script: out } = groundTruth(uprobe.stdout);
  assert.is(out, expected(truth, (f) => f.startsWith('op_') || f.startsWith('tail_'), (f, t) => `traced ${f} ${t.calls} ${t.args} ${t.returns}`));
  assert.match(out, new RegExp(`\\ntraced tail_a ${N} ${(N * (N - 1)) / 2} `), 'tail_a\'s $x is its own, not tail_b\'s');
  assert.is(uprobe.stdout, ptrace.stdout);
  // At the function entry (where .return sites capture $x) every one has it in %rdi: one program for all 27.
  assert.match(uprobe.stderr, /27 return sites in .*\/many \((\w+, ){3}\.\.\.\) share one kernel handler/);
});

liveTest(test, 'two probes with the same handler text do not share: a runtime error names the line of the probe that hit', missing, async () => {
  // op_00 runs first: its probe, on line 2, divides by zero.
  const script = [
    'probe process.function("op_01") { x = $x - $x; printf("%d\\n", 5 / x) }',
    'probe process.function("op_00") { x = $x - $x; printf("%d\\n", 5 / x) }',
  ].join('\n');
  const uprobe = await runUtap(['--engine', 'uprobe', '-c', sh`${MANY} 1`, '-e', script]);
  const ptrace = await runUtap(['--engine', 'ptrace', '-c', sh`${MANY} 1`, '-e', script]);
  assert.match(ptrace.stderr, /^ERROR: division by 0 near [^\n]* at <input>:2:/m);
  assert.is(uprobe.stderr, ptrace.stderr);
});

test.run();
