// try/catch as in SystemTap: a runtime error in the try block (error(), division by 0, a call
// that fails deep inside functions) runs the catch block with the message; next, return and
// exit pass through untouched; MAXACTION is not caught.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';

test('errors are caught with their message, also from nested calls; the run goes on', async () => {
  const r = await runUtap(['-e', `function inner(x) { return 10 / x }
function outer(x) { return inner(x) + 1 }
probe begin {
  try { println(outer(0)) } catch (why) { println("caught: ", why) }
  try { error("my own") } catch { println("caught without a variable") }
  try { println("no error") } catch (why) { println("never") }
  println(outer(5))
  exit()
}`]);
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'caught: division by 0\ncaught without a variable\nno error\n3\n');
});

test('next and return leave through a try block without being caught', async () => {
  const r = await runUtap(['-e', `function f() { try { println("return"); return 0 } catch { println("return caught") } println("after return") }
probe begin { f(); try { println("next"); next } catch { println("next caught") } println("after next") }
probe begin(1) { exit() }`]);
  assert.is(r.stdout, 'return\nnext\n');
});

test('MAXACTION is not caught: it still ends the script', async () => {
  const r = await runUtap(['-e', 'probe begin { try { while (1) {} } catch { println("caught") } }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^ERROR: MAXACTION exceeded/);
  assert.is(r.stdout, '');
});

test('in a process probe, on both engines (the uprobe engine runs it in event mode)', async () => {
  const counter = fixture('counter');
  for (const engine of ['ptrace', 'uprobe']) {
    const r = await runUtap(['--engine', engine, '-c', sh`${counter} 3`, '-e', `global n probe process("${counter}").function("work") { try { x = 1 / ($i - $i) } catch (m) { if (m == "division by 0") n++ } } probe end { println(n) }`]);
    assert.is(r.stderr, '', engine);
    assert.match(r.stdout, /\n3\n$/, engine);
  }
});

test('the catch variable is a string', async () => {
  const r = await runUtap(['--stop-after', 'check', '-e', 'probe begin { try { } catch (m) { x = m + 1 } }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:39: error: type mismatch: 'm' is a string/);
});

test.run();
