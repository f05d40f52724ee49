// printf/sprintf with SystemTap's conversion rules (runtime/vsprintf.c), compiled once per
// format into a function of the argument values.
//
// Integers are 64-bit: %d %i signed; %u %x %X %o %p the unsigned 64-bit view; %p is %#x.
// Flags `-` (left, cancels `0`), `0` (zero pad, kept even with a precision, unlike C), `+`, ` `,
// `#` (0x / 0 prefix; escapes for %c). Width and precision may be `*`, taken from the next
// argument; a negative `*` width means left-justify, a negative `*` precision counts as 0. For
// %s the precision is the most bytes printed. %c prints one byte. %b writes the value's raw
// bytes (precision 1, 2, 4 or 8, default 8; width pads with NULs), as SystemTap's binary print.
import type { FormatIR, FormatPiece } from '../ir/ir';
import { toUnsigned, type Long } from './long';
import type { Scalar } from './storage';

export type Formatter = (args: readonly Scalar[]) => string;

interface NumberFlags {
  left: boolean;
  zero: boolean;
  plus: boolean;
  space: boolean;
  special: boolean;
  large: boolean;
  signed: boolean;
}

/** SystemTap's number(): `width`/`precision` are -1 when absent. */
export function formatNumber(value: Long, base: 8 | 10 | 16, width: number, precision: number, flags: NumberFlags): string {
  const zero = flags.zero && !flags.left;
  let size = width;
  let sign = '';
  let digits: string;
  if (flags.signed) {
    const negative = value < 0;
    if (negative) sign = '-';
    else if (flags.plus) sign = '+';
    else if (flags.space) sign = ' ';
    const magnitude = negative ? (typeof value === 'number' ? -value : -value) : value;
    digits = magnitude.toString(base);
  } else {
    digits = typeof value === 'number' && value >= 0 ? value.toString(base) : toUnsigned(value).toString(base);
  }
  if (flags.large) digits = digits.toUpperCase();
  if (sign) size--;
  let prefix = '';
  if (flags.special) {
    if (base === 16) {
      size -= 2;
      prefix = flags.large ? '0X' : '0x';
    } else if (base === 8) {
      size--;
      prefix = '0';
    }
  }
  if (precision < digits.length) precision = digits.length;
  size -= precision;
  const pad = size > 0 ? size : 0;
  const body = sign + prefix + '0'.repeat(precision - digits.length) + digits;
  if (flags.left) return body + ' '.repeat(pad);
  if (zero) return sign + prefix + '0'.repeat(pad) + '0'.repeat(precision - digits.length) + digits;
  return ' '.repeat(pad) + body;
}

const C_ESCAPES: Record<number, string> = { 7: 'a', 8: 'b', 12: 'f', 10: 'n', 13: 'r', 9: 't', 11: 'v', 39: "'", 92: '\\' };

/** One byte as %c prints it; with `#`, non-printables as C escapes or three octal digits. */
export function formatChar(code: number, width: number, left: boolean, escape: boolean): string {
  let text = String.fromCharCode(code);
  if (escape && (code < 0x20 || code > 0x7e || code === 39 || code === 92)) {
    const named = C_ESCAPES[code];
    text = named !== undefined ? '\\' + named : '\\' + ((code >> 6) & 3).toString() + ((code >> 3) & 7).toString() + (code & 7).toString();
  }
  if (width <= text.length) return text;
  return left ? text + ' '.repeat(width - text.length) : ' '.repeat(width - text.length) + text;
}

/** %s: at most `precision` bytes (all when -1), padded with spaces to `width`. */
export function formatString(text: string, width: number, precision: number, left: boolean): string {
  if (precision >= 0 && text.length > precision) text = text.slice(0, precision);
  if (width <= text.length) return text;
  return left ? text + ' '.repeat(width - text.length) : ' '.repeat(width - text.length) + text;
}

/** %b: the low bytes of the value, little-endian (x86), as raw bytes. */
export function formatBinary(value: Long, width: number, precision: number, left: boolean): string {
  if (precision !== -1 && precision !== 1 && precision !== 2 && precision !== 4 && precision !== 8) precision = -1;
  if (width === -1) {
    if (precision === -1) precision = 8;
    width = precision;
  } else if (precision === -1) {
    precision = width === 1 || width === 2 || width === 4 || width === 8 ? width : 8;
  }
  let u = toUnsigned(value);
  let bytes = '';
  for (let i = 0; i < precision; i++) {
    bytes += String.fromCharCode(Number(u & 0xffn));
    u >>= 8n;
  }
  const pad = width > precision ? '\0'.repeat(width - precision) : '';
  return left ? bytes + pad : pad + bytes;
}

function asLong(value: Scalar): Long {
  return typeof value === 'string' ? 0 : value;
}

function clampCount(value: Scalar, limit: number): number {
  const n = typeof value === 'string' ? 0 : Number(value);
  return n > limit ? limit : n;
}

type PieceFn = (args: readonly Scalar[], at: { i: number }) => string;

function compilePiece(piece: FormatPiece, fieldLimit: number): PieceFn | string {
  if (piece.kind === 'text') return piece.text;
  const { conversion, flags } = piece;
  const fixedWidth = piece.width === undefined ? -1 : piece.width === '*' ? undefined : Math.min(piece.width, fieldLimit);
  const fixedPrecision = piece.precision === undefined ? -1 : piece.precision === '*' ? undefined : Math.min(piece.precision, fieldLimit);
  const numberFlags: NumberFlags = {
    left: flags.left,
    zero: flags.zero,
    plus: flags.plus,
    space: flags.space,
    special: flags.alternate || conversion === 'p',
    large: conversion === 'X',
    signed: conversion === 'd' || conversion === 'i',
  };
  const base: 8 | 10 | 16 = conversion === 'o' ? 8 : conversion === 'x' || conversion === 'X' || conversion === 'p' ? 16 : 10;
  return (args, at) => {
    let width = fixedWidth;
    let left = flags.left;
    if (width === undefined) {
      width = clampCount(args[at.i++], fieldLimit);
      if (width < 0) {
        width = Math.min(-width, fieldLimit);
        left = true;
      }
    }
    let precision = fixedPrecision;
    if (precision === undefined) {
      precision = clampCount(args[at.i++], fieldLimit);
      if (precision < 0) precision = 0;
    }
    const value = args[at.i++];
    switch (conversion) {
      case 's':
        return formatString(typeof value === 'string' ? value : String(value), width, precision, left);
      case 'c':
        return formatChar(Number(BigInt.asUintN(8, BigInt(asLong(value)))), width, left, flags.alternate);
      case 'b':
        return formatBinary(asLong(value), width, precision, left);
      default:
        return formatNumber(asLong(value), base, width, precision, left === flags.left ? numberFlags : { ...numberFlags, left });
    }
  };
}

/**
 * Compiles a parsed format. `fieldLimit` bounds widths and precisions (SystemTap clamps them to
 * its buffer: 8192 bytes for printf, MAXSTRINGLEN for sprintf).
 */
export function compileFormat(format: FormatIR, fieldLimit: number): Formatter {
  const parts = format.pieces.map((p) => compilePiece(p, fieldLimit));
  if (parts.every((p) => typeof p === 'string')) {
    const constant = (parts as string[]).join('');
    return () => constant;
  }
  if (parts.length === 1) {
    const only = parts[0] as PieceFn;
    return (args) => only(args, { i: 0 });
  }
  return (args) => {
    const at = { i: 0 };
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(args, at);
    return out;
  };
}
