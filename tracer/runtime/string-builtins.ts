// The string builtins of the IR's BUILTINS table, with SystemTap's semantics (tapset/string.stp):
// byte strings in, byte strings out, every result cut to the string limit.
import { fromBigInt, toUnsigned, type Long } from './long';

/** substr(s, start, length): `length` bytes from byte `start` (0-based); "" when start is out of range. */
export function substr(text: string, start: Long, length: Long, maxContent: number): string {
  if (start < 0 || start >= text.length) return '';
  const count = length < 0 ? 0 : length > maxContent ? maxContent : Number(length);
  const from = Number(start);
  return text.slice(from, from + count);
}

export function isinstr(haystack: string, needle: string): Long {
  return haystack.includes(needle) ? 1 : 0;
}

/** stringat(s, i): the byte at i, 0 out of range. */
export function stringat(text: string, index: Long): Long {
  if (index < 0 || index >= text.length) return 0;
  const code = text.charCodeAt(Number(index));
  return code > 0x7f ? code - 0x100 : code; // C's char is signed on x86
}

export function isdigit(text: string): Long {
  const c = text.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 ? 1 : 0;
}

export function strReplace(text: string, search: string, replacement: string, maxContent: number): string {
  if (search.length === 0) return text;
  const out = text.split(search).join(replacement);
  return out.length > maxContent ? out.slice(0, maxContent) : out;
}

function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x7a) return code - 0x61 + 10;
  if (code >= 0x41 && code <= 0x5a) return code - 0x41 + 10;
  return 99;
}

/**
 * strtol(s, base) as the kernel's simple_strtol: an optional '-', then digits of `base` up to the
 * first byte that is not one; base 0 picks 16 for "0x", 8 for a leading "0", else 10; base 16
 * skips a "0x" prefix. No digits give 0; the value wraps at 64 bits.
 */
export function strtol(text: string, baseArg: Long): Long {
  let i = 0;
  let negative = false;
  if (text.charCodeAt(0) === 0x2d) {
    negative = true;
    i = 1;
  }
  let base = Number(baseArg);
  const hexPrefix = text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && digitValue(text.charCodeAt(i + 2)) < 16;
  if (base === 0) {
    if (hexPrefix) base = 16;
    else if (text[i] === '0') base = 8;
    else base = 10;
  }
  if (base < 2 || base > 36) return 0;
  if (base === 16 && hexPrefix) i += 2;
  let value = 0n;
  const bigBase = BigInt(base);
  for (; i < text.length; i++) {
    const d = digitValue(text.charCodeAt(i));
    if (d >= base) break;
    value = BigInt.asUintN(64, value * bigBase + BigInt(d));
  }
  return fromBigInt(negative ? -value : value);
}

const TEXT_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 12: 'f', 10: 'n', 13: 'r', 9: 't', 11: 'v', 34: '"', 92: '\\' };

/**
 * text_str / text_strn (_stp_text_str): printable ASCII kept, `"` `\` and control bytes as C
 * escapes, other bytes as three octal digits, within `len` output bytes (0: the string limit);
 * quoted puts the result in double quotes and marks a cut with `...` after the closing quote
 * (made room for by dropping whole pieces, never half an escape).
 */
export function textStr(text: string, lenArg: Long, quoted: boolean, maxContent: number): string {
  let budget = lenArg <= 0 || lenArg > maxContent ? maxContent : Number(lenArg);
  if (quoted) budget = Math.max(budget, 5) - 2;
  let out = '';
  // where each piece (a byte or its escape) ends in `out`, to cut between pieces below
  const ends: number[] = [];
  let i = 0;
  for (; i < text.length && budget > 0; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) break;
    let piece: string;
    if (c >= 0x20 && c < 0x7f && c !== 34 && c !== 92) piece = text[i];
    else {
      const named = TEXT_ESCAPES[c];
      piece = named !== undefined ? '\\' + named : '\\' + ((c >> 6) & 3) + ((c >> 3) & 7) + (c & 7);
    }
    if (budget < piece.length) break;
    out += piece;
    ends.push(out.length);
    budget -= piece.length;
  }
  const truncated = i < text.length && text.charCodeAt(i) !== 0;
  if (!quoted) return out;
  if (truncated) {
    // room for `...`: give back 3 - budget bytes, never half an escape
    const room = out.length - (3 - budget);
    let cut = 0;
    for (const end of ends) if (end <= room) cut = end;
    return '"' + out.slice(0, cut) + '"...';
  }
  return '"' + out + '"';
}

/** A long as hex text, for usymname()/umodname() when nothing better is known. */
export function hexAddress(address: Long): string {
  return '0x' + toUnsigned(address).toString(16);
}

/** strpos(s, t): byte offset of the first t in s (0 for an empty t), -1 when absent. */
export function strpos(haystack: string, needle: string): Long {
  return haystack.indexOf(needle);
}

/**
 * tokenize(s, delims)'s state, as SystemTap keeps it in the probe context: the copy of the
 * last non-empty input and where the next token starts (-1: none left).
 */
export interface TokenizeState {
  text: string;
  next: number;
}

export function newTokenizeState(): TokenizeState {
  return { text: '', next: -1 };
}

/**
 * tokenize(s, delims): with a non-empty s, starts over on (a copy of) s; with "", goes on with
 * the previous one. Returns the next token: the text up to the next byte found in `delims`,
 * skipping empty ones (runs of delimiters), or "" when none is left (C's strsep in a loop).
 */
export function tokenize(state: TokenizeState, input: string, delims: string, maxContent: number): string {
  if (input.length > 0) {
    state.text = input.length > maxContent ? input.slice(0, maxContent) : input;
    state.next = 0;
  }
  const { text } = state;
  while (state.next >= 0) {
    const start = state.next;
    let end = start;
    while (end < text.length && !delims.includes(text[end])) end++;
    state.next = end < text.length ? end + 1 : -1;
    if (end > start) return text.slice(start, end);
  }
  return '';
}
