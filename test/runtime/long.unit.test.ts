import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as L from '../../tracer/runtime/long';

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

test('small values stay numbers', () => {
  assert.is(L.add(2, 3), 5);
  assert.is(L.mul(-4, 5), -20);
  assert.is(L.sub(0, 0), 0);
  assert.is(Object.is(L.mul(0, -5), 0), true, 'no negative zero');
  assert.is(Object.is(L.mod(-5, 5), 0), true, 'no negative zero from %');
});

test('crossing 2^53 switches to bigint exactly, and back', () => {
  const big = L.mul(2 ** 40, 2 ** 20);
  assert.is(big, 2n ** 60n);
  assert.is(L.sub(big, L.toLong(2n ** 60n - 5n)), 5);
  assert.is(L.add(Number.MAX_SAFE_INTEGER, 1), 2n ** 53n);
});

test('64-bit wrap-around', () => {
  assert.is(L.add(L.toLong(MAX), 1), MIN);
  assert.is(L.sub(L.toLong(MIN), 1), MAX);
  assert.is(L.mul(L.toLong(MAX), 2), -2);
  assert.is(L.neg(L.toLong(MIN)), MIN);
  assert.is(L.div(L.toLong(MIN), -1), MIN);
  assert.is(L.toLong(2n ** 64n - 1n), -1, 'unsigned register pattern reads as -1');
});

test('C division and remainder truncate toward zero', () => {
  assert.is(L.div(7, 2), 3);
  assert.is(L.div(-7, 2), -3);
  assert.is(L.mod(-7, 2), -1);
  assert.is(L.mod(7, -2), 1);
  assert.is(L.div(Number.MAX_SAFE_INTEGER, 3), 3002399751580330);
  assert.is(L.div(L.toLong(MAX), 10), 922337203685477580n);
});

test('shifts and bitwise operations on 64 bits', () => {
  assert.is(L.shl(1, 62), 2n ** 62n);
  assert.is(L.shl(1, 63), MIN);
  assert.is(L.shl(1, 64), 1, 'count taken modulo 64, as x86 does');
  assert.is(L.shr(-8, 1), -4);
  assert.is(L.shr(-1, 63), -1);
  assert.is(L.ushr(-1, 60), 15);
  assert.is(L.ushr(-1, 1), MAX);
  assert.is(L.and(L.toLong(0xff00ff00ff00n), 0xffff), 0xff00);
  assert.is(L.or(2 ** 40, 1), 2 ** 40 + 1);
  assert.is(L.xor(-1, 0xf), -16);
  assert.is(L.not(0), -1);
  assert.is(L.not(L.toLong(MIN)), MAX);
});

test('little-endian decoding', () => {
  const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.is(L.fromBytesLE(bytes, 1, true), -1);
  assert.is(L.fromBytesLE(bytes, 1, false), 255);
  assert.is(L.fromBytesLE(bytes, 4, true), -1);
  assert.is(L.fromBytesLE(bytes, 4, false), 0xffffffff);
  assert.is(L.fromBytesLE(bytes, 8, false), -1);
  assert.is(L.fromBytesLE(new Uint8Array([1, 0, 0, 0, 0, 0x7f, 0, 0]), 8, false), 0x7f0000000001);
  assert.equal([...L.toBytesLE(-2, 2)], [0xfe, 0xff]);
});

test.run();
