// The Itanium C++ demangler: hand-checked names of each kind, the qualified names probes match,
// and every mangled symbol libstdc++ exports against binutils' c++filt, the text it must equal.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { demangle, demangledQualifiedName, readableName } from '../../symbolizer/demangle';

const CASES: Array<[string, string]> = [
  ['_ZN4shop4Cart3addEi', 'shop::Cart::add(int)'],
  ['_ZN4shop4Cart3addEii', 'shop::Cart::add(int, int)'],
  ['_ZNK4shop4Cart6scaledIlEET_S2_', 'long shop::Cart::scaled<long>(long) const'],
  ['_ZN5audit3addEl', 'audit::add(long)'],
  ['_Z6helperPKcRKSt6vectorIiSaIiEE', 'helper(char const*, std::vector<int, std::allocator<int> > const&)'],
  ['_ZN3box4ItemC2Ev', 'box::Item::Item()'],
  ['_ZN3box4ItemD1Ev', 'box::Item::~Item()'],
  ['_ZN3boxeqERKNS_4ItemES2_', 'box::operator==(box::Item const&, box::Item const&)'],
  ['_Z5applyPFviEi', 'apply(void (*)(int), int)'],
  ['_Z4sumsPA3_i', 'sums(int (*) [3])'],
  ['_ZTVN3box4ItemE', 'vtable for box::Item'],
  ['_ZTIN3box4ItemE', 'typeinfo for box::Item'],
  ['_ZZ4mainE5count', 'main::count'],
  ['_ZN12_GLOBAL__N_14tickEv', '(anonymous namespace)::tick()'],
  ['_Z3maxIiET_S0_S0_', 'int max<int>(int, int)'],
];

test('names of each kind read as c++filt writes them', () => {
  for (const [mangled, text] of CASES) assert.is(demangle(mangled), text, mangled);
});

test('the qualified name probes match, without parameters', () => {
  assert.is(demangledQualifiedName('_ZN4shop4Cart3addEii'), 'shop::Cart::add');
  assert.is(demangledQualifiedName('_ZNK4shop4Cart6scaledIlEET_S2_'), 'shop::Cart::scaled<long>');
  assert.is(demangledQualifiedName('_Z6helperv'), 'helper');
  assert.is(demangledQualifiedName('_ZTVN3box4ItemE'), undefined);
});

test('what is not a mangled name, or not a whole one, stays as it is', () => {
  for (const name of ['main', 'strlen', '_Z', '_ZN4shop', '_ZN4shop4Cart3add', '_Zfoo', '_ZN99tooLongE']) {
    assert.is(demangle(name), undefined, name);
    assert.is(readableName(name), name);
  }
});

test("every mangled symbol libstdc++ exports equals c++filt's text", () => {
  const lib = '/usr/lib/x86_64-linux-gnu/libstdc++.so.6';
  assert.ok(fs.existsSync(lib), `${lib} (libstdc++6) is missing`);
  const names = [...new Set(execFileSync('nm', ['-D', '--defined-only', lib], { maxBuffer: 1 << 28 }).toString().split('\n')
    .map((l) => l.split(' ')[2]?.split('@')[0]).filter((n): n is string => !!n && n.startsWith('_Z')))];
  assert.ok(names.length > 3000, `${names.length} names`);
  const expected = execFileSync('c++filt', [], { input: names.join('\n'), maxBuffer: 1 << 28 }).toString().split('\n');
  const wrong = names.filter((n, i) => demangle(n) !== expected[i]);
  assert.equal(wrong.slice(0, 5).map((n) => [n, demangle(n), expected[names.indexOf(n)]]), []);
});

test.run();
