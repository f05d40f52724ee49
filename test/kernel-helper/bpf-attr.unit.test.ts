// The bpf_attr encoders (kernel-helper/bpf-attr.ts): every field offset against this machine's
// <linux/bpf.h> (offsetof, as a C program prints it), and each encoder putting its fields there.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ATTR, linkCreatePerfEventAttr, linkCreateUprobeMultiAttr, mapCreateAttr, mapElemAttr, objAttr, progLoadAttr } from '../../kernel-helper/bpf-attr';
import { addressOf } from '../../kernel-helper/libc';
import { BPF_ATTR_SIZE } from '../../kernel-helper/uapi';

test('every field offset matches offsetof(union bpf_attr, ...) in the kernel headers', () => {
  // uprobe_multi (Linux 6.6) is newer than the installed headers may be: checked only where they have it.
  const hasMulti = fs.readFileSync('/usr/include/linux/bpf.h', 'latin1').includes('uprobe_multi');
  const fields = Object.keys(ATTR).filter((f) => hasMulti || !f.includes('uprobe_multi'));
  const src = `#include <linux/bpf.h>\n#include <stdio.h>\n#include <stddef.h>\nint main(void){\n${fields.map((f) => `printf("%zu\\n", offsetof(union bpf_attr, ${f}));`).join('\n')}\nreturn 0;}\n`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-bpf-attr-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.c'), src);
    execFileSync('gcc', ['-o', path.join(dir, 'a'), path.join(dir, 'a.c')]);
    const got = execFileSync(path.join(dir, 'a'), { encoding: 'latin1' }).trim().split('\n').map(Number);
    fields.forEach((f, i) => assert.is(got[i], ATTR[f as keyof typeof ATTR], f));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the encoders write each field at its offset and leave the rest zero', () => {
  const a = mapCreateAttr({ mapType: 6, keySize: 4, valueSize: 520, maxEntries: 1, mapFlags: 0x10, mapName: 'utap heap/x' });
  assert.is(a.length, BPF_ATTR_SIZE);
  assert.equal([a.readUInt32LE(0), a.readUInt32LE(4), a.readUInt32LE(8), a.readUInt32LE(12), a.readUInt32LE(16)], [6, 4, 520, 1, 0x10]);
  assert.is(a.toString('latin1', 28, 28 + 16), 'utap_heap_x\0\0\0\0\0');
  const key = Buffer.alloc(4), value = Buffer.alloc(8);
  const e = mapElemAttr(7, key, value, 2);
  assert.equal([e.readUInt32LE(0), e.readBigUInt64LE(8), e.readBigUInt64LE(16), e.readBigUInt64LE(24)], [7, addressOf(key), addressOf(value), 2n]);
  assert.is(mapElemAttr(7, key, null).readBigUInt64LE(16), 0n);
  const p = Buffer.from('/sys/fs/bpf/x\0');
  assert.equal([objAttr(p, 5).readBigUInt64LE(0), objAttr(p, 5).readUInt32LE(8), objAttr(p).readUInt32LE(8)], [addressOf(p), 5, 0]);
  const text = Buffer.alloc(16), license = Buffer.from('GPL\0'), log = Buffer.alloc(64);
  const l = progLoadAttr({ progType: 2, insns: text, insnCnt: 2, license, log, progFlags: 16, progName: 'utap_site_1', expectedAttachType: 48 });
  assert.equal([l.readUInt32LE(0), l.readUInt32LE(4), l.readBigUInt64LE(8), l.readBigUInt64LE(16), l.readUInt32LE(24), l.readUInt32LE(28), l.readBigUInt64LE(32), l.readUInt32LE(44), l.readUInt32LE(68)],
    [2, 2, addressOf(text), addressOf(license), 1, 64, addressOf(log), 16, 48]);
  assert.is(progLoadAttr({ progType: 2, insns: text, insnCnt: 2, license, progName: 'p' }).readUInt32LE(24), 0, 'no log: log_level 0');
  const k = linkCreatePerfEventAttr(3, 4, 41);
  assert.equal([k.readUInt32LE(0), k.readUInt32LE(4), k.readUInt32LE(8)], [3, 4, 41]);
  const offsets = Buffer.alloc(16), cookies = Buffer.alloc(16);
  const m = linkCreateUprobeMultiAttr({ progFd: 3, attachType: 48, path: p, offsets, cnt: 2, cookies, flags: 1, pid: 99 });
  assert.equal([m.readUInt32LE(0), m.readUInt32LE(8), m.readBigUInt64LE(16), m.readBigUInt64LE(24), m.readBigUInt64LE(32), m.readBigUInt64LE(40), m.readUInt32LE(48), m.readUInt32LE(52), m.readUInt32LE(56)],
    [3, 48, addressOf(p), addressOf(offsets), 0n, addressOf(cookies), 2, 1, 99]);
});

test.run();
