// Function overloading as SystemTap has it: by arity at compile time, and chains of one arity
// where `next` hands the call to the following function.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

const run = (script: string) => runUtap(['-e', script]);

test('a call picks the function with its number of arguments', async () => {
  const r = await run('function sum(a) { return a } function sum(a, b) { return a + b } function sum(a, b, c) { return a + b + c } probe begin { println(sum(5), " ", sum(5, 6), " ", sum(5, 6, 7)); exit() }');
  assert.is(r.stderr, '');
  assert.is(r.stdout, '5 11 18\n');
});

test('next passes the call, with its arguments, to the next function of the chain', async () => {
  const r = await run(`global mode
function pick(n) { if (mode == 1 || n > 10) return "big" next }
function pick(n) { if (n < 0) return "negative" next }
function pick(n) { return sprintf("plain %d", n) }
probe begin { println(pick(-3)); println(pick(4)); println(pick(40)); mode = 1; println(pick(-3)); exit() }`);
  assert.is(r.stderr, '');
  assert.is(r.stdout, 'negative\nplain 4\nbig\nbig\n');
});

test('in functions returning nothing too', async () => {
  const r = await run('function say(x) { if (x) { println("first") } else next } function say(x) { println("second") } probe begin { say(1); say(0); exit() }');
  assert.is(r.stdout, 'first\nsecond\n');
});

test('next in the last function of a chain is the runtime error all functions exhausted', async () => {
  const r = await run('function only() { next; return 1 } probe begin { println(only()) } probe end { println("end") }');
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^ERROR: all functions exhausted near keyword 'next' at <input>:1:19\n/);
});

test('an arity no overload has is a located error', async () => {
  const r = await runUtap(['--stop-after', 'check', '-e', 'function f(a) { return a } function f(a, b) { return b } probe begin { println(f()) }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:80: error: no function 'f' takes 0 arguments; its overloads take 1 or 2\.\n/);
});

test.run();
