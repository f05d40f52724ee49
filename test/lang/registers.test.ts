// register()/u_register() with SystemTap's x86 names for parts of registers: eax, ax, al, ah
// (sign-extended by register, zero-extended by u_register), xcs/xss; only whole registers can
// be written. Checked against the 64-bit registers of a real probed call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

test('parts of registers read as SystemTap reads them', async () => {
  const counter = fixture('counter');
  const checks = [
    'register("edi") == $i',
    'u_register("di") == $i',
    'register("esp") == (register("rsp") << 32) >> 32',
    'u_register("esp") == (register("rsp") & 0xffffffff)',
    'register("sp") == (register("rsp") << 48) >> 48',
    'u_register("ah") == ((register("rax") >> 8) & 0xff)',
    'register("al") == (register("rax") << 56) >> 56',
    'register("xcs") == register("cs")',
  ];
  const r = await runUtap(['-c', sh`${counter} 2`, '-e', `probe process("${counter}").function("work").call { println(${checks.map((c) => `(${c})`).join(', " ", ')}) }`]);
  assert.is(r.stderr, '');
  assert.match(r.stdout, /^1 1 1 1 1 1 1 1\n1 1 1 1 1 1 1 1\n/m);
});

test('a part of a register cannot be written; an unknown name is a located error', async () => {
  let r = await runUtap(['-g', '--stop-after', 'check', '-e', 'probe process("/bin/true").function("main") { register("eax") = 1 }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:56: error: only whole registers can be written; 'eax' is part of rax\./);
  r = await runUtap(['--stop-after', 'check', '-e', 'probe process("/bin/true").function("main") { x = u_register("zz") }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:62: error: 'zz' is not an x86-64 register utap knows/);
});

test.run();
