// syscall_name()/syscall_num() against the machine's own kernel headers (every __NR_ of
// <asm/unistd_64.h> has the same number and name in utap's table), SystemTap's answers for
// numbers and names that are no system call, and the table generator's reading of
// syscall_64.tbl rows (only the 64-bit ABIs).
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { syscallName, syscallNum } from '../../tracer/runtime/syscall-names';
import { parseSyscallTable, syscallTableModule } from '../../scripts/syscall-table';

const HEADER = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';

test('every system call of the installed kernel headers has its number and name', () => {
  const text = fs.readFileSync(HEADER, 'latin1');
  const defines = [...text.matchAll(/^#define __NR_(\w+) (\d+)$/gm)];
  assert.ok(defines.length > 300, `${HEADER} lists ${defines.length} calls`);
  for (const [, name, number] of defines) {
    assert.is(syscallName(Number(number)), name, `__NR_${name}`);
    assert.is(syscallNum(name), Number(number), name);
  }
});

test('numbers and names that are no system call: "" and -1, as SystemTap', () => {
  assert.is(syscallName(0xfff), '');
  assert.is(syscallName(-1), '');
  assert.is(syscallName(2n ** 63n - 1n), '');
  assert.is(syscallNum('no_such_call'), -1);
  assert.is(syscallNum('read'), 0);
});

test('the generator keeps the common and 64 ABIs, skips x32, comments and blank lines', () => {
  const rows = parseSyscallTable('# comment\n0\tcommon\tread\t\tsys_read\n\n59\t64\texecve\tsys_execve\n512\tx32\trt_sigaction\tcompat_sys_rt_sigaction\n');
  assert.equal(rows, [[0, 'read'], [59, 'execve']]);
  assert.match(syscallTableModule(rows, 'test'), /new Map\(\[\n  \[0, 'read'\], \[59, 'execve'\],\n\]\);/);
});

test.run();
