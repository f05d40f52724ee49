// How a runtime error reads on stderr, as SystemTap prints it: one line,
// `ERROR: <message> near <token> at <file>:<line>:<column>`, the token described as SystemTap's
// lexer names it (`operator '/'`, `identifier 'x'`). Compile-time diagnostics use the excerpt
// (the script line and a caret) below.
import type { SourceLoc } from '../ir/ir';

/** Characters of a script line shown around the column when the line is longer. */
const EXCERPT_WIDTH = 160;

/**
 * `text` safe to print on a terminal: control characters (C0 but tab and newline, DEL, C1) as
 * `\xHH`, so a script or argument holding ESC sequences cannot drive the user's terminal.
 */
export function visibleText(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The source line at `loc` and a caret under its column (tabs kept so the caret lines up),
 * control characters escaped; of a long line, only the part around the column, with `...`.
 */
export function sourceExcerpt(loc: SourceLoc, sources: Readonly<Record<string, string>>): string {
  const text = sources[loc.file];
  if (text === undefined) return '';
  const line = nthLine(text, loc.line);
  if (line === undefined) return '';
  const raw = line.replace(/\r$/, '');
  const at = Math.min(Math.max(0, loc.column - 1), raw.length);
  let from = 0;
  let to = raw.length;
  if (raw.length > EXCERPT_WIDTH) {
    from = Math.max(0, Math.min(at - EXCERPT_WIDTH / 2, raw.length - EXCERPT_WIDTH));
    to = from + EXCERPT_WIDTH;
  }
  const before = (from > 0 ? '...' : '') + visibleText(raw.slice(from, at));
  const shown = before + visibleText(raw.slice(at, to)) + (to < raw.length ? '...' : '');
  return `${shown}\n${before.replace(/[^\t]/g, ' ')}^\n`;
}

/** Line `n` (1-based) of `text`, without splitting all of a large file. */
function nthLine(text: string, n: number): string | undefined {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return undefined;
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}

export function formatRuntimeError(message: string, loc: SourceLoc, sources: Readonly<Record<string, string>>): string {
  const token = tokenAt(loc, sources);
  return `${visibleText(`ERROR: ${message} near ${token ? `${token} at ` : ''}${loc.file}:${loc.line}:${loc.column}`)}\n`;
}

const KEYWORDS = new Set(['probe', 'global', 'private', 'function', 'if', 'else', 'for', 'foreach', 'in', 'limit', 'return', 'delete', 'while', 'break', 'continue', 'next', 'string', 'long', 'try', 'catch']);
const OPERATOR = /^(>>>=|<<<|>>>|<<=|>>=|[=!]~|==|!=|<=|>=|&&|\|\||\+\+|--|[-+*\/%&|^.]=|<<|>>|->|[-+*\/%<>=!~&|^?:,;.()[\]{}])/;

/**
 * The token at `loc` as SystemTap's messages name it: `identifier 'x'` (target variables and
 * `@` forms too), `keyword 'return'`, `number '42'`, `string 'text'`, `operator '/'`.
 */
export function tokenAt(loc: SourceLoc, sources: Readonly<Record<string, string>>): string | undefined {
  const text = sources[loc.file];
  if (text === undefined) return undefined;
  const line = nthLine(text, loc.line);
  if (line === undefined) return undefined;
  const rest = line.slice(Math.max(0, loc.column - 1));
  let m = /^[$@]{0,2}[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
  if (m) return `${KEYWORDS.has(m[0]) ? 'keyword' : 'identifier'} '${m[0]}'`;
  if ((m = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(rest))) return `number '${m[0]}'`;
  if ((m = /^"((?:\\.|[^"\\])*)"/.exec(rest))) return `string '${m[1]}'`;
  if ((m = OPERATOR.exec(rest))) return `operator '${m[0]}'`;
  return undefined;
}
