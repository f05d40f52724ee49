// How a runtime error reads on stderr, as SystemTap prints it: one line,
// `ERROR: <message> near <token> at <file>:<line>:<column>`, the token described as SystemTap's
// lexer names it (`operator '/'`, `identifier 'x'`). Compile-time diagnostics use the excerpt
// (the script line and a caret) of ../source-excerpt.ts.
import type { SourceLoc } from '../ir/ir';
import { nthLine, visibleText } from '../source-excerpt';

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
