// Probe points as SystemTap spells them, through the real CLI: the begin-like aliases (oneshot,
// init, begin(N)/end(N) order), wildcards and {a,b} alternatives over aliases, conditional
// probes `probe P if (cond)`, optional points that cannot exist, and the shapes SystemTap
// refuses (begin.maxactive, a randomized timer.hz).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

async function output(script: string): Promise<string> {
  const r = await runUtap(['-e', script]);
  assert.is(r.stderr, '', script);
  assert.is(r.status, 0);
  return r.stdout;
}

test('oneshot runs its handler once and ends the session; init runs before every begin', async () => {
  assert.is(await output('probe oneshot { println("once") } probe end { println("end") } probe begin(-100) { println("early") } probe init { println("init") }'), 'init\nearly\nonce\nend\n');
});

test('begin(N) and end(N) run in order of N, then of appearance', async () => {
  assert.is(await output('probe begin(5) { println("b5") } probe begin { println("b0") } probe begin(-5) { println("b-5") } probe begin(5) { println("b5 again"); exit() } probe end(2) { println("e2") } probe end(1) { println("e1") }'), 'b-5\nb0\nb5\nb5 again\ne1\ne2\n');
});

test('a wildcard point stands for every alias it matches; {a,b} spells out alternatives', async () => {
  const aliases = 'probe my.one = begin { who = "one" } probe my.two = begin { who = "two" } probe other.three = begin { who = "three" }';
  assert.is(await output(`${aliases} probe my.* { println(who) } probe end { println("end") } probe begin(1) { exit() }`), 'one\ntwo\nend\n');
  assert.is(await output(`${aliases} probe {my,other}.{one,three}? { println(who) } probe begin(1) { exit() }`), 'one\nthree\n');
});

test('alias suffixes: A.rest is every point of alias A with .rest appended, wildcards included', async () => {
  assert.is(await output('probe first.second = begin { println("first.second") } probe third = first { } probe third.second { exit() }'), 'first.second\n');
  const script = 'probe four.sea = begin(1) { println("sea") } probe four.sky = begin(2) { println("sky") } probe four.other = begin(3) { println("other") } probe five = four { } probe five.s* { } probe begin(4) { exit() }';
  assert.is(await output(script), 'sea\nsky\n');
});

test('an alias name defined twice stands for both definitions', async () => {
  assert.is(await output('probe two = begin { n = 1 } probe two = begin(1) { n = 2 } probe two { println(n) } probe begin(2) { exit() }'), '1\n2\n');
});

test('probe P if (cond): the handler runs only while the condition holds', async () => {
  const script = `global enabled = 0, n
probe begin { enabled = $1 }
probe timer.ms(1) if (enabled) { n++ }
probe timer.ms(20) { printf("%s\\n", n > 0 ? "fired" : "silent"); exit() }`;
  let r = await runUtap(['-e', script, '1']);
  assert.is(r.stdout, 'fired\n');
  r = await runUtap(['-e', script, '0']);
  assert.is(r.stdout, 'silent\n');
});

test('an optional point that cannot exist is dropped; a required one is an error', async () => {
  assert.is(await output('probe kernel.function("nothing")?, begin { println("begin only"); exit() }'), 'begin only\n');
  const r = await runUtap(['-e', 'probe nosuch.thing { }']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^<input>:1:7: error: unknown probe point 'nosuch.thing'/);
});

test('shapes SystemTap refuses: begin.maxactive, end(N) with a string, timer.hz().randomize', async () => {
  const cases: Array<[string, RegExp]> = [
    ['probe begin.maxactive(3) { }', /<input>:1:7: error: 'begin' takes nothing after it \(found \.maxactive\); \.maxactive is only for kernel return probes\./],
    ['probe end("x") { }', /<input>:1:7: error: end\(N\) takes a number/],
    ['probe timer.hz(100).randomize(5) { }', /<input>:1:7: error: timer\.hz\(N\) cannot be randomized/],
    ['probe timer.ms(10).every(5) { }', /<input>:1:7: error: timer\.ms\(N\) may only be followed by \.randomize\(M\)/],
    ['probe a*b = begin { }', /<input>:1:7: error: an alias name is made of plain names joined by dots/],
    ['probe process("/bin/true").function("_start").return { }', /<input>:1:7: error: _start cannot be probed with \.return: it never returns/],
  ];
  for (const [script, message] of cases) {
    const r = await runUtap(['--stop-after', 'check', '-e', script]);
    assert.is(r.status, 1, script);
    assert.match(r.stderr, message);
  }
});

test.run();
