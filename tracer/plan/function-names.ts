// How a `.function(PATTERN)` pattern names functions, C and C++ alike. A function has up to three
// names: its DWARF or symbol name (`add`, `twice<long int>`), its qualified C++ name from the
// demangled linkage name (`geo::Counter::add`, `geo::twice<long>`), and the mangled name itself
// (`_ZN3geo7Counter3addEl`). The pattern picks which it is matched against:
//   - `_Z...`            the mangled name (SystemTap's way to pick one overload)
//   - with `(`           the name with its parameters as c++filt prints them, without the return
//                        type (`geo::Counter::add(long)`, `Counter::add(long, long)`, `*(double)`):
//                        one overload by its signature; trailing scopes as below
//   - with `::`          the qualified name, or any trailing part of it after a `::`
//                        (`Counter::add` finds `geo::Counter::add`, `*::add` every add, `geo::*`
//                        everything in geo), with or without template arguments
//   - otherwise          the bare name, with or without template arguments (`twice` finds
//                        `twice<long>` and `twice<double>`; `add` every overload of every add)
import { demangledSignature } from '../../symbolizer/demangle';
import { compileGlob } from '../../symbolizer/glob';

/** What a pattern is tested against; `qualified` and `mangled` are only asked for when the pattern needs them. */
export interface FunctionNames {
  name: string;
  qualified(): string;
  mangled(): string | undefined;
}

/** `geo::Counter::add(long)` for a C++ function (from its mangled name); undefined for C. */
function signatureOf(n: FunctionNames): string | undefined {
  const m = n.mangled();
  return m === undefined ? undefined : demangledSignature(m);
}

export interface FunctionMatcher {
  matches(names: FunctionNames): boolean;
  /** A pattern without wildcards, scope or mangling: the bare name an index lookup can use. */
  literalName?: string;
}

export function compileFunctionPattern(pattern: string): FunctionMatcher {
  const glob = compileGlob(pattern);
  if (pattern.startsWith('_Z')) {
    return { matches: (n) => {
      const m = n.mangled();
      return m !== undefined && glob.matches(m);
    } };
  }
  if (pattern.includes('(')) {
    return { matches: (n) => {
      const sig = signatureOf(n);
      return sig !== undefined && scopeSuffixes(sig).some((suffix) => glob.matches(suffix));
    } };
  }
  if (pattern.includes('::')) {
    return { matches: (n) => {
      const q = n.qualified();
      if (!q.includes('::')) return false;
      for (const variant of new Set([q, withoutTemplateArgs(q)])) {
        for (const suffix of scopeSuffixes(variant)) if (glob.matches(suffix)) return true;
      }
      return false;
    } };
  }
  return {
    matches: (n) => glob.matches(n.name) || glob.matches(withoutTemplateArgs(n.name)),
    ...(glob.literal && { literalName: pattern }),
  };
}

/** The last component of a qualified name: `geo::Counter::add` → `add`. */
export function lastComponent(qualified: string): string {
  const parts = splitScopes(qualified);
  return parts[parts.length - 1];
}

/** `a::b<x::y>::c` → ['a', 'b<x::y>', 'c']: splits at `::` outside brackets. */
export function splitScopes(name: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '<' || c === '(' || c === '[' || c === '{') {
      // `operator<`, `operator<<` are names, not brackets
      if (c === '<' && /operator<*$/.test(name.slice(start, i))) continue;
      depth++;
    } else if (c === '>' || c === ')' || c === ']' || c === '}') {
      if (c === '>' && /operator(-|>*)$/.test(name.slice(start, i))) continue;
      if (depth > 0) depth--;
    } else if (c === ':' && depth === 0 && name[i + 1] === ':') {
      out.push(name.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  out.push(name.slice(start));
  return out;
}

/** The name and each trailing part of it after a `::`: `a::b::c`, `b::c`, `c`. */
function scopeSuffixes(name: string): string[] {
  const parts = splitScopes(name);
  return parts.map((_, i) => parts.slice(i).join('::'));
}

/** Template arguments and ABI tags taken off every component: `geo::twice<long>` → `geo::twice`. */
export function withoutTemplateArgs(name: string): string {
  if (!name.includes('<') && !name.includes('[abi:')) return name;
  return splitScopes(name).map(stripComponent).join('::');
}

const OPERATOR_WITH_ARGS = /^(operator(?:<=>|<<=|>>=|<<|>>|->\*|->|<=|>=|<|>|\(\)|\[\]| [^<]+?|[^\s<]+))( ?<.*>)?$/s;

function stripComponent(part: string): string {
  const s = part.replace(/\[abi:[^\]]*\]/g, '');
  if (!s.endsWith('>')) return s;
  const op = OPERATOR_WITH_ARGS.exec(s);
  if (op) return op[1];
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    if (s[i] === '>') depth++;
    else if (s[i] === '<' && --depth === 0) return i > 0 ? s.slice(0, i) : s;
  }
  return s;
}
