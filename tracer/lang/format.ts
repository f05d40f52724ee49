// printf/sprintf formats: parsed once at compile time into FormatIR, so a bad conversion is a
// script error with its location, and the checker knows the type each argument must have.
import type { FormatConversion, FormatIR, FormatPiece, SourceLoc } from '../ir/ir';

export class FormatProblem extends Error {}

const CONVERSIONS = 'diuxXospcb';

export function parseFormat(text: string, loc: SourceLoc): FormatIR {
  const pieces: FormatPiece[] = [];
  const pushText = (t: string) => {
    if (!t) return;
    const prev = pieces[pieces.length - 1];
    if (prev && prev.kind === 'text') prev.text += t;
    else pieces.push({ kind: 'text', text: t });
  };
  let i = 0;
  while (i < text.length) {
    const pct = text.indexOf('%', i);
    if (pct < 0) {
      pushText(text.slice(i));
      break;
    }
    pushText(text.slice(i, pct));
    i = pct + 1;
    if (text[i] === '%') {
      pushText('%');
      i++;
      continue;
    }
    const flags = { left: false, zero: false, plus: false, space: false, alternate: false };
    for (; i < text.length && '-0+ #'.includes(text[i]); i++) {
      if (text[i] === '-') flags.left = true;
      else if (text[i] === '0') flags.zero = true;
      else if (text[i] === '+') flags.plus = true;
      else if (text[i] === ' ') flags.space = true;
      else flags.alternate = true;
    }
    let width: number | '*' | undefined;
    if (text[i] === '*') {
      width = '*';
      i++;
    } else {
      const m = /^[0-9]+/.exec(text.slice(i));
      if (m) {
        width = Number(m[0]);
        i += m[0].length;
      }
    }
    let precision: number | '*' | undefined;
    if (text[i] === '.') {
      i++;
      if (text[i] === '*') {
        precision = '*';
        i++;
      } else {
        const m = /^[0-9]*/.exec(text.slice(i))!;
        precision = Number(m[0] || '0');
        i += m[0].length;
      }
    }
    // C length modifiers carry no meaning for 64-bit script values; accept and ignore them
    while (i < text.length && 'hlLjzt'.includes(text[i])) i++;
    const c = text[i];
    if (c === undefined) throw new FormatProblem(`the format ends inside a conversion ('%' at the end); write %% for a literal percent sign.`);
    if (!CONVERSIONS.includes(c)) throw new FormatProblem(`'%${JSON.stringify(c).slice(1, -1)}' is not a printf conversion utap knows (use %d %i %u %x %X %o %s %p %c %b or %%).`);
    i++;
    const conversion = c as FormatConversion;
    pieces.push({ kind: 'conversion', conversion, flags, width, precision, argType: conversion === 's' ? 'string' : 'long' });
  }
  return { text, pieces, loc };
}

/** The argument types a format consumes, in order (`*` widths and precisions are longs). */
export function formatArgTypes(format: FormatIR): Array<'long' | 'string'> {
  const types: Array<'long' | 'string'> = [];
  for (const p of format.pieces) {
    if (p.kind !== 'conversion') continue;
    if (p.width === '*') types.push('long');
    if (p.precision === '*') types.push('long');
    types.push(p.argType);
  }
  return types;
}
