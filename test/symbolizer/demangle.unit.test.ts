// The Itanium C++ demangler against c++filt: every pair below was produced by g++ (the cxx-shapes
// target, libstdc++, LLVM) and demangled by binutils' c++filt when this test was written, so the
// test needs no binutils to run. Names the parser cannot read are undefined to demangle() and
// unchanged to readableName().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { demangle, demangledQualifiedName, demangledSignature, isMangled, readableName } from '../../symbolizer/demangle';

const CXXFILT: Array<[string, string]> = [
  ["_ZN3geo7Counter3addEl", "geo::Counter::add(long)"],
  ["_ZN3geo7Counter3addEll", "geo::Counter::add(long, long)"],
  ["_ZN3geo7Counter3addEd", "geo::Counter::add(double)"],
  ["_ZN3geo7CounterC2El", "geo::Counter::Counter(long)"],
  ["_ZN3geo7CounterC1ERKS0_", "geo::Counter::Counter(geo::Counter const&)"],
  ["_ZN3geo7CounterD2Ev", "geo::Counter::~Counter()"],
  ["_ZN3geo7CounterpLERKS0_", "geo::Counter::operator+=(geo::Counter const&)"],
  ["_ZNK3geo7Counter5totalEv", "geo::Counter::total() const"],
  ["_ZN3geo5twiceIlEET_S1_", "long geo::twice<long>(long)"],
  ["_ZN3geo5twiceIdEET_S1_", "double geo::twice<double>(double)"],
  ["_ZN3geo6detail5scaleEll", "geo::detail::scale(long, long)"],
  ["_ZN12_GLOBAL__N_16helperERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKSt6vectorIiSaIiEE", "(anonymous namespace)::helper(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, std::vector<int, std::allocator<int> > const&)"],
  ["_ZZ4mainENKUllE_clEl", "main::{lambda(long)#1}::operator()(long) const"],
  ["_ZNSt6vectorIiSaIiEEC2ESt16initializer_listIiERKS0_", "std::vector<int, std::allocator<int> >::vector(std::initializer_list<int>, std::allocator<int> const&)"],
  ["_ZSt3minImERKT_S2_S2_", "unsigned long const& std::min<unsigned long>(unsigned long const&, unsigned long const&)"],
  ["_ZNSt12_Vector_baseIiSaIiEE12_Vector_implD1Ev", "std::_Vector_base<int, std::allocator<int> >::_Vector_impl::~_Vector_impl()"],
  ["_ZZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE12_M_constructIPKcEEvT_S8_St20forward_iterator_tagEN6_GuardC1EPS4_", "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_construct<char const*>(char const*, char const*, std::forward_iterator_tag)::_Guard::_Guard(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >*)"],
  ["_ZNSt11__copy_moveILb0ELb1ESt26random_access_iterator_tagE8__copy_mIiEEPT_PKS3_S6_S4_", "int* std::__copy_move<false, true, std::random_access_iterator_tag>::__copy_m<int>(int const*, int const*, int*)"],
  ["_ZNKSs4findERKSsm", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::find(std::basic_string<char, std::char_traits<char>, std::allocator<char> > const&, unsigned long) const"],
  ["_ZNSsC1Ev", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >::basic_string()"],
  ["_ZNSo5flushEv", "std::basic_ostream<char, std::char_traits<char> >::flush()"],
  ["_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc", "std::basic_ostream<char, std::char_traits<char> >& std::operator<< <std::char_traits<char> >(std::basic_ostream<char, std::char_traits<char> >&, char const*)"],
  ["_ZNKSt15__exception_ptr13exception_ptrcvMS0_FvvEEv", "std::__exception_ptr::exception_ptr::operator void (std::__exception_ptr::exception_ptr::*)()() const"],
  ["_ZTVN3geo7CounterE", "vtable for geo::Counter"],
  ["_ZTIN3geo7CounterE", "typeinfo for geo::Counter"],
  ["_ZGVZ4mainE1x", "guard variable for main::x"],
  ["_ZThn8_N3geo7Counter3addEl", "non-virtual thunk to geo::Counter::add(long)"],
  ["_ZNSt5dequeIlSaIlEE16_M_push_back_auxIJRKlEEEvDpOT_", "void std::deque<long, std::allocator<long> >::_M_push_back_aux<long const&>(long const&)"],
  ["_ZN4llvm2cl5applyINS0_3optINS_5Reloc5ModelELb0ENS0_6parserIS4_EEEEA17_cJNS0_4descENS0_11ValuesClassEEEEvPT_RKT0_DpRKT1_", "void llvm::cl::apply<llvm::cl::opt<llvm::Reloc::Model, false, llvm::cl::parser<llvm::Reloc::Model> >, char [17], llvm::cl::desc, llvm::cl::ValuesClass>(llvm::cl::opt<llvm::Reloc::Model, false, llvm::cl::parser<llvm::Reloc::Model> >*, char const (&) [17], llvm::cl::desc const&, llvm::cl::ValuesClass const&)"],
  ["_ZN4llvm11PassManagerINS_6ModuleENS_15AnalysisManagerIS1_JEEEJEE3runERS1_RS3_", "llvm::PassManager<llvm::Module, llvm::AnalysisManager<llvm::Module>>::run(llvm::Module&, llvm::AnalysisManager<llvm::Module>&)"],
  ["_Z3fooPFivEPA3_i", "foo(int (*)(), int (*) [3])"],
  ["_Z3fooi.constprop.0", "foo(int) [clone .constprop.0]"],
  ["_Z3barv.cold", "bar() [clone .cold]"],
  ["_ZL6statici", "static(int)"],
  ["_Z3fooB5cxx11v", "foo[abi:cxx11]()"],
  ["_ZN1AIiE1fIiEEvT_", "void A<int>::f<int>(int)"],
  ["_Z1fIiEvT_", "void f<int>(int)"],
  ["_Z1fILi5EEvv", "void f<5>()"],
  ["_Z1fILb1EEvv", "void f<true>()"],
  ["_ZNKR1A1fEv", "A::f() const &"],
  ["_ZNO1A1fEv", "A::f() &&"],
  ["_Z1fM1AKFivE", "f(int (A::*)() const)"],
  ["_ZZN2ns3fooEvE3bar", "ns::foo()::bar"],
  ["_ZZ4mainE1x_0", "main::x"],
  ["_Z1fDn", "f(decltype(nullptr))"],
  ["_Z1fPVKi", "f(int const volatile*)"],
  ["_ZdlPvm", "operator delete(void*, unsigned long)"],
  ["_Znwm", "operator new(unsigned long)"],
  ["_ZN3geo7CounterD0Ev", "geo::Counter::~Counter()"],
  ["_ZNK2ns1AcviEv", "ns::A::operator int() const"],
  ["_ZN2ns1AixEi", "ns::A::operator[](int)"],
  ["_ZNVK1A1fEv", "A::f() const volatile"],];

test('demangles as c++filt does', () => {
  for (const [mangled, expected] of CXXFILT) assert.is(demangle(mangled), expected, mangled);
});

test('the entity name leaves out parameters, return types and qualifiers', () => {
  const names: Array<[string, string]> = [
    ['_ZN3geo7Counter3addEll', 'geo::Counter::add'],
    ['_ZNK3geo7Counter5totalEv', 'geo::Counter::total'],
    ['_ZN3geo7CounterC2El', 'geo::Counter::Counter'],
    ['_ZN3geo7CounterD1Ev', 'geo::Counter::~Counter'],
    ['_ZN3geo5twiceIdEET_S1_', 'geo::twice<double>'],
    ['_ZN3geo7CounterpLERKS0_', 'geo::Counter::operator+='],
    ['_ZN12_GLOBAL__N_16helperERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEERKSt6vectorIiSaIiEE', '(anonymous namespace)::helper'],
    ['_ZZ4mainENKUllE_clEl', 'main::{lambda(long)#1}::operator()'],
    ['_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc', 'std::operator<< <std::char_traits<char> >'],
    ['_Z3fooi.constprop.0', 'foo'],
  ];
  for (const [mangled, name] of names) assert.is(demangledQualifiedName(mangled), name, mangled);
  // data, not functions: no name to match a function probe against
  assert.is(demangledQualifiedName('_ZTVN3geo7CounterE'), undefined);
  assert.is(demangledQualifiedName('_ZGVZ4mainE1x'), undefined);
  // the signature tells overloads apart: parameters and qualifiers, no return type
  assert.is(demangledSignature('_ZN3geo7Counter3addEll'), 'geo::Counter::add(long, long)');
  assert.is(demangledSignature('_ZNK3geo7Counter5totalEv'), 'geo::Counter::total() const');
  assert.is(demangledSignature('_ZN3geo5twiceIdEET_S1_'), 'geo::twice<double>(double)');
  assert.is(demangledSignature('_ZTVN3geo7CounterE'), undefined);
  // a thunk probes as the function it adjusts `this` for
  assert.is(demangledQualifiedName('_ZThn8_N3geo7Counter3addEl'), 'geo::Counter::add');
});

test('names that are not mangled, or that it cannot read, come back unchanged', () => {
  for (const raw of ['main', 'SendQuery', '_start', '_GLOBAL__sub_I_main', '_Z', '_ZN3geo', '_Z3fooPFivE_junk', '_ZN99xE', '_ZSt', '_ZT_', '_Z1fT_', '_Z1fS3_']) {
    assert.is(demangle(raw), undefined, raw);
    assert.is(readableName(raw), raw, raw);
    assert.is(demangledQualifiedName(raw), undefined, raw);
  }
  assert.is(demangle('_ZN3geo7Counter3addE'), 'geo::Counter::add'); // a data object's name: no parameters
  assert.ok(isMangled('_ZN3geo7Counter3addEl'));
  assert.not.ok(isMangled('work'));
});

test('never throws, whatever the bytes', () => {
  // Every prefix of real names, and names with one character changed: all end in text, no exception.
  let seed = 17;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const alphabet = '_ZNSEKIT0123456789abcdefghijlmnopqrstuvwxyzCDLPRV';
  for (const [mangled] of CXXFILT) {
    for (let i = 0; i < mangled.length; i++) {
      assert.type(readableName(mangled.slice(0, i)), 'string');
      const changed = mangled.slice(0, i) + alphabet[rand(alphabet.length)] + mangled.slice(i + 1);
      assert.type(readableName(changed), 'string');
    }
  }
  assert.type(readableName(`_Z${'N1a'.repeat(2000)}E`), 'string');
  assert.type(readableName(`_Z1f${'P'.repeat(1500)}i`), 'string');
});

test('a name whose substitutions double its text at every level is left mangled (bounded, not exponential)', () => {
  // f(void (*)(int), ...): each parameter a function pointer taking the previous one twice
  const nested = (levels: number): string => {
    let name = '_Z1fPFviE';
    for (let i = 0, k = 1; i < levels; i++, k += 2) {
      const sub = `S${(k - 1).toString(36).toUpperCase()}_`;
      name += `PFv${sub}${sub}E`;
    }
    return name;
  };
  assert.is(demangle(nested(3)), 'f(void (*)(int), void (*)(void (*)(int), void (*)(int)), void (*)(void (*)(void (*)(int), void (*)(int)), void (*)(void (*)(int), void (*)(int))), void (*)(void (*)(void (*)(void (*)(int), void (*)(int)), void (*)(void (*)(int), void (*)(int))), void (*)(void (*)(void (*)(int), void (*)(int)), void (*)(void (*)(int), void (*)(int)))))');
  const deep = nested(30);
  assert.is(readableName(deep), deep);
  assert.is(demangle(deep), undefined);
});

test.run();
