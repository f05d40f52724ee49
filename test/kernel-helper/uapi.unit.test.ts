// The constants in kernel-helper/uapi.ts against this machine's kernel headers: a C program
// prints each one from <linux/bpf.h> / <linux/perf_event.h> / <asm/ptrace.h>, and every value must agree.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as U from '../../kernel-helper/uapi';

// Names whose values the installed headers may predate (newer than linux-libc-dev 6.1).
const NEWER_THAN_HEADERS = new Set(['BPF_TRACE_UPROBE_MULTI', 'BPF_F_UPROBE_MULTI_RETURN', 'BPF_MEMSX']);
const NOT_IN_HEADERS = new Set(['BPF_ATTR_SIZE', 'PERF_EVENT_ATTR_SIZE', 'PERF_ATTR_OFFSET', 'PT_REGS_OFFSET', 'MAX_BPF_STACK', '__NR_perf_event_open', '__NR_bpf', '__NR_pidfd_open']);

test('every uapi constant matches the kernel headers', () => {
  const names = Object.entries(U).filter(([n, v]) => typeof v === 'number' && !NEWER_THAN_HEADERS.has(n) && !NOT_IN_HEADERS.has(n)).map(([n]) => n);
  const lines = names.map((n) => `printf("${n} %lld\\n", (long long)(${n}));`);
  const attr = Object.keys(U.PERF_ATTR_OFFSET).map((f) => `printf("attr.${f} %zu\\n", offsetof(struct perf_event_attr, ${f}));`);
  const regs = Object.keys(U.PT_REGS_OFFSET).map((r) => `printf("regs.${r} %zu\\n", offsetof(struct pt_regs, ${r === 'rip' ? 'rip' : r}));`);
  const src = `#include <linux/bpf.h>\n#include <linux/perf_event.h>\n#include <asm/ptrace.h>\n#include <sys/syscall.h>\n#include <stdio.h>\n#include <stddef.h>\n#define MAX_BPF_STACK 512\nint main(void){\n${[...lines, ...attr, ...regs].join('\n')}\nprintf("sizeof.bpf_attr %zu\\nsizeof.perf_event_attr %zu\\nnr.bpf %d\\nnr.perf %d\\n", sizeof(union bpf_attr), sizeof(struct perf_event_attr), SYS_bpf, SYS_perf_event_open);\nreturn 0;}\n`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-uapi-'));
  try {
    fs.writeFileSync(path.join(dir, 'u.c'), src);
    execFileSync('gcc', ['-o', path.join(dir, 'u'), path.join(dir, 'u.c')]);
    const got = new Map(execFileSync(path.join(dir, 'u'), { encoding: 'latin1' }).trim().split('\n').map((l) => l.split(' ') as [string, string]));
    for (const n of names) assert.is(Number(got.get(n)), (U as unknown as Record<string, number>)[n], n);
    for (const [f, off] of Object.entries(U.PERF_ATTR_OFFSET)) assert.is(Number(got.get(`attr.${f}`)), off, `perf_event_attr.${f}`);
    for (const [r, off] of Object.entries(U.PT_REGS_OFFSET)) assert.is(Number(got.get(`regs.${r}`)), off, `pt_regs.${r}`);
    assert.ok(Number(got.get('sizeof.bpf_attr')) <= U.BPF_ATTR_SIZE, 'bpf_attr fits');
    assert.is(Number(got.get('sizeof.perf_event_attr')), U.PERF_EVENT_ATTR_SIZE);
    assert.is(Number(got.get('nr.bpf')), U.__NR_bpf);
    assert.is(Number(got.get('nr.perf')), U.__NR_perf_event_open);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
