// The lexer: script text → tokens with 1-based line/column. Comments (`#`, `//`, `/* */`) are
// skipped. Script arguments (`$1`, `@1`, `$#`, `@#`) come out as `arg` tokens: the preprocessor
// substitutes them where they are live (preprocess.ts), as SystemTap does. `%{ ... %}` (embedded
// C) is one `embedded` token, so the parser can say where it is not supported.
import type { SourceLoc } from '../ir/ir';
import type { Diagnostics } from './diagnostic';

export type TokenKind = 'ident' | 'number' | 'string' | 'op' | 'target' | 'at' | 'arg' | 'embedded' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token as written (for `target`: `$name`/`$$parms`; for `at`: `@count`). */
  text: string;
  /** Numbers: the value as written (up to 2^64-1; wrapped to a long when lowered); strings: the decoded bytes (latin1). */
  value?: bigint | string;
  /** `target` tokens: a trailing `$` or `$$` asking for a pretty-printed string. */
  pretty?: '$' | '$$';
  loc: SourceLoc;
}

const OPERATORS = [
  '>>>=', '<<<', '>>>', '<<=', '>>=', '%(', '%?', '%:', '%)', '=~', '!~',
  '==', '!=', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '.=', '<<', '>>', '->',
  '+', '-', '*', '/', '%', '<', '>', '=', '!', '~', '&', '|', '^', '?', ':', ',', ';', '.', '(', ')', '{', '}', '[', ']',
];

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'", '?': '?' };

const MAX_LONG = (1n << 63n) - 1n;

export function tokenize(text: string, file: string, diag: Diagnostics, firstLine = 1, firstColumn = 1): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = firstLine;
  let lineStart = 1 - firstColumn;
  const loc = (at: number): SourceLoc => ({ file, line, column: at - lineStart + 1 });
  const fail = (at: number, why: string): never => diag.error(loc(at), why);

  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const start = i;
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) {
        if (text[i] === '\n') {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      if (i >= text.length) {
        // report where the comment began
        const saved = { line, lineStart };
        const before = text.slice(0, start);
        line = before.split('\n').length;
        lineStart = before.lastIndexOf('\n') + 1;
        const at = loc(start);
        line = saved.line;
        lineStart = saved.lineStart;
        diag.error(at, 'this comment is never closed; end it with */.');
      }
      i += 2;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), loc: loc(start) });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text.slice(i))!;
      let end = i + m[0].length;
      if (/[A-Za-z0-9_]/.test(text[end] ?? '')) {
        while (end < text.length && /[A-Za-z0-9_]/.test(text[end])) end++;
        fail(start, `'${text.slice(start, end)}' is not a number: write decimal (42), hexadecimal (0x2a) or octal (052).`);
      }
      const digits = m[0];
      const value = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits[0] === '0' ? BigInt('0o' + digits.slice(1)) : BigInt(digits);
      // as in SystemTap, any literal up to 2^64-1 is taken (and wraps: 18446744073709551615 is -1)
      if (value >= 1n << 64n) fail(start, `the number ${digits} does not fit in 64 bits.`);
      i = end;
      tokens.push({ kind: 'number', text: digits, value, loc: loc(start) });
      continue;
    }
    if (c === '"') {
      i++;
      // the value as bytes (one latin1 char each): text as its UTF-8, escapes as the byte they name
      let value = '';
      let plain = '';
      const flush = () => {
        value += Buffer.from(plain, 'utf8').toString('latin1');
        plain = '';
      };
      for (;;) {
        if (i >= text.length || text[i] === '\n') fail(start, 'this string has no closing quote.');
        const ch = text[i];
        if (ch === '"') break;
        if (ch === '\\') {
          flush();
          const e = text[i + 1];
          if (e === undefined) fail(i, 'this string has no closing quote.');
          if (/[0-7]/.test(e)) {
            const m = /^[0-7]{1,3}/.exec(text.slice(i + 1))!;
            value += String.fromCharCode(parseInt(m[0], 8) & 0xff);
            i += 1 + m[0].length;
            continue;
          }
          if (e === 'x') {
            const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2));
            if (!m) fail(i, "'\\x' needs hexadecimal digits after it.");
            value += String.fromCharCode(parseInt(m![0], 16));
            i += 2 + m![0].length;
            continue;
          }
          if (e === '\n') {
            // a backslash-newline continues the string on the next line
            i += 2;
            line++;
            lineStart = i;
            continue;
          }
          const decoded = ESCAPES[e];
          if (decoded === undefined) fail(i, `'\\${e}' is not an escape utap knows; write \\\\ for a backslash.`);
          value += decoded;
          i += 2;
          continue;
        }
        plain += ch;
        i++;
      }
      flush();
      i++;
      tokens.push({ kind: 'string', text: text.slice(start, i), value, loc: loc(start) });
      continue;
    }
    if (c === '%' && text[i + 1] === '{') {
      const end = text.indexOf('%}', i + 2);
      if (end < 0) fail(start, 'this embedded C block is never closed; end it with %}.');
      const startLoc = loc(start);
      for (let k = i; k < end; k++) {
        if (text[k] === '\n') {
          line++;
          lineStart = k + 1;
        }
      }
      tokens.push({ kind: 'embedded', text: text.slice(start, end + 2), loc: startLoc });
      i = end + 2;
      continue;
    }
    if (c === '$') {
      const m = /^\$(\$?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|#)?/.exec(text.slice(i))!;
      if ((/^\$[0-9]+$/.test(m[0]) || m[0] === '$#') && !m[1]) {
        tokens.push({ kind: 'arg', text: m[0], loc: loc(start) });
        i += m[0].length;
        continue;
      }
      if (!m[2]) {
        // a lone `$` / `$$`: the pretty-printing suffix after `$p->member` or an autocast (the
        // parser says where it does not belong)
        const op = m[1] ? '$$' : '$';
        tokens.push({ kind: 'op', text: op, loc: loc(start) });
        i += op.length;
        continue;
      }
      if (/^[0-9]/.test(m[2])) fail(start, "'$' must start a target variable such as $name, $$parms or a script argument such as $1.");
      i += m[0].length;
      let pretty: '$' | '$$' | undefined;
      if (text[i] === '$') {
        pretty = text[i + 1] === '$' ? '$$' : '$';
        i += pretty.length;
      }
      tokens.push({ kind: 'target', text: m[0], pretty, loc: loc(start) });
      continue;
    }
    if (c === '@') {
      const m = /^@([A-Za-z_][A-Za-z0-9_]*|[0-9]+|#)?/.exec(text.slice(i))!;
      if (!m[1]) fail(start, "'@' must start an aggregate such as @count(x), @entry($var) or a script argument such as @1.");
      if (/^[0-9]+$/.test(m[1]) || m[1] === '#') {
        tokens.push({ kind: 'arg', text: m[0], loc: loc(start) });
        i += m[0].length;
        continue;
      }
      i += m[0].length;
      tokens.push({ kind: 'at', text: m[0], loc: loc(start) });
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) fail(start, `'${c}' is not part of the script language here.`);
    i += op!.length;
    tokens.push({ kind: 'op', text: op!, loc: loc(start) });
  }
  tokens.push({ kind: 'eof', text: '', loc: loc(i) });
  return tokens;

}
