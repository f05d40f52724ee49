// Strings built from target values ($$parms, $$locals, $$vars, $$return, $var$): a list of
// literal text and formatted values, turned into one `sprintf` node whose format is added to the
// program's formats (reused when an identical one is already there).
import type { Expr, FormatConversion, FormatIR, FormatPiece, ProgramIR, SourceLoc } from '../ir/ir';

export type FormatPart =
  | { kind: 'text'; text: string }
  /** A long printed with a conversion: 'x' with `alternate` gives SystemTap's `0x..` form. */
  | { kind: 'long'; conversion: FormatConversion; alternate: boolean; value: Expr }
  | { kind: 'string'; value: Expr };

const NO_FLAGS = { left: false, zero: false, plus: false, space: false, alternate: false };

function formatIndex(program: ProgramIR, pieces: FormatPiece[], loc: SourceLoc): number {
  const text = pieces.map((p) => {
    if (p.kind === 'text') return p.text.replace(/%/g, '%%');
    return `%${p.flags.alternate ? '#' : ''}${p.conversion}`;
  }).join('');
  const existing = program.formats.findIndex((f) => f.text === text);
  if (existing >= 0) return existing;
  const format: FormatIR = { text, pieces, loc };
  program.formats.push(format);
  return program.formats.length - 1;
}

/** One string expression for `parts`: a constant string when nothing varies, else a sprintf. */
export function formatParts(program: ProgramIR, parts: FormatPart[], loc: SourceLoc): Expr {
  const meaningful = parts.filter((p) => p.kind !== 'text' || p.text !== '');
  if (meaningful.length === 1 && meaningful[0].kind === 'string') return meaningful[0].value;
  const pieces: FormatPiece[] = [];
  const args: Expr[] = [];
  for (const part of parts) {
    if (part.kind === 'text') {
      const last = pieces[pieces.length - 1];
      if (last?.kind === 'text') last.text += part.text;
      else if (part.text) pieces.push({ kind: 'text', text: part.text });
      continue;
    }
    if (part.kind === 'long') {
      pieces.push({ kind: 'conversion', conversion: part.conversion, flags: { ...NO_FLAGS, alternate: part.alternate }, argType: 'long' });
    } else {
      pieces.push({ kind: 'conversion', conversion: 's', flags: { ...NO_FLAGS }, argType: 'string' });
    }
    args.push(part.value);
  }
  if (args.length === 0) return { op: 'string', type: 'string', value: pieces.map((p) => (p.kind === 'text' ? p.text : '')).join(''), loc };
  return { op: 'sprintf', type: 'string', format: formatIndex(program, pieces, loc), args, loc };
}
