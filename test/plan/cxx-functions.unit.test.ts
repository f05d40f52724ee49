// C++ probe points as `utap -l` resolves them in runtime-c/cxx/shapes.cpp (namespaces, a class
// with three overloads of add(), a template instantiated for long and double, constructors and a
// destructor, an anonymous namespace, a lambda): with DWARF, and from the demangled symbol table
// of the same program built without -g. The pattern rules live in tracer/plan/function-names.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileFunctionPattern, splitScopes, withoutTemplateArgs } from '../../tracer/plan/function-names';
import { fixture, repoRoot } from '../support/paths';
import { runUtap } from '../support/run-utap';

const DEBUG = fs.realpathSync(fixture('cxx-shapes'));
const NODEBUG = fs.realpathSync(fixture('cxx-shapes-nodebug'));
const SRC = fs.realpathSync(path.join(repoRoot, 'runtime-c', 'cxx', 'shapes.cpp'));

/** The function names `-l` lists for `pattern` (with their @file:LINE when there is DWARF). */
async function listed(binary: string, pattern: string): Promise<string[]> {
  const r = await runUtap(['-l', `process("${binary}").function("${pattern}")`]);
  assert.is(r.status, 0, `${pattern}: ${r.stderr}`);
  return r.stdout.trimEnd().split('\n').map((l) => {
    const m = /^process\("([^"]+)"\)\.function\("(.+)"\)$/.exec(l);
    assert.ok(m, l);
    assert.is(m![1], binary);
    return m![2].replace(`@${SRC}:`, '@');
  });
}

test('pattern rules: scopes split outside brackets, template arguments and ABI tags come off', () => {
  assert.equal(splitScopes('std::vector<std::pair<int, int> >::push_back'), ['std', 'vector<std::pair<int, int> >', 'push_back']);
  assert.equal(splitScopes('main::{lambda(long)#1}::operator()'), ['main', '{lambda(long)#1}', 'operator()']);
  assert.equal(splitScopes('A::operator<'), ['A', 'operator<']);
  assert.is(withoutTemplateArgs('geo::twice<long>'), 'geo::twice');
  assert.is(withoutTemplateArgs('std::operator<< <std::char_traits<char> >'), 'std::operator<<');
  assert.is(withoutTemplateArgs('A::operator<=>'), 'A::operator<=>');
  assert.is(withoutTemplateArgs('A::operator->'), 'A::operator->');
  assert.is(withoutTemplateArgs('foo[abi:cxx11]'), 'foo');
  const names = (name: string, qualified: string, mangled?: string) => ({ name, qualified: () => qualified, mangled: () => mangled });
  const add = names('add', 'geo::Counter::add', '_ZN3geo7Counter3addEl');
  const work = names('work', 'work');
  assert.ok(compileFunctionPattern('Counter::add').matches(add));
  assert.ok(compileFunctionPattern('*::add').matches(add));
  assert.ok(compileFunctionPattern('geo::*').matches(add));
  assert.ok(compileFunctionPattern('_ZN3geo7Counter3add*').matches(add));
  assert.not.ok(compileFunctionPattern('ounter::add').matches(add));
  assert.not.ok(compileFunctionPattern('*::work').matches(work), 'a C function has no scope');
  assert.ok(compileFunctionPattern('wor?').matches(work));
  assert.not.ok(compileFunctionPattern('_Z*').matches(work));
});

test('with DWARF: a bare name finds every overload and every template instance, by qualified name and declaration line', async () => {
  assert.equal(await listed(DEBUG, 'add'), ['geo::Counter::add@22', 'geo::Counter::add@23', 'geo::Counter::add@24']);
  assert.equal(await listed(DEBUG, 'twice'), ['geo::twice<double>@38', 'geo::twice<long>@38']);
  assert.equal(await listed(DEBUG, 'Counter'), ['geo::Counter::Counter@19', 'geo::Counter::Counter@20']);
  assert.equal(await listed(DEBUG, '~Counter'), ['geo::Counter::~Counter@21']);
  assert.equal(await listed(DEBUG, 'helper'), ['(anonymous namespace)::helper@44']);
});

test('with DWARF: qualified names, trailing scopes, globs across scopes, one template instance, mangled names', async () => {
  assert.equal(await listed(DEBUG, 'geo::Counter::add'), ['geo::Counter::add@22', 'geo::Counter::add@23', 'geo::Counter::add@24']);
  assert.equal(await listed(DEBUG, 'Counter::*'), [
    'geo::Counter::Counter@19', 'geo::Counter::Counter@20', 'geo::Counter::add@22', 'geo::Counter::add@23', 'geo::Counter::add@24',
    'geo::Counter::operator+=@26', 'geo::Counter::total@25', 'geo::Counter::~Counter@21',
  ]);
  assert.equal(await listed(DEBUG, '*::scale'), ['geo::detail::scale@14']);
  assert.equal(await listed(DEBUG, 'geo::twice<long>'), ['geo::twice<long>@38']);
  assert.equal(await listed(DEBUG, 'geo::twice'), ['geo::twice<double>@38', 'geo::twice<long>@38']);
  assert.equal(await listed(DEBUG, '*::helper'), ['(anonymous namespace)::helper@44']);
  assert.equal(await listed(DEBUG, 'main::*'), ['main::{lambda(long)#1}::operator()']);
  assert.equal(await listed(DEBUG, '_ZN3geo7Counter3addEd'), ['geo::Counter::add@24']);
  assert.equal(await listed(DEBUG, 'geo::Counter::operator+='), ['geo::Counter::operator+=@26']);
});

test('with DWARF: one overload by its signature (parameters as c++filt prints them, no return type)', async () => {
  assert.equal(await listed(DEBUG, 'geo::Counter::add(long)'), ['geo::Counter::add@22']);
  assert.equal(await listed(DEBUG, 'Counter::add(long, long)'), ['geo::Counter::add@23']);
  assert.equal(await listed(DEBUG, '*(double)'), ['geo::Counter::add@24', 'geo::twice<double>@38']);
  assert.equal(await listed(DEBUG, 'total() const'), ['geo::Counter::total@25']);
  assert.equal(await listed(DEBUG, 'geo::Counter::Counter(geo::Counter const&)'), ['geo::Counter::Counter@20']);
});

test('without DWARF: the same functions from the demangled symbol table, listed by signature', async () => {
  assert.equal(await listed(NODEBUG, 'geo::Counter::*'), [
    'geo::Counter::Counter(geo::Counter const&)', 'geo::Counter::Counter(long)', 'geo::Counter::add(double)', 'geo::Counter::add(long)',
    'geo::Counter::add(long, long)', 'geo::Counter::operator+=(geo::Counter const&)', 'geo::Counter::total() const', 'geo::Counter::~Counter()',
  ]);
  assert.equal(await listed(NODEBUG, 'twice'), ['geo::twice<double>(double)', 'geo::twice<long>(long)']);
  assert.equal(await listed(NODEBUG, '*::helper'), ['(anonymous namespace)::helper(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, std::vector<int, std::allocator<int> > const&)']);
  assert.equal(await listed(NODEBUG, '_ZN3geo7Counter3addEl'), ['geo::Counter::add(long)']);
  // each listed line is a pattern naming just that overload
  for (const line of await listed(NODEBUG, 'geo::Counter::add')) assert.equal(await listed(NODEBUG, line), [line]);
});

test('-L: a method\'s $this and parameters with their C++ types', async () => {
  const r = await runUtap(['-L', `process("${DEBUG}").function("geo::Counter::add(long, long)")`]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, `process("${DEBUG}").function("geo::Counter::add@${SRC}:23") $this:class Counter* const $a:long int $b:long int\n`);
});

test('a C++ name that matches nothing is an error, as for C', async () => {
  const r = await runUtap(['-l', `process("${DEBUG}").function("geo::Nothing::*")`]);
  assert.is(r.status, 1, r.stderr); // -l matching nothing: status 1, as SystemTap (h-access)
  assert.match(r.stderr, /function\("geo::Nothing::\*"\)' matches nothing/);
});

test.run();
