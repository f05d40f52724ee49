// The number fast path of long.ts against plain BigInt arithmetic wrapped to 64 bits, on random
// operands drawn around the places where representations change (2^31, 2^53, 2^63).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as L from '../../tracer/runtime/long';

let seed = 0x2545f491;
function rand32(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}
const EDGES = [0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 52n, 2n ** 53n, 2n ** 62n, 2n ** 63n - 1n];
function operand(): bigint {
  const edge = EDGES[rand32() % EDGES.length];
  const jitter = BigInt(rand32() % 2049) - 1024n;
  const wide = (BigInt(rand32()) << 32n) | BigInt(rand32());
  const v = rand32() % 4 === 0 ? wide : edge + jitter;
  return BigInt.asIntN(64, rand32() % 2 ? v : -v);
}
const wrap = (v: bigint) => BigInt.asIntN(64, v);
const same = (got: L.Long, want: bigint, what: string) => {
  assert.is(BigInt(got), want, what);
  assert.is(typeof got === 'number', want >= -(2n ** 53n - 1n) && want <= 2n ** 53n - 1n, `${what}: normalized form`);
};

test('add sub mul div mod and/or/xor shifts agree with BigInt on 20000 random pairs', () => {
  for (let i = 0; i < 20000; i++) {
    const a = operand(), b = operand();
    const x = L.toLong(a), y = L.toLong(b);
    same(L.add(x, y), wrap(a + b), `${a} + ${b}`);
    same(L.sub(x, y), wrap(a - b), `${a} - ${b}`);
    same(L.mul(x, y), wrap(a * b), `${a} * ${b}`);
    if (b !== 0n) {
      same(L.div(x, y), wrap(a / b), `${a} / ${b}`);
      same(L.mod(x, y), wrap(a % b), `${a} % ${b}`);
    }
    same(L.and(x, y), a & b, `${a} & ${b}`);
    same(L.or(x, y), a | b, `${a} | ${b}`);
    same(L.xor(x, y), a ^ b, `${a} ^ ${b}`);
    const n = BigInt(rand32() % 64);
    same(L.shl(x, Number(n)), wrap(a << n), `${a} << ${n}`);
    same(L.shr(x, Number(n)), a >> n, `${a} >> ${n}`);
    same(L.ushr(x, Number(n)), wrap(BigInt.asUintN(64, a) >> n), `${a} >>> ${n}`);
    same(L.neg(x), wrap(-a), `-${a}`);
    same(L.not(x), ~a, `~${a}`);
  }
});

test.run();
