// C++ probes end to end on both engines, against runtime-c/cxx/shapes.cpp, which prints how often
// it called each function: overloads told apart by their declaration line, template instances,
// constructors and destructors, an anonymous namespace, a lambda; the program with DWARF and
// without (demangled symbols). usymname() and backtraces print demangled names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { runUtap } from '../support/run-utap';
import { sh } from '../support/shell';
import { utapMissing } from '../support/utap-features';

const ROUNDS = 7;

/** The program's own account: `rounds=7 ctor_long=7 ... add_d=21 ...`. */
function truth(stdout: string): Record<string, number> {
  const line = stdout.split('\n').find((l) => l.startsWith('rounds='));
  assert.ok(line, stdout);
  const out: Record<string, number> = {};
  for (const [, k, v] of line!.matchAll(/(\w+)=([0-9.]+)/g)) out[k] = Number(v);
  return out;
}

/** `name count` lines the script printed. */
function counts(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^(.+) (\d+)$/.exec(line);
    if (m && !line.startsWith('rounds=')) out.set(m[1], Number(m[2]));
  }
  return out;
}

const PER_SITE = (binary: string, patterns: string[]) =>
  `global n\nprobe ${patterns.map((p) => `process("${binary}").function("${p}")`).join(', ')} { n[pp()]++ }\nprobe end { foreach (p+ in n) printf("%s %d\\n", p, n[p]) }`;

for (const engine of ['ptrace', 'uprobe'] as const) {
  const missing = utapMissing(engine) ?? (engine === 'uprobe' ? detectBpfFeatures().unavailable : undefined);

  liveTest(test, `${engine}: every overload, constructor, destructor and template instance counted as the program counts (DWARF)`, missing, async () => {
    const bin = fixture('cxx-shapes');
    const r = await runUtap(['--engine', engine, '-c', sh`${bin} ${String(ROUNDS)}`, '-e', PER_SITE(bin, ['geo::Counter::*', 'twice', '*::helper', 'scale', 'main::*'])]);
    assert.is(r.status, 0, r.stderr);
    const t = truth(r.stdout);
    const n = counts(r.stdout);
    const at = (name: string, line?: number): number => {
      const hits = [...n].filter(([pp]) => pp.includes(`.function("${name}${line === undefined ? '' : '@'}`) && (line === undefined || pp.endsWith(`shapes.cpp:${line}")`)));
      assert.is(hits.length, 1, `${name}@${line}: ${r.stdout}`);
      return hits[0][1];
    };
    assert.is(t.rounds, ROUNDS);
    assert.is(at('geo::Counter::Counter', 19), t.ctor_long);
    assert.is(at('geo::Counter::Counter', 20), t.ctor_copy);
    assert.is(at('geo::Counter::~Counter', 21), t.dtor);
    assert.is(at('geo::Counter::add', 22), t.add_l);
    assert.is(at('geo::Counter::add', 23), t.add_ll);
    assert.is(at('geo::Counter::add', 24), t.add_d);
    assert.is(at('geo::twice<long>', 38), t.twice_l);
    assert.is(at('geo::twice<double>', 38), t.twice_d);
    assert.is(at('geo::detail::scale', 14), t.scale);
    assert.is(at('(anonymous namespace)::helper', 44), t.helper);
    assert.is(at('main::{lambda(long)#1}::operator()'), t.lambda);
    assert.is(at('geo::Counter::total', 25), ROUNDS);
    assert.is(at('geo::Counter::operator+=', 26), ROUNDS);
  });

  liveTest(test, `${engine}: without DWARF, demangled symbols; ppfunc() and usymname() name overloads; one overload by its mangled name, one by its signature`, missing, async () => {
    const bin = fixture('cxx-shapes-nodebug');
    const script = `global f, s, one, two\nprobe process("${bin}").function("geo::Counter::add"), process("${bin}").function("twice") { f[ppfunc()]++; s[usymname(uaddr())]++ }\n` +
      `probe process("${bin}").function("_ZN3geo7Counter3addEd") { one++ }\n` +
      `probe process("${bin}").function("Counter::add(long, long)") { two++ }\n` +
      'probe end { foreach (k+ in f) printf("%s %d\\n", k, f[k]); foreach (k+ in s) printf("%s %d\\n", k, s[k]); printf("one %d\\ntwo %d\\n", one, two) }';
    const r = await runUtap(['--engine', engine, '-c', sh`${bin} ${String(ROUNDS)}`, '-e', script]);
    assert.is(r.status, 0, r.stderr);
    const t = truth(r.stdout);
    const n = counts(r.stdout);
    assert.is(n.get('geo::Counter::add'), t.add_l + t.add_ll + t.add_d);
    assert.is(n.get('geo::twice<long>'), t.twice_l);
    assert.is(n.get('geo::twice<double>'), t.twice_d);
    assert.is(n.get('geo::Counter::add(long)'), t.add_l);
    assert.is(n.get('geo::Counter::add(long, long)'), t.add_ll);
    assert.is(n.get('geo::Counter::add(double)'), t.add_d);
    assert.is(n.get('long geo::twice<long>(long)'), t.twice_l);
    assert.is(n.get('double geo::twice<double>(double)'), t.twice_d);
    assert.is(n.get('one'), t.add_d);
    assert.is(n.get('two'), t.add_ll);
  });

  liveTest(test, `${engine}: one overload by its declaration line, .return with $return, a parameter and $this->member`, missing, async () => {
    const bin = fixture('cxx-shapes');
    const script = `probe process("${bin}").function("geo::Counter::add@shapes.cpp:22").return { printf("%s by=%d ret=%d value=%d\\n", ppfunc(), $by, $return, $this->value_) }`;
    const r = await runUtap(['--engine', engine, '-c', sh`${bin} 4`, '-e', script]);
    assert.is(r.status, 0, r.stderr);
    // round i: Counter c(i); c.add(1L) returns i + 1; in .return, $this->value_ is read at entry (i)
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('geo::'));
    assert.equal(lines, [0, 1, 2, 3].map((i) => `geo::Counter::add by=1 ret=${i + 1} value=${i}`));
  });

  liveTest(test, `${engine}: print_ubacktrace() shows demangled frames`, missing, async () => {
    const bin = fixture('cxx-shapes');
    const script = `global done\nprobe process("${bin}").function("scale") { if (!done) { done = 1; print_ubacktrace() } }`;
    const r = await runUtap(['--engine', engine, '-c', sh`${bin} 2`, '-e', script]);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ 0x[0-9a-f]+ : geo::detail::scale\(long, long\)\+0x0\/0x[0-9a-f]+ \[[^\]]*cxx-shapes\]\n 0x[0-9a-f]+ : main\+0x[0-9a-f]+\/0x[0-9a-f]+ \[/m);
  });
}

test.run();
