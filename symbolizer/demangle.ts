// C++ symbol names (the Itanium C++ ABI mangling GCC and Clang use, `_ZN4shop4Cart3addEi`) as
// people write them (`shop::Cart::add(int)`), in the text c++filt prints, for listings,
// usymname() and backtraces; and the qualified name alone (`shop::Cart::add`) that
// `.function("shop::Cart::add")` probes match. Covers names, namespaces, classes, templates,
// constructors and destructors, operators, function parameters with their types (builtin,
// qualified, pointers, references, arrays, functions, pointers to members), substitutions and
// template parameters, local names, and the special names (vtable, typeinfo, thunks, guard
// variables). What it cannot read gives undefined, and callers show the name as it is.

/** A type, kept as structure until printed (declarators wrap around the name they declare). */
type Type =
  | { kind: 'name'; text: string; template?: boolean }
  | { kind: 'cv'; quals: string; inner: Type }
  | { kind: 'pointer' | 'lref' | 'rref'; inner: Type }
  | { kind: 'function'; ret?: Type; params: Type[]; quals: string }
  | { kind: 'array'; dim: string; inner: Type }
  | { kind: 'member'; cls: Type; inner: Type }
  | { kind: 'pack'; inner: Type }
  /** A template argument pack (`J ... E`): its types, printed as a list. */
  | { kind: 'args'; items: Type[] };

class Failure extends Error {}

const BUILTIN: Record<string, string> = {
  v: 'void', w: 'wchar_t', b: 'bool', c: 'char', a: 'signed char', h: 'unsigned char', s: 'short', t: 'unsigned short',
  i: 'int', j: 'unsigned int', l: 'long', m: 'unsigned long', x: 'long long', y: 'unsigned long long', n: '__int128',
  o: 'unsigned __int128', f: 'float', d: 'double', e: 'long double', g: '__float128', z: '...',
};
const BUILTIN_D: Record<string, string> = {
  d: 'decimal64', e: 'decimal128', f: 'decimal32', h: 'half', i: 'char32_t', s: 'char16_t', u: 'char8_t', a: 'auto', c: 'decltype(auto)', n: 'decltype(nullptr)',
};
const OPERATORS: Record<string, string> = {
  nw: 'new', na: 'new[]', dl: 'delete', da: 'delete[]', ps: '+', ng: '-', ad: '&', de: '*', co: '~', pl: '+', mi: '-',
  ml: '*', dv: '/', rm: '%', an: '&', or: '|', eo: '^', aS: '=', pL: '+=', mI: '-=', mL: '*=', dV: '/=', rM: '%=',
  aN: '&=', oR: '|=', eO: '^=', ls: '<<', rs: '>>', lS: '<<=', rS: '>>=', eq: '==', ne: '!=', lt: '<', gt: '>',
  le: '<=', ge: '>=', ss: '<=>', nt: '!', aa: '&&', oo: '||', pp: '++', mm: '--', cm: ',', pm: '->*', pt: '->',
  cl: '()', ix: '[]', qu: '?', st: 'sizeof ', sz: 'sizeof ', at: 'alignof ', az: 'alignof ',
};
const STD_SUBS: Record<string, string> = {
  t: 'std', a: 'std::allocator', b: 'std::basic_string', s: 'std::string', i: 'std::istream', o: 'std::ostream', d: 'std::iostream',
};
// c++filt's spellings of std::string and the streams
const STD_FULL: Record<string, string> = {
  s: 'std::basic_string<char, std::char_traits<char>, std::allocator<char> >',
  i: 'std::basic_istream<char, std::char_traits<char> >',
  o: 'std::basic_ostream<char, std::char_traits<char> >',
  d: 'std::basic_iostream<char, std::char_traits<char> >',
};

function render(t: Type, declarator = ''): string {
  switch (t.kind) {
    case 'name':
      return t.text + declarator;
    case 'cv':
      return render(t.inner, ` ${t.quals}${declarator}`);
    case 'pointer': case 'lref': case 'rref': {
      const sigil = t.kind === 'pointer' ? '*' : t.kind === 'lref' ? '&' : '&&';
      if (t.inner.kind === 'function' || t.inner.kind === 'array') return render(t.inner, `(${sigil}${declarator})`);
      return render(t.inner, sigil + declarator);
    }
    case 'function': {
      const params = t.params.length === 1 && t.params[0].kind === 'name' && t.params[0].text === 'void' ? '' : t.params.map((p) => render(p)).join(', ');
      const head = t.ret ? render(t.ret) : '';
      return `${head}${head && declarator ? ' ' : head ? ' ' : ''}${declarator}(${params})${t.quals}`;
    }
    case 'array':
      return `${render(t.inner)} ${declarator ? `${declarator} ` : ''}[${t.dim}]`;
    case 'member':
      if (t.inner.kind === 'function') return render(t.inner, `(${render(t.cls)}::*${declarator})`);
      return render(t.inner, ` ${render(t.cls)}::*${declarator}`);
    case 'pack':
      return render(t.inner, declarator);
    case 'args':
      return t.items.map((x) => render(x, declarator)).join(', ');
  }
}

/** A pointer or reference to `inner`, over each type of a pack, with C++'s reference collapsing. */
function wrap(kind: 'pointer' | 'lref' | 'rref', inner: Type): Type {
  if (inner.kind === 'args') return { kind: 'args', items: inner.items.map((x) => wrap(kind, x)) };
  if (kind !== 'pointer' && (inner.kind === 'lref' || inner.kind === 'rref')) return kind === 'rref' ? inner : { kind: 'lref', inner: inner.inner };
  return { kind, inner };
}

const named = (text: string, template = false): Type => ({ kind: 'name', text, template });
/** `operator<` followed by `<args>` keeps a space between them, as c++filt writes it. */
const withArgs = (name: string, args: string): string => (name.endsWith('<') ? `${name} ${args}` : name + args);

class Demangler {
  private i = 0;
  private readonly subs: Type[] = [];
  private templateArgs: Type[] = [];
  private steps = 0;

  constructor(private readonly s: string) {}

  private peek(k = 0): string {
    return this.s[this.i + k] ?? '';
  }

  private take(text: string): boolean {
    if (this.s.startsWith(text, this.i)) {
      this.i += text.length;
      return true;
    }
    return false;
  }

  private expect(text: string): void {
    if (!this.take(text)) throw new Failure();
  }

  private guard(): void {
    if (++this.steps > 20000) throw new Failure();
  }

  get done(): boolean {
    return this.i >= this.s.length;
  }

  get rest(): string {
    return this.s.slice(this.i);
  }

  private number(): number {
    const m = /^n?\d+/.exec(this.rest);
    if (!m) throw new Failure();
    this.i += m[0].length;
    return m[0].startsWith('n') ? -Number(m[0].slice(1)) : Number(m[0]);
  }

  private seqId(): number {
    // base 36, digits then capital letters; "_" alone is 0, "N_" is N+1
    if (this.take('_')) return 0;
    const m = /^[0-9A-Z]+/.exec(this.rest);
    if (!m) throw new Failure();
    this.i += m[0].length;
    this.expect('_');
    return parseInt(m[0], 36) + 1;
  }

  private sourceName(): string {
    const n = this.number();
    if (n <= 0 || this.i + n > this.s.length) throw new Failure();
    const id = this.s.slice(this.i, this.i + n);
    this.i += n;
    return id.startsWith('_GLOBAL__N') ? '(anonymous namespace)' : id;
  }

  /** `_Z <encoding>`: the whole symbol, with a trailing `.clone.N`-style suffix as c++filt shows it. */
  symbol(): string {
    this.expect('_Z');
    const text = this.encoding(true);
    if (this.done) return text;
    const suffix = /^(\.[A-Za-z_]+(\.\d+)*)+$/.exec(this.rest);
    if (!suffix) throw new Failure();
    return `${text} [clone ${this.rest}]`.replace(/\[clone ((?:\.[^.\d][^.]*(?:\.\d+)*))\]$/, (_, all: string) => all.split(/(?=\.[A-Za-z_])/).map((c) => `[clone ${c}]`).join(' '));
  }

  /** The qualified name of the entity only, without parameters (`ns::Klass::method`). */
  qualifiedName(): string {
    this.expect('_Z');
    if (this.peek() === 'T' || this.peek() === 'G') throw new Failure();
    const { text } = this.name();
    return text;
  }

  /** A function's encoding; `inScope` when it names the scope of a local name (no return type shown). */
  private encoding(top: boolean, inScope = false): string {
    this.guard();
    if (this.peek() === 'T' || (this.peek() === 'G' && /^G[VRT]/.test(this.rest))) return this.specialName();
    const saved = this.templateArgs;
    const { text, template, ctorDtor, cvQuals } = this.name();
    if (this.done || this.peek() === 'E' || this.peek() === '.') return text;
    if (!top && this.peek() === '.') return text;
    // a template function (not a constructor, destructor or conversion) mangles its return type first
    let ret: Type | undefined;
    if (template && !ctorDtor) ret = this.type();
    const params: Type[] = [];
    let any = false;
    while (!this.done && this.peek() !== 'E' && this.peek() !== '.') {
      const p = this.type();
      any = true;
      if (p.kind === 'args') params.push(...p.items);
      else params.push(p);
    }
    if (!any) throw new Failure();
    const list = params.length === 1 && params[0].kind === 'name' && params[0].text === 'void' ? '' : params.map((p) => render(p)).join(', ');
    if (!top) this.templateArgs = saved;
    return `${ret && !inScope ? `${render(ret)} ` : ''}${text}(${list})${cvQuals}`;
  }

  private specialName(): string {
    if (this.take('TV')) return `vtable for ${render(this.type())}`;
    if (this.take('TT')) return `VTT for ${render(this.type())}`;
    if (this.take('TI')) return `typeinfo for ${render(this.type())}`;
    if (this.take('TS')) return `typeinfo name for ${render(this.type())}`;
    if (this.take('Th')) {
      this.number();
      this.expect('_');
      return `non-virtual thunk to ${this.encoding(false)}`;
    }
    if (this.take('Tv')) {
      this.number();
      this.expect('_');
      this.number();
      this.expect('_');
      return `virtual thunk to ${this.encoding(false)}`;
    }
    if (this.take('Tc')) {
      for (let k = 0; k < 2; k++) {
        if (this.take('h')) this.number();
        else {
          this.expect('v');
          this.number();
          this.expect('_');
          this.number();
        }
        this.expect('_');
      }
      return `covariant return thunk to ${this.encoding(false)}`;
    }
    if (this.take('TH')) return `TLS init function for ${this.name().text}`;
    if (this.take('TW')) return `TLS wrapper function for ${this.name().text}`;
    if (this.take('GV')) return `guard variable for ${this.name().text}`;
    if (this.take('GR')) {
      const n = this.name().text;
      if (!this.take('_')) this.seqId();
      return `reference temporary #0 for ${n}`;
    }
    if (this.take('GTt')) return `transaction clone for ${this.encoding(false)}`;
    throw new Failure();
  }

  /** A name; `template` when it ends in template arguments, `cvQuals` of a member function. */
  private name(): { text: string; template: boolean; ctorDtor: boolean; cvQuals: string } {
    this.guard();
    if (this.peek() === 'N') return this.nestedName();
    if (this.peek() === 'Z') return this.localName();
    let prefix = '';
    let substitutable = true;
    if (this.take('St')) prefix = 'std::';
    else if (this.peek() === 'S') {
      // a substitution followed by template arguments: an unscoped template name
      const sub = this.substitution();
      if (this.peek() !== 'I') throw new Failure();
      const args = this.templateArgList();
      this.subs.push(named(withArgs(render(sub), args.text), true));
      return { text: withArgs(render(sub), args.text), template: true, ctorDtor: false, cvQuals: '' };
    }
    const unqualified = this.unqualifiedName(undefined);
    const text = prefix + unqualified.text;
    if (this.peek() === 'I') {
      if (substitutable) this.subs.push(named(text));
      const args = this.templateArgList();
      this.templateArgs = args.types;
      return { text: withArgs(text, args.text), template: true, ctorDtor: false, cvQuals: '' };
    }
    substitutable = false;
    return { text, template: false, ctorDtor: false, cvQuals: '' };
  }

  private cvQualifiers(): string {
    let quals = '';
    if (this.take('r')) quals += ' restrict';
    if (this.take('V')) quals += ' volatile';
    if (this.take('K')) quals += ' const';
    return quals;
  }

  private nestedName(): { text: string; template: boolean; ctorDtor: boolean; cvQuals: string } {
    this.expect('N');
    let cvQuals = this.cvQualifiers();
    if (this.take('R')) cvQuals += ' &';
    else if (this.take('O')) cvQuals += ' &&';
    let text = '';
    let last = '';
    let template = false;
    let ctorDtor = false;
    for (;;) {
      this.guard();
      if (this.take('E')) break;
      if (this.done) throw new Failure();
      if (!text && this.take('St')) {
        text = 'std';
        last = 'std';
        continue;
      }
      if (this.peek() === 'S' && !text) {
        const sub = this.substitution();
        text = render(sub);
        last = sub.kind === 'name' ? sub.text.replace(/<.*>$/, '').split('::').pop()! : text;
        continue;
      }
      if (this.peek() === 'I') {
        if (!text) throw new Failure();
        const args = this.templateArgList();
        this.templateArgs = args.types;
        text = withArgs(text, args.text);
        template = true;
        if (this.peek() !== 'E') this.subs.push(named(text));
        continue;
      }
      if (this.peek() === 'T' && !text) {
        text = render(this.templateParam());
        this.subs.push(named(text));
        continue;
      }
      if (this.take('M')) continue; // data-member-prefix (a lambda's scope)
      const u = this.unqualifiedName(last);
      template = false;
      ctorDtor = u.ctorDtor;
      text = text ? `${text}::${u.text}` : u.text;
      last = u.text.replace(/\[abi:[^\]]*\]$/, '');
      if (this.peek() !== 'E') this.subs.push(named(text));
    }
    return { text, template, ctorDtor, cvQuals };
  }

  private localName(): { text: string; template: boolean; ctorDtor: boolean; cvQuals: string } {
    this.expect('Z');
    const saved = this.templateArgs;
    const fn = this.encoding(false, true);
    this.templateArgs = saved;
    this.expect('E');
    if (this.take('s')) {
      this.discriminator();
      return { text: `${fn}::string literal`, template: false, ctorDtor: false, cvQuals: '' };
    }
    if (this.take('d')) {
      if (this.peek() !== '_') this.number();
      this.expect('_');
    }
    const inner = this.name();
    this.discriminator();
    return { ...inner, text: `${fn}::${inner.text}` };
  }

  private discriminator(): void {
    if (this.take('__')) {
      this.number();
      this.expect('_');
    } else if (this.take('_')) this.number();
  }

  private unqualifiedName(enclosing: string | undefined): { text: string; ctorDtor: boolean } {
    const c = this.peek();
    let text: string;
    let ctorDtor = false;
    if (/\d/.test(c)) text = this.sourceName();
    else if (c === 'C' && /^C[1-5I]/.test(this.rest)) {
      this.i += this.take('CI') ? 0 : 2;
      if (this.s[this.i - 2] === 'C' && this.s[this.i - 1] === 'I') {
        this.i++;
        this.type();
      }
      if (!enclosing) throw new Failure();
      text = enclosing;
      ctorDtor = true;
    } else if (c === 'D' && /^D[0-5]/.test(this.rest)) {
      this.i += 2;
      if (!enclosing) throw new Failure();
      text = `~${enclosing}`;
      ctorDtor = true;
    } else if (c === 'U' && this.peek(1) === 't') {
      this.i += 2;
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      text = `{unnamed type#${n}}`;
    } else if (c === 'U' && this.peek(1) === 'l') {
      this.i += 2;
      const params: Type[] = [];
      while (this.peek() !== 'E') params.push(this.type());
      this.expect('E');
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      const list = params.length === 1 && params[0].kind === 'name' && params[0].text === 'void' ? '' : params.map((p) => render(p)).join(', ');
      text = `{lambda(${list})#${n}}`;
    } else if (c === 'L') {
      this.i++;
      return this.unqualifiedName(enclosing);
    } else {
      text = this.operatorName();
      ctorDtor = text.startsWith('operator ') && !/^operator (new|delete)/.test(text);
    }
    while (this.take('B')) text += `[abi:${this.sourceName()}]`;
    return { text, ctorDtor };
  }

  private operatorName(): string {
    if (this.take('cv')) return `operator ${render(this.type())}`;
    if (this.take('li')) return `operator"" ${this.sourceName()}`;
    if (this.peek() === 'v' && /\d/.test(this.peek(1))) {
      this.i += 2;
      return `operator ${this.sourceName()}`;
    }
    const code = this.s.slice(this.i, this.i + 2);
    const op = OPERATORS[code];
    if (!op) throw new Failure();
    this.i += 2;
    return /^[a-z]/.test(op) ? `operator ${op.trim()}` : `operator${op}`;
  }

  /** `S_`, `S0_`.., and the std abbreviations (std::string and the streams spelled out, as c++filt does). */
  private substitution(): Type {
    this.expect('S');
    const c = this.peek();
    if (c in STD_SUBS) {
      this.i++;
      if (c === 't') throw new Failure(); // St is handled by callers
      return named(STD_FULL[c] ?? STD_SUBS[c]);
    }
    const n = this.seqId();
    const t = this.subs[n];
    if (!t) throw new Failure();
    return t;
  }

  private templateParam(): Type {
    this.expect('T');
    const n = this.seqId();
    const t = this.templateArgs[n];
    if (!t) throw new Failure();
    return t;
  }

  private templateArgList(): { text: string; types: Type[] } {
    this.expect('I');
    const types: Type[] = [];
    const texts: string[] = [];
    let lastEmpty = false;
    while (!this.take('E')) {
      this.guard();
      if (this.done) throw new Failure();
      const a = this.templateArg();
      types.push(a.type);
      lastEmpty = a.text === '';
      if (!lastEmpty) texts.push(a.text);
    }
    const body = texts.join(', ');
    // `> >` as c++filt writes nested closings (not after an empty pack)
    return { text: `<${body}${body.endsWith('>') && !lastEmpty ? ' ' : ''}>`, types };
  }

  private templateArg(): { text: string; type: Type } {
    if (this.peek() === 'L') {
      const text = this.literal();
      return { text, type: named(text) };
    }
    if (this.take('X')) {
      const text = this.expression();
      this.expect('E');
      return { text, type: named(text) };
    }
    if (this.take('J')) {
      const items: Type[] = [];
      while (!this.take('E')) {
        if (this.done) throw new Failure();
        items.push(this.templateArg().type);
      }
      const type: Type = { kind: 'args', items };
      return { text: render(type), type };
    }
    const t = this.type();
    return { text: render(t), type: t };
  }

  private literal(): string {
    this.expect('L');
    if (this.take('_Z')) {
      const text = this.encoding(false);
      this.expect('E');
      return text;
    }
    const t = this.type();
    const m = /^n?[0-9a-f]*/.exec(this.rest)!;
    this.i += m[0].length;
    this.expect('E');
    const value = m[0].replace(/^n/, '-');
    const name = render(t);
    if (name === 'bool') return value === '0' ? 'false' : 'true';
    if (name === 'int') return value;
    if (name === 'unsigned int') return `${value}u`;
    if (name === 'long') return `${value}l`;
    if (name === 'unsigned long') return `${value}ul`;
    if (name === 'long long') return `${value}ll`;
    if (name === 'unsigned long long') return `${value}ull`;
    return `(${name})${value}`;
  }

  /** Expressions in template arguments and decltypes: the common few, else a failure. */
  private expression(): string {
    this.guard();
    if (this.peek() === 'L') return this.literal();
    if (this.peek() === 'T') return render(this.templateParam());
    if (this.take('sr')) {
      // a dependent name: `sr TYPE NAME`, or qualifier levels `sr [N] L1 L2 .. E NAME`
      let scope: string;
      if (this.take('N') || /^\d/.test(this.rest)) {
        const levels: string[] = [];
        if (this.peek() === 'T' || this.peek() === 'S') levels.push(render(this.type()));
        while (!this.take('E')) {
          if (this.done) throw new Failure();
          let level = this.sourceName();
          if (this.peek() === 'I') level += this.templateArgList().text;
          levels.push(level);
        }
        scope = levels.join('::');
      } else scope = render(this.type());
      let name = this.unqualifiedName(undefined).text;
      if (this.peek() === 'I') name += this.templateArgList().text;
      return `${scope}::${name}`;
    }
    if (this.take('fp')) {
      this.cvQualifiers();
      const n = this.peek() === '_' ? 1 : this.number() + 2;
      this.expect('_');
      return n === 1 ? '{parm#1}' : `{parm#${n}}`;
    }
    const code = this.s.slice(this.i, this.i + 2);
    const op = OPERATORS[code];
    if (op && /^[^a-z]/.test(op) && code !== 'cl' && code !== 'ix' && code !== 'qu') {
      this.i += 2;
      const unary = ['ps', 'ng', 'ad', 'de', 'co', 'nt', 'pp', 'mm'].includes(code);
      if (unary) return `${op}(${this.expression()})`;
      const left = this.expression();
      const right = this.expression();
      return `(${left})${op}(${right})`;
    }
    throw new Failure();
  }

  private type(): Type {
    this.guard();
    const c = this.peek();
    if (c in BUILTIN && c !== 'z' || c === 'z') {
      this.i++;
      return named(BUILTIN[c]);
    }
    if (c === 'u') {
      this.i++;
      const t = named(this.sourceName());
      this.subs.push(t);
      return t;
    }
    if (c === 'D' && this.peek(1) in BUILTIN_D) {
      this.i += 2;
      return named(BUILTIN_D[this.s[this.i - 1]]);
    }
    let t: Type;
    if (c === 'r' || c === 'V' || c === 'K') {
      const quals = this.cvQualifiers().trim();
      const inner = this.type();
      t = inner.kind === 'function' ? { ...inner, quals: ` ${quals}` } : { kind: 'cv', quals, inner };
    } else if (c === 'P') {
      this.i++;
      t = wrap('pointer', this.type());
    } else if (c === 'R') {
      this.i++;
      t = wrap('lref', this.type());
    } else if (c === 'O') {
      this.i++;
      t = wrap('rref', this.type());
    } else if (c === 'F') {
      this.i++;
      this.take('Y');
      const ret = this.type();
      const params: Type[] = [];
      while (!this.take('E')) {
        if (this.done) throw new Failure();
        // a ref-qualifier (`R`/`O`) comes right before the end
        if ((this.peek() === 'R' || this.peek() === 'O') && this.peek(1) === 'E') {
          this.i++;
          continue;
        }
        params.push(this.type());
      }
      t = { kind: 'function', ret, params, quals: '' };
    } else if (c === 'A') {
      this.i++;
      const m = /^\d*/.exec(this.rest)![0];
      this.i += m.length;
      this.expect('_');
      t = { kind: 'array', dim: m, inner: this.type() };
    } else if (c === 'M') {
      this.i++;
      const cls = this.type();
      t = { kind: 'member', cls, inner: this.type() };
    } else if (c === 'T') {
      t = this.templateParam();
      this.subs.push(t);
      if (this.peek() === 'I') {
        const args = this.templateArgList();
        t = named(render(t) + args.text);
      }
      return t;
    } else if (c === 'S') {
      if (this.take('St')) {
        const u = this.unqualifiedName(undefined);
        t = named(`std::${u.text}`);
        this.subs.push(t);
        if (this.peek() === 'I') {
          const args = this.templateArgList();
          t = named(`std::${u.text}${args.text}`);
          this.subs.push(t);
        }
        return t;
      }
      t = this.substitution();
      if (this.peek() === 'I') {
        const args = this.templateArgList();
        t = named(render(t) + args.text);
        this.subs.push(t);
      }
      return t;
    } else if (c === 'D' && this.peek(1) === 'p') {
      this.i += 2;
      t = { kind: 'pack', inner: this.type() };
    } else if (c === 'D' && (this.peek(1) === 't' || this.peek(1) === 'T')) {
      this.i += 2;
      const text = this.expression();
      this.expect('E');
      t = named(`decltype (${text})`);
    } else if (c === 'D' && this.peek(1) === 'v') {
      this.i += 2;
      const n = this.number();
      this.expect('_');
      t = named(`${render(this.type())} __vector(${n})`);
    } else if (/[\dNZ]/.test(c)) {
      const saved = this.templateArgs;
      const n = this.name();
      this.templateArgs = saved;
      t = named(n.text);
      if (c !== 'N' && c !== 'Z' && !n.template) this.subs.push(t);
      else if (n.template && c !== 'N') this.subs.push(t);
      else if (c === 'N' || c === 'Z') this.subs.push(t);
      return t;
    } else {
      throw new Failure();
    }
    this.subs.push(t);
    return t;
  }
}

/** `_ZN4shop4Cart3addEi` → `shop::Cart::add(int)`; undefined when `name` is not a mangled name this reads. */
export function demangle(name: string): string | undefined {
  if (!name.startsWith('_Z')) return undefined;
  try {
    return new Demangler(name).symbol();
  } catch (e) {
    if (e instanceof Failure) return undefined;
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

/** `_ZN4shop4Cart3addEi` → `shop::Cart::add`: the qualified name without parameters. */
export function demangledQualifiedName(name: string): string | undefined {
  if (!name.startsWith('_Z')) return undefined;
  try {
    return new Demangler(name).qualifiedName();
  } catch (e) {
    if (e instanceof Failure || e instanceof RangeError) return undefined;
    throw e;
  }
}

/** The demangled name when there is one, else the name as it is. */
export function readableName(name: string): string {
  return demangle(name) ?? name;
}
