// C++ probes by qualified name on both engines, against runtime-c/targets/cxx-shop.cc, which
// prints each call: `function("shop::Cart::add")` fires for both overloads and not for
// audit::add, `*::add` for all three, a template instance by its arguments; usymname() and
// backtraces show demangled names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const TARGET = fixture('cxx-shop');

test('-l: qualified names, globs over scopes, a template by its arguments', async () => {
  const list = async (pattern: string) => (await runUtap(['-l', `process("${TARGET}").function("${pattern}")`])).stdout.trim().split('\n').filter(Boolean);
  assert.is((await list('shop::Cart::add')).length, 2);
  assert.is((await list('*::add')).length, 3);
  assert.is((await list('audit::*')).length, 1);
  assert.equal((await list('shop::Cart::scaled<long>')).map((l) => /function\("([^@"]+)/.exec(l)![1]), ['shop::Cart::scaled<long>']);
  assert.equal(await list('shop::Kart::add'), []);
});

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);
  liveTest(test, `${engine}: overloads and templates fire by qualified name; usymname and backtraces are demangled`, missing, async () => {
    const script = `global n
probe process(@1).function("shop::Cart::add") { n[usymname(uaddr())]++ }
probe process(@1).function("*::add").call { n["any add"]++ }
probe process(@1).function("shop::Cart::scaled<int>") { n[usymname(uaddr())]++ if (n["bt"]++ == 0) print_ubacktrace() }
probe end { foreach (k+ in n) printf("count %s = %d\\n", k, n[k]) }`;
    const r = await runUtap(['--engine', engine, '-c', sh`${TARGET} 3`, '-e', script, TARGET]);
    assert.is(r.status, 0, r.stderr);
    const calls = (what: string) => r.stdout.split('\n').filter((l) => l.startsWith(`call ${what}`)).length;
    const counts = r.stdout.split('\n').filter((l) => l.startsWith('count '));
    assert.equal(counts, [
      `count any add = ${calls('add(int) ') + calls('add(int, int) ') + calls('audit::add')}`,
      `count bt = ${calls('scaled') / 2}`,
      `count int shop::Cart::scaled<int>(int) const = ${calls('scaled') / 2}`,
      `count shop::Cart::add(int) = ${calls('add(int) ')}`,
      `count shop::Cart::add(int, int) = ${calls('add(int, int) ')}`,
    ]);
    assert.match(r.stdout, /^ 0x[0-9a-f]+ : int shop::Cart::scaled<int>\(int\) const\+0x[0-9a-f]+\/0x[0-9a-f]+ \[[^\]]+cxx-shop\]\n 0x[0-9a-f]+ : main\+/m);
  });
}

test.run();
