// The preprocessor: tokens → tokens, between the lexer and the parser, as SystemTap's:
//
//   %( CONDITION %? TOKENS %)  /  %( CONDITION %? TOKENS %: TOKENS %)    (nestable)
//   @define NAME %( BODY %)    @define NAME(a, b) %( BODY %)     uses: @NAME, @NAME(x, y)
//   $1 $2 ... $#   @1 @2 ... @#                                           script arguments
//
// A condition compares one of SystemTap's preprocessor facts with a literal — `kernel_v`,
// `kernel_vr` (the running kernel), `arch`, `runtime`, `systemtap_v`, `guru_mode`, `CONFIG_*`
// (from /proc/config.gz or /boot/config-RELEASE when readable, else unset), `$#`, `@#`, `$N`,
// `@N` — or two literals; `&&` and `||` join comparisons. Only the live branch is read further:
// script arguments and macros in a dead branch are never looked at.
//
// Script arguments are substituted as tokens, as SystemTap does: `$1` is the argument's text
// lexed as script source (a number, a name, `*`, an expression, even `probe foo`), `@1` is a
// string literal holding it. Macro bodies are expanded where used, with their parameters bound
// to the argument tokens; a body may hold conditionals (decided at each use) and other macros.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import type { SourceLoc } from '../ir/ir';
import type { Diagnostics } from './diagnostic';
import { tokenize, type Token } from './lexer';

/** SystemTap's version, as `systemtap_v` gives it: the release whose language utap follows. */
export const SYSTEMTAP_VERSION = '5.2';

export interface Macro {
  name: string;
  params: string[];
  body: Token[];
  loc: SourceLoc;
}

export interface PreprocessContext {
  scriptArgs: readonly string[];
  guru: boolean;
  /** Macros of the tapset library (`.stpm` files), visible to every file. */
  libraryMacros?: ReadonlyMap<string, Macro>;
}

/** The facts conditions compare, read once per process. */
interface Facts {
  kernelRelease: string;
  arch: string;
  config: Map<string, string> | undefined;
}

let facts: Facts | undefined;

function systemFacts(): Facts {
  if (facts) return facts;
  const release = os.release();
  const machine = os.machine?.() ?? process.arch;
  facts = { kernelRelease: release, arch: archName(machine), config: undefined };
  return facts;
}

/** The kernel's configuration, for CONFIG_* conditions; undefined entries are unset options. */
function kernelConfig(): Map<string, string> {
  const f = systemFacts();
  if (f.config) return f.config;
  f.config = new Map();
  let text: string | undefined;
  try {
    text = zlib.gunzipSync(fs.readFileSync('/proc/config.gz')).toString('latin1');
  } catch {
    try {
      text = fs.readFileSync(`/boot/config-${f.kernelRelease}`, 'latin1');
    } catch {
      text = undefined;
    }
  }
  for (const line of (text ?? '').split('\n')) {
    const m = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (m) f.config.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
  }
  return f.config;
}

/** SystemTap's names for architectures (uname -m, normalised as its `arch` does). */
function archName(machine: string): string {
  if (/^i[3-6]86$/.test(machine)) return 'i386';
  if (machine === 'x64') return 'x86_64';
  if (machine === 'aarch64') return 'arm64';
  if (/^ppc64/.test(machine)) return 'powerpc';
  return machine;
}

/** The `x.y.z` part of a kernel release (`6.18.0-1-amd64` → `6.18.0`). */
function kernelVersion(release: string): string {
  return release.replace(/-.*$/, '');
}

/** glibc's strverscmp, enough for versions: digit runs compare as numbers. */
export function compareVersions(a: string, b: string): number {
  const parts = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const pa = parts(a), pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i], y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d/.test(x), ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** fnmatch(3) for `==`/`!=` against a pattern with `*`, `?`, `[...]`. */
function globMatch(pattern: string, value: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += '[' + pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$').test(value);
}

/** A macro may shadow an @-operator (SystemTap warns), but not `@define` itself. */
const RESERVED_MACRO_NAMES = new Set(['define']);

const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>=']);

function compare(op: string, order: number): boolean {
  switch (op) {
    case '==': return order === 0;
    case '!=': return order !== 0;
    case '<': return order < 0;
    case '<=': return order <= 0;
    case '>': return order > 0;
    default: return order >= 0;
  }
}

export function preprocess(tokens: Token[], ctx: PreprocessContext, diag: Diagnostics): { tokens: Token[]; macros: Map<string, Macro> } {
  const p = new Preprocessor(ctx, diag);
  const out = p.run(tokens);
  return { tokens: out, macros: p.macros };
}

/** Reads the `@define`s of a macro library file (`.stpm`), conditionals applied. */
export function libraryMacros(tokens: Token[], ctx: PreprocessContext, diag: Diagnostics): Map<string, Macro> {
  const p = new Preprocessor(ctx, diag);
  const rest = p.run(tokens).filter((t) => t.kind !== 'eof');
  if (rest.length) diag.error(rest[0].loc, 'a macro library (.stpm) may only hold @define macros and conditionals.');
  return p.macros;
}

class Preprocessor {
  readonly macros = new Map<string, Macro>();
  private depth = 0;

  constructor(
    private readonly ctx: PreprocessContext,
    private readonly diag: Diagnostics,
  ) {}

  private fail(loc: SourceLoc, reason: string): never {
    return this.diag.error(loc, reason);
  }

  run(tokens: Token[]): Token[] {
    const out: Token[] = [];
    this.expand(tokens, 0, tokens.length, new Map(), out, true);
    const eof = tokens[tokens.length - 1];
    if (out[out.length - 1]?.kind !== 'eof') out.push(eof);
    return out;
  }

  /**
   * Expands tokens[from, to) into `out`, with macro parameters `params` bound; `topLevel`
   * allows @define. Returns nothing: every construct is consumed whole.
   */
  private expand(tokens: Token[], from: number, to: number, params: Map<string, Token[]>, out: Token[], topLevel: boolean): void {
    let i = from;
    while (i < to) {
      const t = tokens[i];
      if (t.kind === 'op' && t.text === '%(') {
        i = this.conditional(tokens, i, to, params, out, topLevel);
        continue;
      }
      if (t.kind === 'op' && (t.text === '%?' || t.text === '%:' || t.text === '%)')) {
        this.fail(t.loc, `'${t.text}' outside a preprocessor conditional %( ... %? ... %).`);
      }
      if (t.kind === 'arg') {
        out.push(...this.argument(t));
        i++;
        continue;
      }
      if (t.kind === 'at' && t.text === '@define') {
        if (!topLevel) this.fail(t.loc, '@define is only allowed at the top level of a file, not inside a macro or a probe.');
        i = this.define(tokens, i, to);
        continue;
      }
      if (t.kind === 'at') {
        const name = t.text.slice(1);
        const bound = params.get(name);
        if (bound) {
          out.push(...bound);
          i++;
          continue;
        }
        const macro = this.macros.get(name) ?? this.ctx.libraryMacros?.get(name);
        if (macro) {
          i = this.use(macro, tokens, i, to, params, out);
          continue;
        }
      }
      out.push(t);
      i++;
    }
  }

  /** `$N` `@N` `$#` `@#` as tokens. */
  private argument(t: Token): Token[] {
    const args = this.ctx.scriptArgs;
    if (t.text === '$#') return [{ kind: 'number', text: t.text, value: BigInt(args.length), loc: t.loc }];
    if (t.text === '@#') return [{ kind: 'string', text: t.text, value: String(args.length), loc: t.loc }];
    const n = Number(t.text.slice(1));
    const value = args[n - 1];
    if (n < 1 || value === undefined) {
      this.fail(t.loc, `${t.text} refers to script argument ${n}, but ${args.length === 0 ? 'no arguments were' : `only ${args.length} argument${args.length === 1 ? ' was' : 's were'}`} given after the script.`);
    }
    if (t.text[0] === '@') return [{ kind: 'string', text: t.text, value: Buffer.from(value, 'utf8').toString('latin1'), loc: t.loc }];
    // `$N`: the argument's text is script source; its tokens all point at the `$N`
    const lexed = tokenize(value, t.loc.file, this.diag, t.loc.line, t.loc.column).filter((x) => x.kind !== 'eof');
    for (const x of lexed) {
      if (x.kind === 'arg') this.fail(t.loc, `script argument ${t.text} ('${value}') cannot refer to other script arguments.`);
      x.loc = t.loc;
    }
    // a lone negative number stays one literal, as SystemTap reads `$1` = -5
    if (lexed.length === 2 && lexed[0].text === '-' && lexed[1].kind === 'number') {
      return [{ kind: 'number', text: value, value: BigInt.asIntN(64, -(lexed[1].value as bigint)), loc: t.loc }];
    }
    return lexed;
  }

  /** Index just past `%)` of the conditional starting at `start`; its live branch goes to `out`. */
  private conditional(tokens: Token[], start: number, to: number, params: Map<string, Token[]>, out: Token[], topLevel: boolean): number {
    const open = tokens[start];
    // the condition runs to `%?`
    let q = start + 1;
    while (q < to && !(tokens[q].kind === 'op' && tokens[q].text === '%?')) {
      if (tokens[q].kind === 'op' && (tokens[q].text === '%(' || tokens[q].text === '%)' || tokens[q].text === '%:')) this.fail(tokens[q].loc, `expected '%?' after the condition of '%(' but found '${tokens[q].text}'.`);
      if (tokens[q].kind === 'eof') break;
      q++;
    }
    if (q >= to || tokens[q].kind === 'eof') this.fail(open.loc, "this preprocessor conditional has no '%?' after its condition.");
    const condition: Token[] = [];
    this.expand(tokens, start + 1, q, params, condition, false);
    const holds = this.evaluate(condition, open.loc);
    // then-branch to a `%:` or `%)` at this nesting depth
    let depth = 0;
    let colon = -1;
    let close = -1;
    for (let k = q + 1; k < to; k++) {
      const x = tokens[k];
      if (x.kind === 'eof') break;
      if (x.kind !== 'op') continue;
      if (x.text === '%(') depth++;
      else if (x.text === '%)') {
        if (depth === 0) {
          close = k;
          break;
        }
        depth--;
      } else if (x.text === '%:' && depth === 0) {
        if (colon >= 0) this.fail(x.loc, "a preprocessor conditional has one '%:' only.");
        colon = k;
      } else if (x.text === '%?' && depth === 0) {
        this.fail(x.loc, "a preprocessor conditional has one '%?' only; nest another %( ... %) for a second condition.");
      }
    }
    if (close < 0) this.fail(open.loc, "this preprocessor conditional is never closed; end it with '%)'.");
    if (holds) this.expand(tokens, q + 1, colon >= 0 ? colon : close, params, out, topLevel);
    else if (colon >= 0) this.expand(tokens, colon + 1, close, params, out, topLevel);
    return close + 1;
  }

  /** A condition: comparisons joined by `&&` / `||` (`&&` binds tighter). */
  private evaluate(tokens: Token[], loc: SourceLoc): boolean {
    if (tokens.length === 0) this.fail(loc, 'this preprocessor conditional has an empty condition.');
    let i = 0;
    let nesting = 0;
    const comparison = (): boolean => {
      const left = tokens[i++];
      if (!left) this.fail(tokens[tokens.length - 1].loc, 'the preprocessor condition ends too early: expected a comparison.');
      if (left.kind === 'op' && left.text === '(') {
        // bounded like the parser's nesting, so no condition can exhaust the stack
        if (++nesting > 200) this.fail(left.loc, 'this preprocessor condition nests parentheses more than 200 deep.');
        const v = or();
        nesting--;
        const close = tokens[i++];
        if (!close || close.text !== ')') this.fail(close?.loc ?? left.loc, "expected ')' in the preprocessor condition.");
        return v;
      }
      const op = tokens[i++];
      const right = tokens[i++];
      if (!op || op.kind !== 'op' || !COMPARE.has(op.text)) this.fail((op ?? left).loc, `expected a comparison (== != < <= > >=) after ${describe(left)} in the preprocessor condition.`);
      if (!right) this.fail(op.loc, `expected a value after '${op.text}' in the preprocessor condition.`);
      return this.compare(left, op.text, right);
    };
    const and = (): boolean => {
      let v = comparison();
      while (tokens[i]?.text === '&&') {
        i++;
        const r = comparison();
        v = v && r;
      }
      return v;
    };
    const or = (): boolean => {
      let v = and();
      while (tokens[i]?.text === '||') {
        i++;
        const r = and();
        v = v || r;
      }
      return v;
    };
    const result = or();
    if (i < tokens.length) this.fail(tokens[i].loc, `unexpected ${describe(tokens[i])} in the preprocessor condition.`);
    return result;
  }

  private compare(left: Token, op: string, right: Token): boolean {
    const string = (what: string): string => {
      if (right.kind !== 'string') this.fail(right.loc, `${what} is compared with a string literal, as in %( ${left.text} >= "1.0" %? ... %).`);
      return right.value as string;
    };
    const ordered = (what: string) => {
      if (op !== '==' && op !== '!=') this.fail(right.loc, `${what} can only be compared with == or !=.`);
    };
    if (left.kind === 'ident') {
      const f = systemFacts();
      switch (left.text) {
        case 'kernel_v':
        case 'kernel_vr':
        case 'systemtap_v': {
          const have = left.text === 'kernel_vr' ? f.kernelRelease : left.text === 'kernel_v' ? kernelVersion(f.kernelRelease) : SYSTEMTAP_VERSION;
          const want = string(left.text);
          if ((op === '==' || op === '!=') && /[*?[]/.test(want)) return globMatch(want, have) === (op === '==');
          return compare(op, compareVersions(have, want));
        }
        case 'arch':
        case 'runtime':
        case 'systemtap_privilege': {
          const want = string(left.text);
          ordered(left.text);
          // utap runs scripts in user space, as SystemTap's dyninst runtime does
          const have = left.text === 'arch' ? f.arch : left.text === 'runtime' ? 'dyninst' : 'stapusr';
          return globMatch(want, have) === (op === '==');
        }
        case 'guru_mode': {
          if (right.kind !== 'number') this.fail(right.loc, 'guru_mode is compared with a number, as in %( guru_mode == 1 %? ... %).');
          ordered('guru_mode');
          return compare(op, Number(this.ctx.guru) - Number(right.value as bigint));
        }
      }
      if (/^CONFIG_[A-Za-z0-9_]+$/.test(left.text)) {
        const have = kernelConfig().get(left.text) ?? '';
        if (right.kind === 'ident' && /^CONFIG_[A-Za-z0-9_]+$/.test(right.text)) {
          // two options: as numbers when both are, else as text
          const other = kernelConfig().get(right.text) ?? '';
          const numeric = /^-?\d+$/.test(have) && /^-?\d+$/.test(other);
          const a = numeric ? BigInt(have) : have, b = numeric ? BigInt(other) : other;
          return compare(op, a < b ? -1 : a > b ? 1 : 0);
        }
        if (right.kind === 'string') {
          ordered(left.text);
          return globMatch(right.value as string, have) === (op === '==');
        }
        if (right.kind === 'number') {
          const n = /^-?(0x[0-9a-f]+|\d+)$/i.test(have) ? BigInt(have) : 0n;
          const r = right.value as bigint;
          return compare(op, n < r ? -1 : n > r ? 1 : 0);
        }
      }
      this.fail(left.loc, `'${left.text}' is not something a preprocessor condition can test; use kernel_v, kernel_vr, arch, runtime, systemtap_v, guru_mode, CONFIG_..., $#, @# or script arguments.`);
    }
    if (left.kind === 'number' && right.kind === 'number') {
      const a = BigInt.asIntN(64, left.value as bigint), b = BigInt.asIntN(64, right.value as bigint);
      return compare(op, a < b ? -1 : a > b ? 1 : 0);
    }
    if (left.kind === 'string' && right.kind === 'string') {
      const a = left.value as string, b = right.value as string;
      return compare(op, a < b ? -1 : a > b ? 1 : 0);
    }
    if ((left.kind === 'number' || left.kind === 'string') && (right.kind === 'number' || right.kind === 'string')) {
      this.fail(right.loc, `the preprocessor condition compares a ${left.kind} with a ${right.kind}; compare two numbers or two strings.`);
    }
    return this.fail((left.kind === 'number' || left.kind === 'string' ? right : left).loc, `${describe(left.kind === 'number' || left.kind === 'string' ? right : left)} cannot be compared in a preprocessor condition.`);
  }

  /** `@define NAME[(params)] %( body %)`; returns the index after it. */
  private define(tokens: Token[], start: number, to: number): number {
    const at = tokens[start];
    const name = tokens[start + 1];
    if (!name || name.kind !== 'ident') this.fail((name ?? at).loc, 'expected a macro name after @define.');
    if (RESERVED_MACRO_NAMES.has(name.text)) this.fail(name.loc, `'${name.text}' cannot be a macro name: @${name.text} already means something.`);
    let i = start + 2;
    const params: string[] = [];
    if (tokens[i]?.text === '(' && tokens[i].kind === 'op') {
      i++;
      while (tokens[i] && tokens[i].text !== ')') {
        const p = tokens[i];
        if (p.kind !== 'ident') this.fail(p.loc, `expected a parameter name in the @define of '${name.text}' but found ${describe(p)}.`);
        if (params.includes(p.text)) this.fail(p.loc, `the macro parameter '${p.text}' is listed twice.`);
        params.push(p.text);
        i++;
        if (tokens[i]?.text === ',') i++;
        else if (tokens[i]?.text !== ')') this.fail((tokens[i] ?? p).loc, `expected ',' or ')' in the parameters of macro '${name.text}'.`);
      }
      i++;
    }
    const open = tokens[i];
    if (!open || open.text !== '%(') this.fail((open ?? name).loc, `expected '%(' to start the body of macro '${name.text}', as in @define ${name.text} %( ... %).`);
    let depth = 0;
    let k = i + 1;
    for (; k < to; k++) {
      const x = tokens[k];
      if (x.kind === 'eof') break;
      if (x.kind === 'op' && x.text === '%(') depth++;
      else if (x.kind === 'op' && x.text === '%)') {
        if (depth === 0) break;
        depth--;
      } else if (x.kind === 'at' && x.text === '@define') this.fail(x.loc, 'a macro body cannot define another macro.');
    }
    if (k >= to || tokens[k].kind === 'eof') this.fail(open.loc, `the body of macro '${name.text}' is never closed; end it with '%)'.`);
    if (this.macros.has(name.text)) this.fail(name.loc, `the macro '${name.text}' is already defined at ${this.macros.get(name.text)!.loc.file}:${this.macros.get(name.text)!.loc.line}:${this.macros.get(name.text)!.loc.column}.`);
    this.macros.set(name.text, { name: name.text, params, body: tokens.slice(i + 1, k), loc: name.loc });
    return k + 1;
  }

  /** `@NAME` or `@NAME(args)`: the body expanded into `out`; returns the index after the use. */
  private use(macro: Macro, tokens: Token[], start: number, to: number, outer: Map<string, Token[]>, out: Token[]): number {
    const at = tokens[start];
    let i = start + 1;
    const args: Token[][] = [];
    if (macro.params.length > 0) {
      if (tokens[i]?.text !== '(') this.fail(at.loc, `macro @${macro.name} takes ${macro.params.length} argument${macro.params.length === 1 ? '' : 's'}, as in @${macro.name}(${macro.params.join(', ')}).`);
      i++;
      let depth = 0;
      let current: Token[] = [];
      for (; i < to; i++) {
        const x = tokens[i];
        if (x.kind === 'eof') this.fail(at.loc, `the arguments of @${macro.name} are never closed; add ')'.`);
        if (x.kind === 'op' && (x.text === '(' || x.text === '[' || x.text === '{')) depth++;
        if (x.kind === 'op' && (x.text === ')' || x.text === ']' || x.text === '}')) {
          if (depth === 0) break;
          depth--;
        }
        if (depth === 0 && x.kind === 'op' && x.text === ',') {
          args.push(current);
          current = [];
          continue;
        }
        current.push(x);
      }
      if (i >= to) this.fail(at.loc, `the arguments of @${macro.name} are never closed; add ')'.`);
      args.push(current);
      i++;
      if (args.length !== macro.params.length) this.fail(at.loc, `macro @${macro.name} takes ${macro.params.length} argument${macro.params.length === 1 ? '' : 's'}, but ${args.length} ${args.length === 1 ? 'was' : 'were'} given.`);
    }
    if (++this.depth > 100) this.fail(at.loc, `macro @${macro.name} expands without end (it uses itself).`);
    try {
      // arguments are expanded where they are written, then bound to the parameters
      const bound = new Map<string, Token[]>();
      macro.params.forEach((p, n) => {
        const expanded: Token[] = [];
        this.expand(args[n], 0, args[n].length, outer, expanded, false);
        bound.set(p, expanded);
      });
      this.expand(macro.body, 0, macro.body.length, bound, out, false);
    } finally {
      this.depth--;
    }
    return i;
  }
}

function describe(t: Token): string {
  if (t.kind === 'string') return `the string ${t.text}`;
  if (t.kind === 'number') return `the number ${t.text}`;
  if (t.kind === 'eof') return 'the end of the file';
  return `'${t.text}'`;
}
