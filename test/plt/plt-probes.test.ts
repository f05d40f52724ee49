// PLT probes (`process(...).plt("NAME")`, `.plt`, `.plt(...).return`) against runtime-c/plt's
// target in both stub layouts GCC and ld give here: lazy stubs in .plt, and IBT stubs in
// .plt.sec bound at load time (-z now). Ground truth: the target's source fixes how often each
// library function is called; objdump names the PLT stubs independently of utap's ELF reader.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { ElfFile } from '../../symbolizer/elf-file';
import { liveTest } from '../support/live';
import { fixture, utapCommand } from '../support/paths';
import { runCommand, runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';
import { readableCopy } from '../support/readable-copy';

const LAYOUTS = ['lazy', 'ibt-now'] as const;
const N = 7;

/** Calls through the PLT for `plt-target N` (see plt-target.c): atoi once for argv[1], twice after the loop. */
function expectedCalls(n: number): Record<string, number> {
  return { __cxa_finalize: 1, atoi: 3, getpid: 1, printf: 1, strcmp: 2 * n, strlen: n };
}

function countsText(counts: Record<string, number>): string {
  return Object.keys(counts).sort().map((name) => `${name} ${counts[name]}\n`).join('');
}

/** `name` of every `<name@plt>` objdump shows. */
function objdumpPltNames(binary: string): string[] {
  const r = spawnSync('objdump', ['-d', binary], { encoding: 'latin1', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`objdump -d ${binary} failed: ${r.stderr}`);
  return [...new Set([...r.stdout.matchAll(/^[0-9a-f]+ <([^>@]+)@plt>:$/gm)].map((m) => m[1]))].sort();
}

test('the two targets have the two stub layouts (.plt only, lazy; .plt.sec with BIND_NOW)', () => {
  const sections = (layout: string) => {
    const elf = ElfFile.open(fixture(`plt-target-${layout}`));
    try {
      return elf.sections.map((s) => s.name);
    } finally {
      elf.close();
    }
  };
  assert.ok(sections('lazy').includes('.plt') && !sections('lazy').includes('.plt.sec'));
  assert.ok(sections('ibt-now').includes('.plt.sec'));
  const dynamic = spawnSync('readelf', ['-d', fixture('plt-target-ibt-now')], { encoding: 'latin1', timeout: 30_000 }).stdout;
  assert.match(dynamic, /\(FLAGS\)\s+BIND_NOW|\(BIND_NOW\)/);
});

for (const layout of LAYOUTS) {
  const binary = fixture(`plt-target-${layout}`);

  test(`${layout}: -l lists every PLT entry objdump shows, in SystemTap's form; a glob, .return, and a name that is not there`, async () => {
    const names = objdumpPltNames(binary);
    assert.equal(names, Object.keys(expectedCalls(1)).sort());
    const every = await runUtap(['-l', `process("${binary}").plt("*")`]);
    assert.is(every.status, 0, every.stderr);
    assert.is(every.stdout, names.map((n) => `process("${binary}").plt("${n}")\n`).join(''));
    const bare = await runUtap(['-l', `process("${binary}").plt`]);
    assert.is(bare.stdout, every.stdout);
    const glob = await runUtap(['-l', `process("${binary}").plt("str*").return`]);
    assert.is(glob.status, 0, glob.stderr);
    assert.is(glob.stdout, `process("${binary}").plt("strcmp").return\nprocess("${binary}").plt("strlen").return\n`);
    const none = await runUtap(['-l', `process("${binary}").plt("no_such_function")`]);
    assert.is(none.status, 1);
    assert.match(none.stderr, /^utap: probe point '.*\.plt\("no_such_function"\)' matches nothing;[^\n]*\n$/);
  });
}

const SCRIPT = (binary: string) => `global c, r, f
probe process("${binary}").plt { c[$$name]++; if (probefunc() != $$name) f++ }
probe process("${binary}").plt("str*").return { r[$$name]++ }
probe process("${binary}").plt("no_such_function")? { f++ }
probe end { foreach (n+ in c) printf("%s %d\\n", n, c[n]); foreach (n+ in r) printf("return %s %d\\n", n, r[n]); printf("mismatch %d\\n", f) }`;

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  for (const layout of LAYOUTS) {
    const binary = fixture(`plt-target-${layout}`);
    liveTest(test, `${engine}, -c, plt-target-${layout}: every PLT entry's exact call count by $$name, .return on a glob, an optional point that matches nothing`, missing, async () => {
      const r = await runUtap(['--engine', engine, '-e', SCRIPT(binary), '-c', sh`${binary} ${N}`], { timeoutMs: 60_000 });
      assert.is(r.status, 0, r.stderr);
      const calls = expectedCalls(N);
      assert.is(r.stdout, `1\n${countsText(calls)}return strcmp ${calls.strcmp}\nreturn strlen ${calls.strlen}\nmismatch 0\n`);
    });
  }

  liveTest(test, `${engine}: a .plt point that matches nothing is a located script error, nothing runs`, missing, async () => {
    const binary = fixture('plt-target-lazy');
    const r = await runUtap(['--engine', engine, '-e', `probe process("${binary}").plt("no_such_function") { println($$name) }`, '-c', sh`${binary} 1`], { timeoutMs: 60_000 });
    assert.is(r.status, 1);
    assert.is(r.stdout, '');
    assert.match(r.stderr, /^<input>:1:7: error: probe point '.*\.plt\("no_such_function"\)' matches nothing;/);
  });
}

liveTest(test, 'ptrace without root (as nobody): every strcmp through the PLT', utapMissing('ptrace'), async () => {
  // nobody may not read this checkout (a 0700 folder above it): utap and the program run from a readable copy
  const copy = readableCopy('nobody');
  const binary = copy.fixture('plt-target-ibt-now');
  const script = `global n\nprobe process("${binary}").plt("strcmp") { n++ }\nprobe end { printf("%s %d\\n", "strcmp", n) }`;
  const r = await runCommand('runuser', ['-u', 'nobody', '--', process.execPath, copy.utapBin, '--engine', 'ptrace', '-e', script, '-c', sh`${binary} 20`], { timeoutMs: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '1\nstrcmp 40\n');
});

test('script errors in a PLT probe: one located sentence with the line and a caret', async () => {
  const binary = fixture('plt-target-lazy');
  const unknown = await runUtap(['-e', `probe process("${binary}").plt("atoi") { println($nptr) }`, '-c', sh`${binary} 1`]);
  assert.is(unknown.status, 1);
  assert.is(unknown.stdout, '');
  assert.match(unknown.stderr, /^<input>:1:\d+: error: \$nptr is not known in (?:the PLT probe process\(".*"\)\.plt\("atoi"\)|a PLT probe); a PLT entry has only \$\$name [^\n]*\n.*println\(\$nptr\).*\n *\^\n$/);
  const call = await runUtap(['-l', `process("${binary}").plt("atoi").call`]);
  assert.is(call.status, 1);
  assert.match(call.stderr, /\.call cannot follow \.plt\(\.\.\.\); a PLT probe may end in \.return\.\n$/);
  assert.not.match(unknown.stderr + call.stderr, /at .*\.js:\d+/);
});

test.run();
