// The preprocessor through the real CLI: %( %? %: %) conditionals on script arguments and on
// facts of this machine (kernel_v/kernel_vr from uname, arch, runtime, systemtap_v, guru_mode,
// CONFIG_*), only the live branch read; @define macros with parameters, nesting, conditionals
// inside bodies, macro libraries (.stpm) on the -I path; $1 substituted as tokens.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runUtap } from '../support/run-utap';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-pp-'));

async function output(script: string, ...args: string[]): Promise<string> {
  const r = await runUtap(['-e', script, ...args]);
  assert.is(r.stderr, '', `stderr of: ${script}`);
  assert.is(r.status, 0);
  return r.stdout;
}

test('conditionals on $# and @#, nested, with && and ||', async () => {
  const script = `probe begin {
    println(%( $# == 2 %? "two" %: "not two" %))
    println(%( @# == "2" && $# > 1 %? %( $2 > 5 %? "big" %: "small" %) %: "none" %))
    println(%( $# < 1 || $1 == 7 %? "seven" %: "other" %))
    exit()
  }`;
  assert.is(await output(script, '7', '9'), 'two\nbig\nseven\n');
  assert.is(await output(script, '3', '1'), 'two\nsmall\nother\n');
});

test('a dead branch is never read: a missing $5 and nonsense there are no error', async () => {
  assert.is(await output('probe begin { println(%( $# >= 5 %? $5 + } ! %: 0 %)) exit() }'), '0\n');
});

test('kernel_v / kernel_vr compare as versions with the running kernel', async () => {
  const release = os.release();
  const version = release.replace(/-.*$/, '');
  const major = Number(version.split('.')[0]);
  const script = `probe begin {
    println(%( kernel_vr == "${release}" %? "vr" %: "no vr" %))
    println(%( kernel_v == "${version}" %? "v" %: "no v" %))
    println(%( kernel_v >= "${major}.0" && kernel_v < "${major + 1}" %? "in range" %: "out of range" %))
    println(%( kernel_v > "${major}.9" %? "after" %: "not after" %))
    println(%( kernel_v == "${major}.*" %? "glob" %: "no glob" %))
    exit()
  }`;
  const after = Number(version.split('.')[1] ?? 0) >= 10 ? 'after' : 'not after';
  assert.is(await output(script), `vr\nv\nin range\n${after}\nglob\n`);
});

test('arch, runtime, systemtap_v, guru_mode and an unset CONFIG_ option', async () => {
  const arch = os.machine() === 'x86_64' ? 'x86_64' : os.machine();
  const script = `probe begin {
    println(%( arch == "${arch}" %? "arch" %: "other arch" %))
    println(%( arch == "x86*" %? "x86 family" %: "not x86" %))
    println(%( runtime == "kernel" %? "kernel" %: "user space" %))
    println(%( systemtap_v >= "4.0" %? "new" %: "old" %))
    println(%( guru_mode == 1 %? "guru" %: "safe" %))
    println(%( CONFIG_UTAP_NO_SUCH_OPTION == "y" %? "set" %: "unset" %))
    exit()
  }`;
  const family = arch.startsWith('x86') ? 'x86 family' : 'not x86';
  assert.is(await output(script), `arch\n${family}\nuser space\nnew\nsafe\nunset\n`);
  const r = await runUtap(['-g', '-e', 'probe begin { println(%( guru_mode == 1 %? "guru" %: "safe" %)) exit() }']);
  assert.is(r.stdout, 'guru\n');
});

test('conditionals select declarations and probes at the top level', async () => {
  const script = `%( $# == 0 %? global mode = "none" %: global mode = "some" %)
%( 1 == 1 %? probe begin { println(mode) } %)
%( 1 == 2 %? probe begin { println("dead") } %)
probe begin { exit() }`;
  assert.is(await output(script), 'none\n');
  assert.is(await output(script, 'x'), 'some\n');
});

test('@define: plain and with parameters, nested uses, conditionals decided at each use', async () => {
  const script = `@define square(x) %( ((@x) * (@x)) %)
@define twice(v) %( @square(@v) + @square(@v) %)
@define greeting %( %( $# > 0 %? @1 %: "nobody" %) %)
@define point %( begin %)
probe @point { println(@square(3 + 1), " ", @twice(2), " ", @greeting) exit() }`;
  assert.is(await output(script), '16 8 nobody\n');
  assert.is(await output(script, 'ann'), '16 8 ann\n');
});

test('macros from a .stpm library on the -I path', async () => {
  const lib = path.join(dir, 'lib');
  fs.mkdirSync(lib, { recursive: true });
  fs.writeFileSync(path.join(lib, 'mine.stpm'), '@define answer %( 42 %)\n%( 1 == 1 %? @define kind %( "live" %) %: @define kind %( "dead" %) %)\n');
  const r = await runUtap(['-I', lib, '-e', 'probe begin { println(@answer, @kind) exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '42live\n');
});

test('$1 is substituted as tokens: an expression, a name, a string literal, even a probe point', async () => {
  assert.is(await output('probe begin { println($1 * 2) exit() }', '3 + 4'), '11\n');
  assert.is(await output('probe begin { x = 5; println($1) exit() }', 'x'), '5\n');
  assert.is(await output('probe begin { println($1 . "!") exit() }', '"quoted"'), 'quoted!\n');
  assert.is(await output('probe $1 { println(@1) exit() }', 'begin'), 'begin\n');
  assert.is(await output('probe begin { println($1) exit() }', '--', '-5'), '-5\n');
});

test('preprocessor mistakes are located errors', async () => {
  const cases: Array<[string, RegExp]> = [
    ['probe begin { %( 1 == 1 %? x = 1 }', /<input>:1:15: error: this preprocessor conditional is never closed/],
    ['%( nonsense == 1 %? probe begin {} %)', /<input>:1:4: error: 'nonsense' is not something a preprocessor condition can test/],
    ['%( 1 == "a" %? probe begin {} %)', /<input>:1:9: error: the preprocessor condition compares a number with a string/],
    ['probe begin { %( 1 == 0 %? x = 1 %? x = 2 %) }', /<input>:1:34: error: a preprocessor conditional has one '%\?' only/],
    ['@define f(a) %( @a %) probe begin { x = @f(1, 2) }', /<input>:1:41: error: macro @f takes 1 argument, but 2 were given/],
    ['@define f %( 1 ', /<input>:1:11: error: the body of macro 'f' is never closed/],
  ];
  for (const [script, message] of cases) {
    const r = await runUtap(['-e', script]);
    assert.is(r.status, 1, script);
    assert.match(r.stderr, message);
  }
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
