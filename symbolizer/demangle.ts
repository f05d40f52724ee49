// Itanium C++ ABI demangling (the scheme g++ and clang use on Linux): `_ZN2ns5Klass6methodEi` →
// `ns::Klass::method(int)`, in c++filt's spelling. A recursive-descent parser of the mangling
// grammar (https://itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling) building small name and
// type nodes, then a printer. Names it cannot read — not mangled, truncated, or a form this
// parser does not know — come back unchanged: demangling never throws.
//
// No npm package does this in plain JavaScript (the one registry entry wraps a WASM build of a
// Rust crate for the Firefox profiler), and the symbolizer depends on nothing of ours.

/** The demangled text of `name` (c++filt's), or undefined when it is not a mangled name this parser reads. */
export function demangle(name: string): string | undefined {
  return parse(name)?.full;
}

/** A symbol name as people read it: demangled when it is a C++ name, else as it is. Never throws. */
export function readableName(name: string): string {
  return parse(name)?.full ?? name;
}

/**
 * The qualified name of the function without its parameters, return type or qualifiers —
 * `ns::Klass::method`, `ns::twice<long>`, `ns::Klass::~Klass`, `operator<<` — what a probe point
 * pattern is matched against. Undefined when `name` is not a mangled name this parser reads, or
 * names data (a vtable, typeinfo, a guard variable) rather than a function.
 */
export function demangledQualifiedName(name: string): string | undefined {
  return parse(name)?.name;
}

/** `geo::Counter::add(long)`, `geo::Counter::total() const`: a function's name and parameters without its return type (what tells overloads apart); undefined for what is not a function. */
export function demangledSignature(name: string): string | undefined {
  return parse(name)?.signature;
}

/** Is this an Itanium-mangled name (`_Z...`)? */
export function isMangled(name: string): boolean {
  return name.startsWith('_Z');
}

interface Parsed {
  full: string;
  /** Undefined for the special names of data: vtables, typeinfo, guard variables. */
  name?: string;
  /** A function's name with its parameter list and qualifiers, without the return type. */
  signature?: string;
}

const cache = new Map<string, Parsed | null>();

function parse(name: string): Parsed | undefined {
  if (!isMangled(name) || name.length > 4096) return undefined;
  let hit = cache.get(name);
  if (hit === undefined) {
    try {
      hit = new Demangler(name).mangledName();
    } catch {
      hit = null;
    }
    if (cache.size > 50_000) cache.clear();
    cache.set(name, hit);
  }
  return hit ?? undefined;
}

class Failure extends Error {}

/**
 * A type, printed in two halves around a declarator: `int (*)(long)` is left `int (*` and right
 * `)(long)`; plain types have everything on the left.
 */
interface TypeNode {
  left(): string;
  right(): string;
  /** A function type or array, whose declarator needs parentheses under a pointer. */
  readonly wraps?: boolean;
  /** The builtin `void`, for `f(void)` → `f()`. */
  readonly isVoid?: boolean;
  /** A pack expansion whose pack is empty or whose elements print apart. */
  readonly pack?: TypeNode[];
  /** A reference type: what it refers to, for reference collapsing (`T&` under `&&` is `T&`). */
  readonly ref?: { sym: '&' | '&&'; inner: TypeNode };
}

/**
 * Longest text a type or name may print as. Substitutions let a short name stand for a long text
 * many times over (each `S_` repeats a whole earlier type), so without a bound a crafted symbol
 * would take exponential time and memory; past it the name is left mangled.
 */
const MAX_TEXT = 16_384;

/** A type node with its two halves computed once (never re-evaluated per use). */
function node(left: string, right: string, extra: Partial<Pick<TypeNode, 'wraps' | 'isVoid' | 'pack' | 'ref'>> = {}): TypeNode {
  if (left.length + right.length > MAX_TEXT) throw new Failure('text too long');
  return { left: () => left, right: () => right, ...extra };
}

const text = (s: string): TypeNode => node(s, '');

function print(t: TypeNode): string {
  return t.left() + t.right();
}

/** A name as parsed: its text, and what the encoding needs to know of its last component. */
interface NameNode {
  text: string;
  /** The last component ends in template arguments (then a function's first type is its return type). */
  templated: boolean;
  /** The last component is a constructor, destructor or conversion operator (no return type). */
  noReturn: boolean;
  /** Trailing member-function qualifiers from a nested name (` const`, ` &&`). */
  qualifiers: string;
  /** The template arguments of the last component, for T_ references in the signature. */
  templateArgs?: TypeNode[];
}

const BUILTIN: Record<string, string> = {
  v: 'void', w: 'wchar_t', b: 'bool', c: 'char', a: 'signed char', h: 'unsigned char', s: 'short', t: 'unsigned short',
  i: 'int', j: 'unsigned int', l: 'long', m: 'unsigned long', x: 'long long', y: 'unsigned long long', n: '__int128',
  o: 'unsigned __int128', f: 'float', d: 'double', e: 'long double', g: '__float128', z: '...',
};

const BUILTIN_D: Record<string, string> = {
  d: 'decimal64', e: 'decimal128', f: 'decimal32', h: 'half', i: 'char32_t', s: 'char16_t', u: 'char8_t', a: 'auto',
  c: 'decltype(auto)', n: 'decltype(nullptr)',
};

/** Operator codes → the text after `operator`, and arity (for expression printing). */
const OPERATORS: Record<string, string> = {
  nw: ' new', na: ' new[]', dl: ' delete', da: ' delete[]', ps: '+', ng: '-', ad: '&', de: '*', co: '~', pl: '+', mi: '-',
  ml: '*', dv: '/', rm: '%', an: '&', or: '|', eo: '^', aS: '=', pL: '+=', mI: '-=', mL: '*=', dV: '/=', rM: '%=', aN: '&=',
  oR: '|=', eO: '^=', ls: '<<', rs: '>>', lS: '<<=', rS: '>>=', eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=',
  ss: '<=>', nt: '!', aa: '&&', oo: '||', pp: '++', mm: '--', cm: ',', pm: '->*', pt: '->', cl: '()', ix: '[]', qu: '?',
  aw: ' co_await',
};

/** `S<x>` abbreviations: the name they print as (c++filt's full spelling), and the class name their constructors take. */
const STD_SUBSTITUTIONS: Record<string, { text: string; base: string }> = {
  a: { text: 'std::allocator', base: 'allocator' },
  b: { text: 'std::basic_string', base: 'basic_string' },
  s: { text: 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >', base: 'basic_string' },
  i: { text: 'std::basic_istream<char, std::char_traits<char> >', base: 'basic_istream' },
  o: { text: 'std::basic_ostream<char, std::char_traits<char> >', base: 'basic_ostream' },
  d: { text: 'std::basic_iostream<char, std::char_traits<char> >', base: 'basic_iostream' },
};

/** Template arguments as c++filt prints them: `<a, b>`, a space before a closing `>` after `>`. */
/** Arguments with packs expanded in place (an empty pack is no argument). */
function flatten(args: TypeNode[]): TypeNode[] {
  return args.flatMap((a) => (a.pack ? flatten(a.pack) : [a]));
}

function withArgs(name: string, args: TypeNode[]): string {
  return `${name}${name.endsWith('<') ? ' ' : ''}${templateArgsText(args)}`;
}

function templateArgsText(args: TypeNode[]): string {
  const inner = flatten(args).map(print).join(', ');
  // c++filt's spacing rule looks at the last argument printed: an empty pack prints nothing and no space.
  const last = args[args.length - 1];
  const space = inner.endsWith('>') && !(last && flatten([last]).length === 0);
  if (inner.length > MAX_TEXT) throw new Failure('text too long');
  return `<${inner}${space ? ' ' : ''}>`;
}

class Demangler {
  private pos = 0;
  /** Substitution candidates (S_, S0_, ...): prefixes, template names and non-builtin types. */
  private readonly subs: TypeNode[] = [];
  /** The template arguments T_, T0_, ... refer to. */
  private templateArgs: TypeNode[] = [];
  /** The unqualified name of the last component parsed, for constructor and destructor names. */
  private lastSource = '';

  constructor(private readonly s: string) {}

  mangledName(): Parsed {
    this.expect('_Z');
    const enc = this.encoding();
    let full = enc.full;
    // GCC clones: `.constprop.0`, `.isra.0`, `.cold`, `.part.1` ... print as `[clone .x.N]`.
    if (this.pos < this.s.length) {
      const rest = this.s.slice(this.pos);
      const clones = rest.match(/^(\.[A-Za-z_][A-Za-z0-9_]*(\.[0-9]+)*)+$/);
      if (!clones) throw new Failure('trailing characters');
      for (const m of rest.matchAll(/\.[A-Za-z_][A-Za-z0-9_]*(?:\.[0-9]+)*/g)) full += ` [clone ${m[0]}]`;
    }
    return { full, ...(enc.name !== undefined && { name: enc.name }), ...(enc.signature !== undefined && { signature: enc.signature }) };
  }

  // --- lexing helpers ---------------------------------------------------------------------

  private peek(offset = 0): string {
    return this.s[this.pos + offset] ?? '';
  }

  private next(): string {
    const c = this.s[this.pos];
    if (c === undefined) throw new Failure('unexpected end');
    this.pos++;
    return c;
  }

  private eat(prefix: string): boolean {
    if (this.s.startsWith(prefix, this.pos)) {
      this.pos += prefix.length;
      return true;
    }
    return false;
  }

  private expect(prefix: string): void {
    if (!this.eat(prefix)) throw new Failure(`expected ${prefix} at ${this.pos}`);
  }

  private number(): number {
    const negative = this.eat('n');
    const m = /^[0-9]+/.exec(this.s.slice(this.pos, this.pos + 12));
    if (!m) throw new Failure('expected a number');
    this.pos += m[0].length;
    return negative ? -Number(m[0]) : Number(m[0]);
  }

  /** `<seq-id>`: base 36 in digits and upper-case letters. */
  private seqId(): number {
    let v = 0;
    let any = false;
    for (;;) {
      const c = this.peek();
      if (c >= '0' && c <= '9') v = v * 36 + (c.charCodeAt(0) - 48);
      else if (c >= 'A' && c <= 'Z') v = v * 36 + (c.charCodeAt(0) - 55);
      else break;
      any = true;
      this.pos++;
    }
    if (!any) throw new Failure('expected a seq-id');
    return v;
  }

  // --- encodings ------------------------------------------------------------------------------

  /** `<encoding>`; inside a local name (`withReturn` false) c++filt leaves the return type out. */
  private encoding(withReturn = true): Parsed {
    const special = this.specialName();
    if (special) return special;
    const saved = this.templateArgs;
    const name = this.name();
    if (this.atEnd()) {
      this.templateArgs = saved;
      return { full: name.text, name: name.text };
    }
    if (name.templateArgs) this.templateArgs = name.templateArgs;
    const sig = this.functionSignature(name.templated && !name.noReturn);
    this.templateArgs = saved;
    const prefix = sig.ret && withReturn ? `${sig.ret.left()} ` : '';
    const full = `${prefix}${name.text}${sig.params}${sig.ret && withReturn ? sig.ret.right() : ''}${name.qualifiers}`;
    return { full, name: name.text, signature: `${name.text}${sig.params}${name.qualifiers}` };
  }

  /** At the end of the encoding: the string, a local name's `E`, a literal's `E`, or a clone suffix. */
  private atEnd(): boolean {
    const c = this.peek();
    return c === '' || c === 'E' || c === '.';
  }

  private functionSignature(hasReturn: boolean): { ret?: TypeNode; params: string } {
    const ret = hasReturn ? this.type() : undefined;
    const params: TypeNode[] = [];
    while (!this.atEnd()) params.push(this.type());
    if (params.length === 0) throw new Failure('no parameter types');
    return { ret, params: this.paramList(params) };
  }

  private paramList(params: TypeNode[]): string {
    if (params.length === 1 && params[0].isVoid) return '()';
    const list = `(${flatten(params).map(print).join(', ')})`;
    if (list.length > MAX_TEXT) throw new Failure('text too long');
    return list;
  }

  private specialName(): Parsed | undefined {
    const simple = (label: string, value: string): Parsed => ({ full: `${label}${value}` });
    if (this.eat('TV')) return simple('vtable for ', print(this.type()));
    if (this.eat('TT')) return simple('VTT for ', print(this.type()));
    if (this.eat('TI')) return simple('typeinfo for ', print(this.type()));
    if (this.eat('TS')) return simple('typeinfo name for ', print(this.type()));
    if (this.eat('TH')) return { full: `TLS init function for ${this.name().text}` };
    if (this.eat('TW')) return { full: `TLS wrapper function for ${this.name().text}` };
    if (this.eat('GV')) return simple('guard variable for ', this.name().text);
    if (this.eat('GR')) {
      const name = this.name().text;
      if (!this.eat('_')) {
        this.seqId();
        this.expect('_');
      }
      return simple('reference temporary for ', name);
    }
    if (this.eat('GTt')) {
      const e = this.encoding();
      return { ...e, full: `transaction clone for ${e.full}` };
    }
    if (this.eat('Th')) {
      this.callOffset('h');
      const e = this.encoding();
      return { ...e, full: `non-virtual thunk to ${e.full}` };
    }
    if (this.eat('Tv')) {
      this.callOffset('v');
      const e = this.encoding();
      return { ...e, full: `virtual thunk to ${e.full}` };
    }
    if (this.eat('Tc')) {
      this.callOffset(this.next());
      this.callOffset(this.next());
      const e = this.encoding();
      return { ...e, full: `covariant return thunk to ${e.full}` };
    }
    return undefined;
  }

  private callOffset(kind: string): void {
    this.number();
    if (kind === 'v') {
      this.expect('_');
      this.number();
    } else if (kind !== 'h') throw new Failure('bad call offset');
    this.expect('_');
  }

  // --- names ------------------------------------------------------------------------------------

  private name(): NameNode {
    const c = this.peek();
    if (c === 'N') return this.nestedName();
    if (c === 'Z') return this.localName();
    // <unscoped-template-name> <template-args> | <unscoped-name>
    let label: string;
    let noReturn = false;
    let isSub = false;
    if (c === 'S' && this.peek(1) !== 't') {
      label = print(this.substitution());
      isSub = true;
    } else {
      const std = this.eat('St');
      const u = this.unqualifiedName();
      label = (std ? 'std::' : '') + u.text;
      noReturn = u.noReturn;
    }
    if (this.peek() === 'I') {
      if (!isSub) this.subs.push(text(label));
      const args = this.templateArgList();
      return { text: withArgs(label, args), templated: true, noReturn, qualifiers: '', templateArgs: args };
    }
    if (isSub) throw new Failure('a substitution is not a name');
    return { text: label, templated: false, noReturn, qualifiers: '' };
  }

  private nestedName(): NameNode {
    this.expect('N');
    let qualifiers = this.cvQualifiers();
    if (this.eat('R')) qualifiers += ' &';
    else if (this.eat('O')) qualifiers += ' &&';
    let soFar: string | undefined;
    /** soFar is a substitution as read: already a candidate, not pushed again. */
    let isSub = false;
    let templated = false;
    let noReturn = false;
    let templateArgs: TypeNode[] | undefined;
    /** The class name constructors and destructors of the next component take. */
    let base = '';
    while (!this.eat('E')) {
      const c = this.peek();
      if (c === 'I') {
        if (soFar === undefined) throw new Failure('template args without a name');
        if (!isSub) this.subs.push(text(soFar));
        templateArgs = this.templateArgList();
        soFar = withArgs(soFar, templateArgs);
        templated = true;
        isSub = false;
      } else {
        templated = false;
        noReturn = false;
        templateArgs = undefined;
        let part: string;
        if (c === 'S' && this.peek(1) === 't' && soFar === undefined) {
          this.pos += 2;
          soFar = 'std';
          continue;
        }
        if (c === 'S') {
          if (soFar !== undefined) throw new Failure('substitution inside a nested name');
          soFar = print(this.substitution());
          base = this.lastSource;
          isSub = true;
          if (this.peek() === 'E') throw new Failure('a nested name of one substitution');
          continue;
        }
        isSub = false;
        if (c === 'T') part = print(this.templateParam());
        else if (c === 'D' && (this.peek(1) === 't' || this.peek(1) === 'T')) part = print(this.decltype());
        else {
          this.lastSource = base;
          const u = this.unqualifiedName();
          part = u.text;
          noReturn = u.noReturn;
          if (!u.noReturn && /^[A-Za-z_$(]/.test(u.text)) base = u.text.replace(/\[abi:[^\]]*\]/g, '');
        }
        soFar = soFar === undefined ? part : `${soFar}::${part}`;
      }
      // A prefix followed by more is a substitution candidate (template prefixes are pushed above).
      if (this.peek() !== 'E' && this.peek() !== 'I' && !isSub) this.subs.push(text(soFar));
    }
    if (soFar === undefined) throw new Failure('empty nested name');
    return { text: soFar, templated, noReturn, qualifiers, templateArgs };
  }

  private localName(): NameNode {
    this.expect('Z');
    const saved = this.templateArgs;
    const enc = this.encoding(false);
    this.templateArgs = saved;
    this.expect('E');
    if (this.eat('s')) {
      this.discriminator();
      return { text: `${enc.full}::string literal`, templated: false, noReturn: false, qualifiers: '' };
    }
    if (this.eat('d')) {
      if (this.peek() !== '_') this.number();
      this.expect('_');
    }
    const entity = this.name();
    this.discriminator();
    return { ...entity, text: `${enc.full}::${entity.text}` };
  }

  private discriminator(): void {
    if (this.peek() !== '_') return;
    if (this.eat('__')) {
      this.number();
      this.expect('_');
    } else {
      this.pos++;
      if (!/[0-9]/.test(this.peek())) throw new Failure('bad discriminator');
      this.pos++;
    }
  }

  private cvQualifiers(): string {
    // Mangled r V K, printed by c++filt the other way round: `int const volatile*`.
    let q = '';
    if (this.eat('r')) q = ' restrict' + q;
    if (this.eat('V')) q = ' volatile' + q;
    if (this.eat('K')) q = ' const' + q;
    return q;
  }

  private unqualifiedName(): { text: string; noReturn: boolean } {
    const c = this.peek();
    let text: string;
    let noReturn = false;
    if (c >= '0' && c <= '9') {
      text = this.sourceName();
      this.lastSource = text;
    } else if (c === 'C' && /[1-5I]/.test(this.peek(1))) {
      this.pos++;
      if (this.eat('I')) {
        this.next();
        this.type(); // inheriting constructor: the base class
      } else this.pos++;
      text = this.lastSource;
      noReturn = true;
    } else if (c === 'D' && /[0-5]/.test(this.peek(1))) {
      this.pos += 2;
      text = `~${this.lastSource}`;
      noReturn = true;
    } else if (c === 'U') {
      text = this.unnamedType();
    } else if (c === 'D' && this.peek(1) === 'C') {
      this.pos += 2;
      const names: string[] = [];
      while (!this.eat('E')) names.push(this.sourceName());
      text = `[${names.join(', ')}]`;
    } else if (c === 'L') {
      // internal linkage (clang's L prefix on static names)
      this.pos++;
      return this.unqualifiedName();
    } else {
      const op = this.operatorName();
      text = op.text;
      noReturn = op.conversion;
    }
    while (this.peek() === 'B') {
      this.pos++;
      text += `[abi:${this.sourceName()}]`;
    }
    if (!noReturn && !text.startsWith('operator') && !text.startsWith('{')) this.lastSource = text.replace(/\[abi:[^\]]*\]/g, '');
    return { text, noReturn };
  }

  private sourceName(): string {
    const length = this.number();
    if (length <= 0 || this.pos + length > this.s.length) throw new Failure('bad source name');
    const id = this.s.slice(this.pos, this.pos + length);
    this.pos += length;
    if (id.startsWith('_GLOBAL_') && /^_GLOBAL_[._$]N/.test(id)) return '(anonymous namespace)';
    return id;
  }

  private operatorName(): { text: string; conversion: boolean } {
    const code = this.s.slice(this.pos, this.pos + 2);
    if (code === 'cv') {
      this.pos += 2;
      return { text: `operator ${print(this.type())}`, conversion: true };
    }
    if (code === 'li') {
      this.pos += 2;
      return { text: `operator"" ${this.sourceName()}`, conversion: false };
    }
    if (code[0] === 'v' && /[0-9]/.test(code[1] ?? '')) {
      this.pos += 2;
      return { text: `operator ${this.sourceName()}`, conversion: false };
    }
    const op = OPERATORS[code];
    if (op === undefined) throw new Failure(`unknown operator ${code}`);
    this.pos += 2;
    return { text: `operator${op}`, conversion: false };
  }

  /** `Ut [n] _` an unnamed type, `Ul <params> E [n] _` a lambda. */
  private unnamedType(): string {
    if (this.eat('Ut')) {
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      return `{unnamed type#${n}}`;
    }
    if (this.eat('Ul')) {
      const params: TypeNode[] = [];
      while (!this.eat('E')) params.push(this.type());
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      return `{lambda${this.paramList(params)}#${n}}`;
    }
    throw new Failure('unknown unnamed type');
  }

  // --- template arguments ---------------------------------------------------------------------

  private templateArgList(): TypeNode[] {
    this.expect('I');
    const args: TypeNode[] = [];
    while (!this.eat('E')) args.push(this.templateArg());
    return args;
  }

  private templateArg(): TypeNode {
    const c = this.peek();
    if (c === 'L') return this.exprPrimary();
    if (c === 'X') {
      this.pos++;
      const e = this.expression();
      this.expect('E');
      return text(e);
    }
    if (c === 'J') {
      this.pos++;
      const elems: TypeNode[] = [];
      while (!this.eat('E')) elems.push(this.templateArg());
      return node(elems.map(print).join(', '), '', { pack: elems });
    }
    return this.type();
  }

  /** `L <type> <value> E`, `L _Z <encoding> E`. */
  private exprPrimary(): TypeNode {
    this.expect('L');
    if (this.eat('_Z')) {
      const e = this.encoding();
      this.expect('E');
      return text(e.full);
    }
    const t = this.type();
    const typeText = print(t);
    const m = /^n?[0-9a-f]*/.exec(this.s.slice(this.pos));
    const raw = m ? m[0] : '';
    this.pos += raw.length;
    this.expect('E');
    const value = raw.startsWith('n') ? `-${raw.slice(1)}` : raw;
    switch (typeText) {
      case 'bool': return text(value === '0' ? 'false' : value === '1' ? 'true' : `(bool)${value}`);
      case 'int': return text(value);
      case 'unsigned int': return text(`${value}u`);
      case 'long': return text(`${value}l`);
      case 'unsigned long': return text(`${value}ul`);
      case 'long long': return text(`${value}ll`);
      case 'unsigned long long': return text(`${value}ull`);
      case 'decltype(nullptr)': return text('nullptr');
      default: return text(`(${typeText})${value}`);
    }
  }

  /** The few expressions template arguments commonly hold: parameters, literals, sizeof. */
  private expression(): string {
    const c = this.peek();
    if (c === 'L') return print(this.exprPrimary());
    if (c === 'T') return print(this.templateParam());
    if (this.eat('fp')) {
      this.cvQualifiers();
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      return n === 1 ? '{parm#1}' : `{parm#${n}}`;
    }
    if (this.eat('st')) return `sizeof (${print(this.type())})`;
    if (this.eat('sz')) return `sizeof (${this.expression()})`;
    if (this.eat('sr')) {
      const t = print(this.type());
      const u = this.unqualifiedName().text;
      return `${t}::${u}`;
    }
    const code = this.s.slice(this.pos, this.pos + 2);
    const op = OPERATORS[code];
    if (op !== undefined && !['nw', 'na', 'dl', 'da', 'cl', 'cv', 'qu'].includes(code)) {
      this.pos += 2;
      const unary = ['ps', 'ng', 'ad', 'de', 'co', 'nt'].includes(code);
      const a = this.expression();
      if (unary) return `${op.trim()}(${a})`;
      const b = this.expression();
      return `(${a})${op.trim()}(${b})`;
    }
    throw new Failure('unsupported expression');
  }

  private templateParam(): TypeNode {
    this.expect('T');
    const index = this.peek() === '_' ? 0 : this.number() + 1;
    this.expect('_');
    const arg = this.templateArgs[index];
    if (!arg) throw new Failure('template parameter out of range');
    return arg;
  }

  private decltype(): TypeNode {
    this.expect('D');
    this.next();
    const e = this.expression();
    this.expect('E');
    return text(`decltype (${e})`);
  }

  // --- substitutions -----------------------------------------------------------------------------

  private substitution(): TypeNode {
    this.expect('S');
    const c = this.peek();
    const std = STD_SUBSTITUTIONS[c];
    if (std) {
      this.pos++;
      this.lastSource = std.base;
      return text(std.text);
    }
    if (c === 't') throw new Failure('St is not a substitution here');
    const index = this.eat('_') ? 0 : this.seqId() + 1;
    if (index > 0) this.expect('_');
    const sub = this.subs[index];
    if (!sub) throw new Failure('substitution out of range');
    const printed = print(sub);
    const last = printed.replace(/<.*$/s, '').split('::').pop() ?? '';
    if (last) this.lastSource = last;
    return sub;
  }

  // --- types -------------------------------------------------------------------------------------

  private type(): TypeNode {
    const c = this.peek();
    const builtin = BUILTIN[c];
    if (builtin !== undefined) {
      this.pos++;
      return node(builtin, '', { isVoid: c === 'v' });
    }
    if (c === 'u') {
      this.pos++;
      const t = text(this.sourceName());
      this.subs.push(t);
      return t;
    }
    if (c === 'D') {
      const d = this.peek(1);
      if (BUILTIN_D[d] !== undefined) {
        this.pos += 2;
        return text(BUILTIN_D[d]);
      }
      if (d === 'F') {
        // DF <number> _: _FloatN
        this.pos += 2;
        const n = this.number();
        this.expect('_');
        return text(`_Float${n}`);
      }
      if (d === 'p') {
        this.pos += 2;
        const inner = this.type();
        const t: TypeNode = inner.pack ? node(inner.pack.map(print).join(', '), '', { pack: inner.pack }) : inner;
        this.subs.push(t);
        return t;
      }
      if (d === 't' || d === 'T') {
        const t = this.decltype();
        this.subs.push(t);
        return t;
      }
      if (d === 'x' || d === 'o' || d === 'O' || d === 'w') {
        // exception specifications on function types: noexcept is printed, throw() dropped
        return this.functionType();
      }
      throw new Failure(`unknown type D${d}`);
    }
    if (c === 'r' || c === 'V' || c === 'K') {
      const q = this.cvQualifiers();
      if (this.peek() === 'F') {
        const f = this.functionType(q);
        this.subs.push(f);
        return f;
      }
      const inner = this.type();
      const t = qualified(inner, q);
      this.subs.push(t);
      return t;
    }
    if (c === 'P' || c === 'R' || c === 'O') {
      this.pos++;
      const inner = this.type();
      const t = pointerTo(inner, c === 'P' ? '*' : c === 'R' ? '&' : '&&');
      this.subs.push(t);
      return t;
    }
    if (c === 'C' || c === 'G') {
      this.pos++;
      const inner = this.type();
      const t = text(`${print(inner)} ${c === 'C' ? '_Complex' : '_Imaginary'}`);
      this.subs.push(t);
      return t;
    }
    if (c === 'F') {
      const f = this.functionType();
      this.subs.push(f);
      return f;
    }
    if (c === 'A') {
      this.pos++;
      let dim = '';
      if (this.peek() !== '_') {
        if (/[0-9]/.test(this.peek())) dim = String(this.number());
        else dim = this.expression();
      }
      this.expect('_');
      const inner = this.type();
      const t = node(inner.left(), ` [${dim}]${inner.right()}`.replace(/^ \[(.*?)\] \[/, ' [$1]['), { wraps: true });
      this.subs.push(t);
      return t;
    }
    if (c === 'M') {
      this.pos++;
      const cls = print(this.type());
      const member = this.type();
      let t: TypeNode;
      if (member.wraps && member.right().startsWith('(')) {
        t = node(`${member.left().trimEnd()} (${cls}::*`, `)${member.right()}`);
      } else t = node(`${member.left()} ${cls}::*`, member.right());
      this.subs.push(t);
      return t;
    }
    if (c === 'T') {
      const p = this.templateParam();
      this.subs.push(p);
      if (this.peek() === 'I') {
        const args = this.templateArgList();
        const t = text(withArgs(print(p), args));
        this.subs.push(t);
        return t;
      }
      return p;
    }
    if (c === 'S') {
      if (this.peek(1) === 't') {
        const n = this.name();
        const t = text(n.text);
        this.subs.push(t);
        return t;
      }
      const sub = this.substitution();
      if (this.peek() === 'I') {
        const args = this.templateArgList();
        const t = text(withArgs(print(sub), args));
        this.subs.push(t);
        return t;
      }
      return sub;
    }
    if (c === 'N' || c === 'Z' || (c >= '0' && c <= '9')) {
      const n = this.name();
      const t = text(n.text);
      this.subs.push(t);
      return t;
    }
    throw new Failure(`unknown type ${c}`);
  }

  /** `[<CV>] [Dx] F [Y] <return> <params> [R|O] E`. */
  private functionType(cv = ''): TypeNode {
    let noexcept = '';
    if (this.eat('Dx')) noexcept = ' noexcept';
    else if (this.eat('Do')) noexcept = ' noexcept';
    else if (this.eat('DO')) {
      this.expression();
      this.expect('E');
      noexcept = ' noexcept';
    } else if (this.eat('Dw')) {
      while (!this.eat('E')) this.type();
    }
    this.expect('F');
    this.eat('Y');
    const ret = this.type();
    const params: TypeNode[] = [];
    let ref = '';
    for (;;) {
      if (this.eat('E')) break;
      if (this.peek() === 'R' && this.peek(1) === 'E') {
        this.pos += 2;
        ref = ' &';
        break;
      }
      if (this.peek() === 'O' && this.peek(1) === 'E') {
        this.pos += 2;
        ref = ' &&';
        break;
      }
      params.push(this.type());
    }
    const list = this.paramList(params);
    return node(`${ret.left()} `, `${list}${cv}${ref}${noexcept}${ret.right()}`, { wraps: true });
  }
}

function qualified(inner: TypeNode, q: string): TypeNode {
  if (inner.pack) {
    const elems = inner.pack.map((e) => qualified(e, q));
    return node(elems.map(print).join(', '), '', { pack: elems });
  }
  if (inner.wraps && inner.right().startsWith('(')) {
    return node(inner.left(), `${inner.right()}${q}`, { wraps: true });
  }
  // T const where T is already const (a substituted `K` type) stays `T const`.
  const left = inner.left();
  const add = q.split(' ').filter((w) => w && !left.split(' ').includes(w)).map((w) => ` ${w}`).join('');
  return node(`${left}${add}`, inner.right(), inner.wraps ? { wraps: true } : {});
}

function pointerTo(inner: TypeNode, sym: '*' | '&' | '&&'): TypeNode {
  if (sym !== '*' && inner.ref) return pointerTo(inner.ref.inner, sym === '&' || inner.ref.sym === '&' ? '&' : '&&');
  const node = pointerNode(inner, sym);
  return sym === '*' ? node : { ...node, ref: { sym, inner } };
}

function pointerNode(inner: TypeNode, sym: '*' | '&' | '&&'): TypeNode {
  if (inner.pack) {
    const elems = inner.pack.map((e) => pointerTo(e, sym));
    return node(elems.map(print).join(', '), '', { pack: elems });
  }
  if (inner.wraps) {
    // int (*)(long), int (&) [3]
    const l = inner.left();
    return node(`${l.endsWith(' ') ? l : `${l} `}(${sym}`, `)${inner.right().replace(/^ /, '')}`.replace(/^\)\[/, ') ['));
  }
  const l = inner.left();
  return node(`${l}${sym}`, inner.right());
}
