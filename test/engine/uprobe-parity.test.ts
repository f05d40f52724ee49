// The uprobe engine answers as the ptrace engine does, on real processes, both engines run on the
// same script and target: target() in begin, kernel handlers, event-mode handlers and end (-c and
// -p); target memory in pages the process never touched (runtime-c/targets/untouched.c), read
// by sleepable programs; symbols of a -c command that has exited before utap reads its records
// (its mappings are read at its first hit); begin output shown at once with -p; the exit status
// of -c runs (the command's own, unless the script failed).
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures, sleepableUprobesSupported } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture, utapBin } from '../support/paths';
import { runUtap, type RunResult } from '../support/run-utap';
import { startWaiting } from '../support/target-process';
import { utapMissing } from '../support/utap-features';
import { sh } from '../support/shell';

const missing = utapMissing('uprobe') ?? utapMissing('ptrace') ?? detectBpfFeatures().unavailable;
const ENGINES = ['ptrace', 'uprobe'] as const;
const COUNTER = fixture('counter');
const UNTOUCHED = fixture('untouched');

/** utap's stdout without the lines the -c target printed itself (they interleave differently). */
function scriptLines(r: RunResult, targetLine: RegExp): string[] {
  return r.stdout.split('\n').filter((l) => l !== '' && !targetLine.test(l));
}

async function both(args: (engine: string) => string[]): Promise<Record<(typeof ENGINES)[number], RunResult>> {
  const out = {} as Record<(typeof ENGINES)[number], RunResult>;
  for (const engine of ENGINES) out[engine] = await runUtap(['--engine', engine, ...args(engine)], { timeoutMs: 30_000 });
  return out;
}

// One kernel handler (work: printf only) and one event-mode handler (fib: builds a string).
const TARGET_SCRIPT = `
probe begin { printf("begin %d\\n", target()) }
probe process.function("work") { if (pid() != target()) next; printf("work %d %d\\n", $i, target()) }
probe process.function("fib") { if (pid() != target()) next; s = sprintf("%d", $n); if (s == "10") printf("fib %s %d\\n", s, target()) }
probe end { printf("end %d\\n", target()) }
`;

liveTest(test, '-c: target() is the command\'s pid in begin, a kernel handler, an event-mode handler and end, as on ptrace', missing, async () => {
  const runs = await both(() => ['-v', '-c', sh`${COUNTER} 3`, '-e', TARGET_SCRIPT]);
  const lines: Record<string, string[]> = {};
  for (const engine of ENGINES) {
    const r = runs[engine];
    assert.is(r.status, 0, r.stderr);
    const pid = /^begin (\d+)$/m.exec(r.stdout)?.[1];
    assert.ok(pid && pid !== '0', `${engine}: begin sees the command: ${r.stdout}`);
    lines[engine] = scriptLines(r, /^calls=/).map((l) => l.replace(new RegExp(`\\b${pid}\\b`), 'PID'));
  }
  assert.equal(lines.uprobe, ['begin PID', 'work 0 PID', 'work 1 PID', 'work 2 PID', 'fib 10 PID', 'end PID']);
  assert.equal(lines.uprobe, lines.ptrace);
  assert.match(runs.uprobe.stderr, /function\("work@[^"]*"\) at .*: kernel handler \(eBPF\)/);
  assert.match(runs.uprobe.stderr, /function\("fib@[^"]*"\) at .*: event mode/);
});

liveTest(test, '-p: target() is the process everywhere, and begin output is shown before the target runs', missing, async () => {
  for (const engine of ENGINES) {
    const traced = await startWaiting(COUNTER, ['3']);
    const utap = spawn(process.execPath, [utapBin, '-v', '--engine', engine, '-p', String(traced.pid), '-e', TARGET_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    utap.stdout!.on('data', (d) => (stdout += d));
    utap.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => utap.on('close', resolve));
    try {
      // The target waits for its go line: whatever utap shows now, it showed without a hit.
      for (let i = 0; i < 300 && !stdout.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.is(stdout, `begin ${traced.pid}\n`, `${engine}: begin shown at once (stderr: ${stderr})`);
      for (let i = 0; i < 300 && !/probes armed|ptrace: \w+ probe/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      const truth = await traced.release();
      assert.match(truth.stdout, /calls=3 /);
      assert.is(await done, 0, stderr);
      const p = traced.pid;
      assert.is(stdout, `begin ${p}\nwork 0 ${p}\nwork 1 ${p}\nwork 2 ${p}\nfib 10 ${p}\nend ${p}\n`, engine);
    } finally {
      utap.kill('SIGKILL');
      traced.child.kill('SIGKILL');
    }
  }
});

// Kernel handlers (show) and event-mode handlers (show.return and the second show, which build
// strings; the second reads through locals it set once) read a string in a file page, a long in
// an anonymous page and one in .bss, none ever touched, and a string that runs from a page the
// target wrote into one it never touched.
const UNTOUCHED_SCRIPT = `
probe process.function("show") { printf("kernel %s %d %d %s|\\n", user_string($text), user_long($anon), $zero[0], user_string($edge)) }
probe process.function("show").return { s = user_string(@entry($text)) . "|"; printf("event %s %d %d %s|\\n", s, user_long(@entry($anon)), user_long(@entry($zero)), user_string(@entry($edge))) }
probe process.function("show") { p = $text; q = p + 5; s = user_string(q) . "|"; printf("local %s\\n", s) }
`;

liveTest(test, 'memory the process never touched (file, anonymous and .bss pages) reads right in kernel and event-mode handlers, as on ptrace', missing ?? (sleepableUprobesSupported() ? undefined : 'this kernel has no sleepable uprobe programs'), async () => {
  const runs = await both(() => ['-v', '-c', sh`${UNTOUCHED} 3`, '-e', UNTOUCHED_SCRIPT]);
  assert.match(runs.uprobe.stderr, /utap: \d+ kernel program\(s\) loaded sleepable/);
  for (const engine of ENGINES) {
    const r = runs[engine];
    assert.is(r.status, 0, `${engine}: ${r.stderr}`);
    assert.match(r.stdout, /^text=from a page nobody touched anon=0 bss=0 edge=spans \|calls=3$/m, 'the target\'s own account');
    const lines = scriptLines(r, /^text=/);
    assert.equal(lines.filter((l) => l.startsWith('kernel ')), Array(3).fill('kernel from a page nobody touched 0 0 spans |'), engine);
    assert.equal(lines.filter((l) => l.startsWith('event ')), Array(3).fill('event from a page nobody touched| 0 0 spans |'), engine);
    assert.equal(lines.filter((l) => l.startsWith('local ')), Array(3).fill('local a page nobody touched|'), engine);
  }
});

// Event-mode symbolization of a command that is gone before utap reads its records: usymname,
// umodname, backtraces at entry and at a return, and usymname in end, after the exit; and
// ppid(), which comes from /proc/PID/status.
const SYMBOLS_SCRIPT = `
global last
probe process.function("work") { last = uaddr(); printf("ppid>1:%d %s %s|%s\\n", ppid() > 1, usymname(uaddr()), umodname(uaddr()), sprint_ubacktrace()) }
probe process.function("fib").return { if (@entry($n) == 10) print_ubacktrace() }
probe end { printf("end %s\\n", usymname(last)) }
`;

liveTest(test, 'symbols of a -c command that exited before utap read its records: the same frames and names as on ptrace, run after run', missing, async () => {
  for (let round = 0; round < 3; round++) {
    const runs = await both(() => ['-v', '-c', sh`${COUNTER} 2`, '-e', SYMBOLS_SCRIPT]);
    assert.match(runs.uprobe.stderr, /the command stops once, at its first hit, while utap reads its mappings/);
    const text: Record<string, string[]> = {};
    for (const engine of ENGINES) {
      const r = runs[engine];
      assert.is(r.status, 0, r.stderr);
      text[engine] = scriptLines(r, /^calls=/).map((l) => l.replace(/0x[0-9a-f]+/g, 'ADDR'));
    }
    assert.ok(text.uprobe.some((l) => l.startsWith(`ppid>1:1 work ${COUNTER}|`)), text.uprobe.join('\n'));
    assert.ok(text.uprobe.some((l) => l.includes(': main+ADDR')), text.uprobe.join('\n'));
    assert.ok(text.uprobe.some((l) => l.includes(': __libc_start_call_main+ADDR') && l.includes('libc.so.6')), text.uprobe.join('\n'));
    assert.ok(text.uprobe.includes('end work'), text.uprobe.join('\n'));
    assert.equal(text.uprobe, text.ptrace, `round ${round}`);
  }
  // print_ubacktrace() alone asks for the snapshot too.
  const runs = await both(() => ['-c', sh`${COUNTER} 1`, '-e', 'probe process.function("work") { for (i = 0; i < 1; i++) {} print_ubacktrace() }']);
  const frames = ENGINES.map((e) => scriptLines(runs[e], /^calls=/).map((l) => l.replace(/0x[0-9a-f]+/g, 'ADDR')));
  assert.ok(frames[1].some((l) => l.includes(': main+ADDR')), frames[1].join('\n'));
  assert.equal(frames[1], frames[0]);
});

liveTest(test, '-p: event-mode symbols from the mappings read at attach, after the process is gone, as on ptrace', missing, async () => {
  for (const engine of ENGINES) {
    const traced = await startWaiting(COUNTER, ['2']);
    const utap = spawn(process.execPath, [utapBin, '-v', '--engine', engine, '-p', String(traced.pid), '-e', 'probe process.function("work") { printf("%s %s\\n", usymname(uaddr()) . "", umodname(uaddr())) }'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    utap.stdout!.on('data', (d) => (stdout += d));
    utap.stderr!.on('data', (d) => (stderr += d));
    const done = new Promise<number | null>((resolve) => utap.on('close', resolve));
    try {
      for (let i = 0; i < 300 && !/probes armed|ptrace: \w+ probe/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
      await traced.release();
      assert.is(await done, 0, stderr);
      assert.is(stdout, `work ${COUNTER}\nwork ${COUNTER}\n`, engine);
    } finally {
      utap.kill('SIGKILL');
      traced.child.kill('SIGKILL');
    }
  }
});

liveTest(test, '-c exit status: the command\'s own (exit 3, exit 2, killed by SIGKILL: 137), 0 when it succeeds, 1 when the script failed; the same on both engines', missing, async () => {
  const probe = 'probe process.function("work") { n++ }';
  for (const engine of ENGINES) {
    let r = await runUtap(['--engine', engine, '-c', sh`${COUNTER} 3; exit 3`, '-e', probe]);
    assert.is(r.status, 3, `${engine}: ${r.stderr}`);
    assert.is(r.stderr, 'Warning: child process exited with status 3\n', engine);
    r = await runUtap(['--engine', engine, '--json', '-c', sh`${COUNTER} 3; exit 3`, '-e', probe]);
    assert.is(r.status, 3, `${engine}: ${r.stderr}`);
    assert.match(r.stdout, /^\{"type":"exit","status":3,"reason":"target-exited"\}$/m, `${engine}: --json's exit record agrees: ${r.stdout}`);
    r = await runUtap(['--engine', engine, '-c', sh`${COUNTER} 3; kill -9 $$`, '-e', probe]);
    assert.is(r.status, 137, `${engine}: ${r.stderr}`);
    assert.is(r.stderr, 'Warning: child process exited with signal 9\n', engine);
    r = await runUtap(['--engine', engine, '-c', sh`${COUNTER} 3`, '-e', probe]);
    assert.is(r.status, 0, `${engine}: ${r.stderr}`);
    // `counter N wait` with no input on stdin exits 2, after main was called.
    r = await runUtap(['--engine', engine, '-c', sh`${COUNTER} 3 wait`, '-e', probe]);
    assert.is(r.status, 2, `${engine}: ${r.stderr}`);
    r = await runUtap(['--engine', engine, '-c', sh`${COUNTER} 3 wait`, '-e', 'probe process.function("main") { error("stop") }']);
    assert.is(r.status, 1, `${engine}: ${r.stderr}`);
    assert.match(r.stderr, /ERROR: stop/, engine);
  }
});

test.run();
