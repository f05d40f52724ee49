// How utap shows a piece of the user's text in a message: control characters escaped, and the
// script line at a location with a caret under its column. Diagnostics (lang/diagnostic.ts), the
// planner's errors and runtime errors (runtime/error-report.ts) all print through it; it imports
// only the IR's location type, so the front end need not reach into the runtime for it.
import type { SourceLoc } from './ir/ir';

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
export function nthLine(text: string, n: number): string | undefined {
  let start = 0;
  for (let i = 1; i < n; i++) {
    const next = text.indexOf('\n', start);
    if (next < 0) return undefined;
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? text.length : end);
}
