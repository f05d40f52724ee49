import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compileFormat } from '../../tracer/runtime/printf-format';
import type { Scalar } from '../../tracer/runtime/storage';
import { parseFormat } from '../support/ir-builder';
import { toLong } from '../../tracer/runtime/long';

const f = (format: string, ...args: Scalar[]) => compileFormat(parseFormat(format), 8192)(args);

test('lecture report format', () => {
  assert.is(f('%2s %6s %-40s\n', '#', 'uS', 'query'), ' #     uS query                                   \n');
  assert.is(f('%2d %6d %-40s\n', 12, 990, 'DELETE FROM num_result;'), '12    990 DELETE FROM num_result;                 \n');
});

test('signed, unsigned, hex, octal on 64 bits', () => {
  assert.is(f('%d %i %u', -1, -1, -1), '-1 -1 18446744073709551615');
  assert.is(f('%x %X %o', 255, 255, 8), 'ff FF 10');
  assert.is(f('%x', -1), 'ffffffffffffffff');
  assert.is(f('%d', toLong(-9223372036854775808n)), '-9223372036854775808');
  assert.is(f('%p', 4096), '0x1000');
  assert.is(f('%p', 0), '0x0');
  assert.is(f('%#x %#o %#X', 255, 8, 255), '0xff 010 0XFF');
});

test('flags, width and precision', () => {
  assert.is(f('[%5d][%-5d][%05d]', 42, 42, 42), '[   42][42   ][00042]');
  assert.is(f('[%+d][% d][%+d]', 5, 5, -5), '[+5][ 5][-5]');
  assert.is(f('[%05d]', -42), '[-0042]');
  assert.is(f('[%.3d][%6.3d]', 7, 7), '[007][   007]');
  assert.is(f('[%-05d]', 3), '[3    ]', '- cancels 0');
  assert.is(f('[%#08x]', 255), '[0x0000ff]');
  assert.is(f('[%08.3d]', 7), '[00000007]', 'SystemTap keeps zero padding with a precision');
});

test("where SystemTap's number() differs from C printf", () => {
  assert.is(f('[%.0d]', 0), '[0]', 'C prints nothing');
  assert.is(f('[%#x]', 0), '[0x0]', 'C prints 0');
  assert.is(f('[%#.3o]', 1), '[0001]', 'C prints 001');
  assert.is(f('[%06.2d]', 5), '[000005]', 'C ignores 0 with a precision');
});

test('strings: width, left, precision', () => {
  assert.is(f('[%5s][%-5s][%.2s][%5.1s]', 'ab', 'ab', 'abcdef', 'xyz'), '[   ab][ab   ][ab][    x]');
  assert.is(f('[%s]', ''), '[]');
});

test('star width and precision from arguments', () => {
  assert.is(f('[%*d]', 6, 42), '[    42]');
  assert.is(f('[%*d]', -6, 42), '[42    ]');
  assert.is(f('[%.*s]', 3, 'abcdef'), '[abc]');
  assert.is(f('[%*.*s]', 5, 2, 'abcdef'), '[   ab]');
  assert.is(f('[%.*s]', -1, 'abc'), '[]', 'negative precision clamps to 0 as in SystemTap');
});

test('%c, %%, and escapes with #', () => {
  assert.is(f('%c%c%%', 65, 0x142), 'AB%', 'low byte of the value');
  assert.is(f('[%3c][%-3c]', 120, 120), '[  x][x  ]');
  assert.is(f('%#c%#c%#c', 10, 1, 65), '\\n\\001A');
});

test('%b writes raw bytes', () => {
  assert.is(f('%b', 0x41424344), 'DCBA\0\0\0\0');
  assert.is(f('%.2b', 0x4142), 'BA');
  assert.is(f('%4b', 0x41), 'A\0\0\0');
});

test('constant formats', () => {
  assert.is(f('hello\n'), 'hello\n');
  assert.is(f('100%%\n'), '100%\n');
});

test.run();
