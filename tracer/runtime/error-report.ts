// How a runtime error reads on stderr, as SystemTap prints it (`ERROR: <message> near <place>`),
// followed by the script line and a caret under the column.
import type { SourceLoc } from '../ir/ir';
import { sourceExcerpt, visibleText } from '../source-excerpt';

export function formatRuntimeError(message: string, loc: SourceLoc, sources: Readonly<Record<string, string>>): string {
  return `${visibleText(`ERROR: ${message} near ${loc.file}:${loc.line}:${loc.column}`)}\n${sourceExcerpt(loc, sources)}`;
}
