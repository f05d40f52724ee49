// How a runtime error reads on stderr, as SystemTap prints it (`ERROR: <message> near <place>`),
// followed by the script line and a caret under the column.
import type { SourceLoc } from '../ir/ir';

/** The source line at `loc` and a caret under its column (tabs kept so the caret lines up). */
export function sourceExcerpt(loc: SourceLoc, sources: Readonly<Record<string, string>>): string {
  const text = sources[loc.file];
  if (text === undefined) return '';
  const line = text.split('\n')[loc.line - 1];
  if (line === undefined) return '';
  const shown = line.replace(/\r$/, '');
  const lead = shown.slice(0, Math.max(0, loc.column - 1)).replace(/[^\t]/g, ' ');
  return `${shown}\n${lead}^\n`;
}

export function formatRuntimeError(message: string, loc: SourceLoc, sources: Readonly<Record<string, string>>): string {
  return `ERROR: ${message} near ${loc.file}:${loc.line}:${loc.column}\n${sourceExcerpt(loc, sources)}`;
}
