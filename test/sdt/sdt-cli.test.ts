// `utap -l/-L` on SDT markers (canonical form, `$argN:long` from the note), SystemTap's `-` for
// `__` in marker names, and the one-sentence refusals: an $argN the marker does not have, an
// unknown $name, an assignment, a provider without a mark.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ElfFile } from '../../symbolizer/elf-file';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

const O2 = fixture('sdt-target-O2');
const PG = '/usr/lib/postgresql/15/bin/postgres';
const at = (name: string) => `process("${O2}").mark("${name}")`;
const atProvider = (name: string) => `process("${O2}").provider("utaptest").mark("${name}")`;

test('-l lists every marker in the canonical form SystemTap prints (.provider only when named); -L adds $arg1..$argN typed long', async () => {
  const l = await runUtap(['-l', `process("${O2}").mark("*")`]);
  assert.is(l.status, 0, l.stderr);
  assert.is(l.stdout, ['constants', 'element', 'global', 'guarded', 'tick'].map(at).join('\n') + '\n');
  const L = await runUtap(['-L', `process("${O2}").provider("utap*").mark("[ct]*")`]);
  assert.is(L.status, 0, L.stderr);
  assert.is(L.stdout, `${atProvider('constants')} $arg1:long $arg2:long\n${atProvider('tick')} $arg1:long $arg2:long $arg3:long $arg4:long\n`);
  const none = await runUtap(['-l', `process("${O2}").provider("nobody").mark("*")`]);
  assert.is(none.status, 1);
  assert.match(none.stderr, /matches nothing/);
});

test('a - in the pattern matches the __ of DTrace-style names (postgres query__start)', async () => {
  if (!fs.existsSync(PG)) {
    if (process.env.CI === 'true') throw new Error(`${PG} is missing`);
    console.log(`SKIP: ${PG} is not installed`);
    return;
  }
  const r = await runUtap(['-L', `process("${PG}").mark("query-start")`]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, `process("${PG}").mark("query__start") $arg1:long\n`);
});

test('damaged SDT notes: one sentence, exit status 2, no stack trace', async () => {
  const bytes = Buffer.from(fs.readFileSync(O2));
  const elf = ElfFile.open(O2);
  const section = elf.section('.note.stapsdt')!;
  elf.close();
  bytes.writeUInt32LE(16, Number(section.offset) + 4); // the first note's descsz: shorter than its three addresses and strings
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-sdt-damaged-'));
  try {
    const copy = path.join(dir, 'damaged');
    fs.writeFileSync(copy, bytes, { mode: 0o755 });
    const r = await runUtap(['-l', `process("${copy}").mark("*")`]);
    assert.is(r.status, 2);
    assert.match(r.stderr, new RegExp(`^utap: the SDT notes of ${copy} are damaged \\(\\.note\\.stapsdt\\+0x[0-9a-f]+: [^\\n]*\\); its markers cannot be probed\\.\\n$`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('script errors: one located sentence with the line and a caret', async () => {
  const run = (handler: string, extra: string[] = []) => runUtap([...extra, '-e', `probe process("${O2}").mark("constants") { ${handler} }`, '-c', sh`${O2} 1`]);
  const beyond = await run('println($arg3)');
  assert.is(beyond.status, 1);
  assert.is(beyond.stdout, '');
  assert.match(beyond.stderr, /^<input>:1:\d+: error: process\(".*"\)\.mark\("constants"\) has 2 arguments \(\$arg1\.\.\$arg2\), so \$arg3 does not exist\.\n.*println\(\$arg3\).*\n *\^\n$/);
  const unknown = await run('println($foo)');
  assert.is(unknown.status, 1);
  assert.match(unknown.stderr, /\$foo is not known in the marker probe .*; a marker has \$arg1\.\.\$argN, \$\$name, \$\$provider and \$\$parms\./);
  const write = await run('$arg1 = 3', ['-g']);
  assert.is(write.status, 1);
  assert.match(write.stderr, /marker arguments cannot be assigned/);
  const noMark = await runUtap(['-l', `process("${O2}").provider("utaptest").function("main")`]);
  assert.is(noMark.status, 1);
  assert.match(noMark.stderr, /a provider\(\.\.\.\) is followed by \.mark\("NAME"\)\.\n$/);
  assert.not.match(beyond.stderr + unknown.stderr + write.stderr + noMark.stderr, /at .*\.js:\d+/);
});

test.run();
