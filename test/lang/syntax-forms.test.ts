// Forms of SystemTap's grammar, through the real CLI: adjacent string literals glued (also in
// probe point arguments), keywords as member names, literals up to 2^64-1, octal escapes as
// single bytes, `&$var`, the refusals SystemTap makes in its parser (an array with an initial
// value, `return` in a probe, embedded C without -g) and `--stop-after parse|check`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

test('adjacent string literals are one literal', async () => {
  const r = await runUtap(['-e', 'probe begin { println("a" "b" /* comment */ "c") exit() }']);
  assert.is(r.stdout, 'abc\n');
});

test('18446744073709551615 is a literal (wrapping to -1); 2^64 is not', async () => {
  let r = await runUtap(['-e', 'probe begin { printf("%d %x\\n", 18446744073709551615, 18446744073709551615) exit() }']);
  assert.is(r.stdout, '-1 ffffffffffffffff\n');
  r = await runUtap(['-e', 'probe begin { x = 18446744073709551616 }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:19: error: the number 18446744073709551616 does not fit in 64 bits\./);
});

test('octal escapes from \\200 up are single bytes; UTF-8 text is its bytes', async () => {
  const r = await runUtap(['-e', 'probe begin { printf("%d %d %d\\n", strlen("\\200\\377"), strlen("é"), "\\377" == "\\xff") exit() }']);
  assert.is(r.stdout, '2 2 1\n');
});

test('keywords are member names after ->; &$var and $var$ parse in process probes', async () => {
  const r = await runUtap(['--stop-after', 'check', '-e', 'probe process("/bin/true").function("main") { printf("%x %x %s\\n", $timer->function, &$argv, $argv$) }']);
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
});

test('a return without a value ends at ; or } (as SystemTap: a keyword after it is an error); private NAME is a private global', async () => {
  const r = await runUtap(['-e', 'private count = 2\nfunction f() {\n  println("in f")\n  return;\n  if (1) println("never")\n}\nprobe begin { f(); println(count); exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'in f\n2\n');
  const bad = await runUtap(['--stop-after', 'parse', '-e', 'function f() {\n  return\n  if (1) println("never")\n}\nprobe begin { f() }']);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /^<input>:3:3: error: 'if' cannot be used here/);
});

test('a conditional used as a statement may have calls that give no value on its sides', async () => {
  const r = await runUtap(['-e', 'global n\nprobe begin { for (i = 0; i < 3; i++) { ++n % 2 ? printf("odd ") : printf("even ") } println(""); exit() }']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'odd even odd \n');
});

test('--stop-after parse accepts what only the checker refuses; --stop-after check refuses it', async () => {
  const script = 'probe begin { x = 1 + "a" }';
  let r = await runUtap(['--stop-after', 'parse', '-e', script]);
  assert.is(r.status, 0);
  assert.is(r.stdout + r.stderr, '');
  r = await runUtap(['--stop-after', 'check', '-e', script]);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:21: error: type mismatch/);
  r = await runUtap(['--stop-after', 'check', '-e', 'probe begin { println(1) }']);
  assert.is(r.status, 0);
  assert.is(r.stdout, '', 'nothing runs');
});

test('refusals SystemTap makes while parsing', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['-e', 'global a[10] = 42'], /<input>:1:14: error: the array 'a' cannot have an initial value/],
    [['-e', 'probe begin { return }'], /<input>:1:15: error: 'return' is only allowed in a function/],
    [['-e', 'global g\nglobal g\nprobe begin {}'], /<input>:2:8: error: the global 'g' is already declared at <input>:1:8\./],
    [['-e', '%{ int x; %} probe begin {}'], /<input>:1:1: error: embedded C \(%\{ \.\.\. %\}\) is not supported by utap/],
    [['-e', 'probe begin { printd(1, 2, 3) }'], /<input>:1:15: error: printd takes a delimiter string literal first/],
    [['-e', 'probe begin { s = "x"; b = s =~ s }'], /<input>:1:33: error: the right side of '=~' must be a regular expression in a string literal/],
    [['-e', '# nothing but a comment'], /<input>:1:24: error: the script is empty/],
  ];
  for (const [args, message] of cases) {
    const r = await runUtap(['--stop-after', 'parse', ...args]);
    assert.is(r.status, 1, args.join(' '));
    assert.match(r.stderr, message);
  }
  // with -g, embedded C parses (stap -p1 -g accepts it) and the checker refuses it
  const r = await runUtap(['-g', '--stop-after', 'parse', '-e', '%{ int x; %} probe begin {}']);
  assert.is(r.status, 0);
});

test('@var("name") reads the variable as $name does', async () => {
  const r = await runUtap(['-c', sh`${fixture('counter')} 3`, '-e', `probe process("${fixture('counter')}").function("work") { printf("%d=%d ", @var("i"), $i) } probe end { println("") }`]);
  assert.is(r.stderr, '');
  assert.match(r.stdout, /0=0 1=1 2=2 \n$/);
});

test.run();
