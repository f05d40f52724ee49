// SystemTap's print family beyond print/println/printf/sprintf: sprint(...) and sprintln(...)
// (print's text as a value), printd(delim, ...) / printdln / sprintd / sprintdln (values joined
// by a literal delimiter), and print_char(c). Each is a printf/sprintf of a format built here
// from the types of its arguments (%d for a long, %s for a string; the delimiter is text), so
// every executor formats it with the code it already has. `sprint(@hist_log(x))` is the text
// print(@hist_log(x)) would draw.
import type { Expr, FormatIR, FormatPiece, SourceLoc } from '../ir/ir';
import type { AstExpr } from './ast';

export interface PrintFamilyMember {
  /** printd/printdln/print_char print; the others give the text as a string value. */
  statement: boolean;
  /** The first argument is a literal delimiter put between the values. */
  delimited: boolean;
  newline: boolean;
  /** print_char(c): one byte. */
  char?: boolean;
}

export const PRINT_FAMILY: Record<string, PrintFamilyMember> = {
  sprint: { statement: false, delimited: false, newline: false },
  sprintln: { statement: false, delimited: false, newline: true },
  printd: { statement: true, delimited: true, newline: false },
  printdln: { statement: true, delimited: true, newline: true },
  sprintd: { statement: false, delimited: true, newline: false },
  sprintdln: { statement: false, delimited: true, newline: true },
  print_char: { statement: true, delimited: false, newline: false, char: true },
};

const NO_FLAGS = { left: false, zero: false, plus: false, space: false, alternate: false };

/** The format printing `values` (already typed) as `member` does, with `delimiter` between them. */
export function printFamilyFormat(member: PrintFamilyMember, values: readonly Expr[], delimiter: string, loc: SourceLoc): FormatIR {
  const pieces: FormatPiece[] = [];
  const text = (t: string) => {
    if (!t) return;
    const last = pieces[pieces.length - 1];
    if (last?.kind === 'text') last.text += t;
    else pieces.push({ kind: 'text', text: t });
  };
  values.forEach((v, i) => {
    if (i > 0) text(delimiter);
    const conversion = member.char ? 'c' : v.type === 'string' ? 's' : 'd';
    pieces.push({ kind: 'conversion', conversion, flags: { ...NO_FLAGS }, argType: conversion === 's' ? 'string' : 'long' });
  });
  if (member.newline) text('\n');
  const shown = pieces.map((p) => (p.kind === 'text' ? p.text.replace(/%/g, '%%') : `%${p.conversion}`)).join('');
  return { text: shown, pieces, loc };
}

/** `sprint(@hist_log(x))` / `sprintln(...)`: the histogram whose drawing is the value, if that is the call. */
export function histogramOf(e: Extract<AstExpr, { kind: 'call' }>): Extract<AstExpr, { kind: 'aggregate' }> | undefined {
  if (e.name !== 'sprint' && e.name !== 'sprintln') return undefined;
  const only = e.args.length === 1 ? e.args[0] : undefined;
  return only?.kind === 'aggregate' && only.fn.startsWith('hist_') ? only : undefined;
}
