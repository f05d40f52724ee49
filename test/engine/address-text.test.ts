// Addresses as SystemTap writes them, on both engines: usymfile(), usymline(), usymfileline(),
// usymdata(), sprint_ubacktrace() (`sym+0xOFF [module]`), print_ustack() and
// print_ubacktrace_fileline() (` 0xADDR : sym+0xOFF/0xSIZE at file:LINE [module]`), at a
// statement probe on a known line of runtime-c/targets/file-scope.c; uaddr() at a .return is
// the caller's address the function returns to.
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture, repoRoot } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const TARGET = fixture('file-scope');
const SOURCE = `${repoRoot}/runtime-c/targets/file-scope.c`;
const CALL_LINE = fs.readFileSync(SOURCE, 'utf8').split('\n').findIndex((l) => l.trim() === 'observe(opaque, round);') + 1;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const SCRIPT = `probe process(@1).statement("visit@file-scope.c:${CALL_LINE}") {
  printf("where %s|%s|%s|%s\\n", usymfileline(uaddr()), usymline(uaddr()), usymfile(uaddr()), usymdata(uaddr()))
  printf("simple\\n%s", sprint_ubacktrace())
  printf("ustack\\n"); print_ustack(ubacktrace())
  printf("fileline\\n"); print_ubacktrace_fileline()
  printf("unknown %s|%s\\n", usymfileline(0), usymdata(1))
}`;

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: file, line, symbol data and the three backtrace layouts`, missing, async () => {
    const r = await runUtap(['--engine', engine, '-c', sh`${TARGET} 1`, '-e', SCRIPT, TARGET]);
    assert.is(r.status, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, new RegExp(`^where ${esc(SOURCE)}:${CALL_LINE}\\|${CALL_LINE}\\|${esc(SOURCE)}\\|visit\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[${esc(TARGET)}\\]$`, 'm'));
    assert.match(out, /^simple\nvisit\+0x[0-9a-f]+ \[file-scope\]\nmain\+0x[0-9a-f]+ \[file-scope\]\n__libc_start_call_main\+0x[0-9a-f]+ \[libc\.so\.6\]\n/m);
    assert.match(out, new RegExp(`^ustack\\n 0x[0-9a-f]+ : visit\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[${esc(TARGET)}\\]\\n 0x[0-9a-f]+ : main\\+`, 'm'));
    assert.match(out, new RegExp(`^fileline\\n 0x[0-9a-f]+ : visit\\+0x[0-9a-f]+/0x[0-9a-f]+ at ${esc(SOURCE)}:${CALL_LINE} \\[${esc(TARGET)}\\]\\n 0x[0-9a-f]+ : main\\+0x[0-9a-f]+/0x[0-9a-f]+ at ${esc(SOURCE)}:\\d+ \\[${esc(TARGET)}\\]\\n`, 'm'));
    // the usymdata of the probed address is the first frame of print_ustack
    const data = /^where [^|]*\|[^|]*\|[^|]*\|(.*)$/m.exec(out)![1];
    assert.match(out, new RegExp(`^ustack\\n 0x[0-9a-f]+ : ${esc(data)}$`, 'm'));
    assert.match(out, /^unknown 0x0\|0x1$/m);
    // uaddr() at a return is the address returned to, in the caller (a run of its own: a
    // uretprobe puts the kernel's trampoline address in the frame's return slot meanwhile)
    const back = await runUtap(['--engine', engine, '-c', sh`${TARGET} 1`, '-e', 'probe process(@1).function("visit").return { printf("returned to %s\\n", usymdata(uaddr())) }', TARGET]);
    assert.is(back.status, 0, back.stderr);
    assert.match(back.stdout, new RegExp(`^returned to main\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[${esc(TARGET)}\\]$`, 'm'));
  });
}

test.run();
