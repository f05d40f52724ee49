// Deep nesting and long chains (lang/nesting.ts): every shape either compiles and runs or is
// refused in one located sentence with exit status 1 — never "Maximum call stack size exceeded".
// The front end runs in-process for the shapes; the real CLI runs the ones whose result counts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UtapError } from '../../tracer/errors';
import { compileScript } from '../../tracer/lang/compile';
import { MAX_EXPRESSION_DEPTH, MAX_NESTING } from '../../tracer/lang/nesting';
import { runUtap } from '../support/run-utap';

/** Compiles `text` as the file t.stp: undefined when it compiles, else the error's status and first line. */
function compile(text: string): { status: number; first: string } | undefined {
  try {
    compileScript({ text, file: 't.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false });
    return undefined;
  } catch (error) {
    if (!(error instanceof UtapError)) throw error;
    return { status: error.status, first: error.message.split('\n')[0] };
  }
}

const begin = (body: string) => `probe begin { ${body} }`;
const terms = (n: number, op: string) => Array.from({ length: n }, (_, i) => String(i + 1)).join(` ${op} `);

const NESTED: Array<[string, (n: number) => string]> = [
  ['parentheses', (n) => begin(`x = ${'('.repeat(n)}1${')'.repeat(n)}`)],
  ['blocks', (n) => begin(`${'{'.repeat(n)} x = 1 ${'}'.repeat(n)}`)],
  ['if statements', (n) => begin(`x = 1 ${'if (x) '.repeat(n)} x++`)],
  ['else-if chains', (n) => begin(`x = 1 ${Array.from({ length: n }, (_, i) => `if (x == ${i}) x++`).join(' else ')}`)],
  ['while loops', (n) => begin(`x = 0 ${'while (x < 1) '.repeat(n)} x++`)],
  ['prefix operators', (n) => begin(`x = ${'-'.repeat(0)}${'!'.repeat(n)}1`)],
  ['?: chains', (n) => begin(`x = 1 y = ${Array.from({ length: n }, (_, i) => `x == ${i} ? ${i} :`).join(' ')} 0`)],
  ['assignment chains', (n) => begin(`${Array.from({ length: n }, (_, i) => `a${i} =`).join(' ')} 1`)],
  ['nested calls', (n) => `function f(x) { return x } ${begin(`x = ${'f('.repeat(n)}1${')'.repeat(n)}`)}`],
  ['nested array keys', (n) => `global a ${begin(`x = ${'a['.repeat(n)}1${']'.repeat(n)}`)}`],
];

for (const [shape, make] of NESTED) {
  test(`${shape}: ${MAX_NESTING / 4} deep compiles; 5000 deep is one located sentence, exit 1`, () => {
    assert.is(compile(make(MAX_NESTING / 4)), undefined);
    const refused = compile(make(5000));
    assert.ok(refused, 'a 5000-deep script was accepted');
    assert.is(refused!.status, 1);
    assert.match(refused!.first, /^t\.stp:1:\d+: error: this (is nested more than 200 levels deep|expression is more than 1000 operations deep)/);
  });
}

test('a chain of one associative operator is not deep: a 10,000-term sum, concatenation, && and || compile', () => {
  for (const op of ['+', '*', '&', '|', '^', '&&', '||']) assert.is(compile(begin(`x = ${terms(10_000, op)}`)), undefined, op);
  assert.is(compile(begin(`x = ${Array.from({ length: 10_000 }, () => '"a"').join(' . ')}`)), undefined);
});

test(`a chain of '-' counts one level per operator: ${MAX_EXPRESSION_DEPTH - 10} terms compile, 1,500 do not`, () => {
  assert.is(compile(begin(`x = ${terms(MAX_EXPRESSION_DEPTH - 10, '-')}`)), undefined);
  const refused = compile(begin(`x = ${terms(1500, '-')}`));
  assert.is(refused?.status, 1);
  assert.match(refused!.first, /^t\.stp:1:\d+: error: this expression is more than 1000 operations deep/);
});

test('the CLI runs a 10,000-term sum and a 900-term difference with the right values', async () => {
  const sum = await runUtap(['-e', begin(`println(${terms(10_000, '+')}); println(1000 ${'- 1 '.repeat(900)}); exit()`)]);
  assert.is(sum.stderr, '');
  assert.is(sum.stdout, `${(10_000 * 10_001) / 2}\n100\n`);
});

test('a balanced chain keeps left-to-right evaluation: calls with side effects run in source order', async () => {
  const calls = Array.from({ length: 100 }, (_, i) => `f(${i})`).join(' + ');
  const r = await runUtap(['-e', `global order function f(x) { order .= sprintf("%d,", x); return x } ${begin(`println(${calls}); println(order); exit()`)}`, '-D', 'MAXSTRINGLEN=1024']);
  assert.is(r.stderr, '');
  assert.is(r.stdout, `${(99 * 100) / 2}\n${Array.from({ length: 100 }, (_, i) => `${i},`).join('')}\n`);
});

test('a balanced concatenation is cut at MAXSTRINGLEN as the left-deep one would be', async () => {
  const r = await runUtap(['-D', 'MAXSTRINGLEN=50', '-e', begin(`s = ${Array.from({ length: 40 }, (_, i) => `"${String.fromCharCode(97 + (i % 26))}"`).join(' . ')} . "0123456789"; println(s); exit()`)]);
  assert.is(r.stderr, '');
  const letters = Array.from({ length: 40 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  assert.is(r.stdout, `${(letters + '0123456789').slice(0, 49)}\n`);
});

test('the CLI refuses 5,000 nested parentheses and a 1,500-term difference quickly, exit 1, no internal error', async () => {
  for (const body of [`x = ${'('.repeat(5000)}1${')'.repeat(5000)}`, `x = ${terms(1500, '-')}`]) {
    const r = await runUtap(['-e', begin(body)], { timeoutMs: 20_000 });
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /^<input>:1:\d+: error: this /);
    assert.not.match(r.stderr, /internal error|Maximum call stack/);
    // the excerpt of a long line is a window around the column
    assert.ok(r.stderr.split('\n')[1].length <= 170, r.stderr.split('\n')[1]);
  }
});

test('a chain of 3,000 functions each calling the next, declared callee-last, types as strings (inference settles)', () => {
  const fns = Array.from({ length: 3000 }, (_, i) => `function f${i + 1}(x) { y = f${i}(x); return y }`).reverse();
  const text = `${fns.join('\n')}\nfunction f0(x) { return "s" }\n${begin('s = f3000(1); t = s . "!"')}`;
  assert.is(compile(text), undefined);
});

test('a cycle of 2,000 mutually recursive functions is marked recursive and stops at MAXNESTING', async () => {
  // MAXNESTING's default follows the call graph, as in SystemTap: the deepest chain (2,000) + 1, + 10 for recursion.
  const n = 2000;
  const fns = Array.from({ length: n }, (_, i) => `function f${i}(x) { return x > 0 ? f${(i + 1) % n}(x - 1) + 1 : 0 }`);
  const r = await runUtap(['-e', `${fns.join('\n')}\n${begin('println(f0(5)); println(f0(50)); println(f0(5000))')}`]);
  assert.is(r.stdout, '5\n50\n');
  assert.is(r.status, 1);
  assert.match(r.stderr, /^ERROR: MAXNESTING exceeded near [^\n]* at <input>:/);
});

test('aliases naming aliases multiply: 2^12 probe points run, 2^20 are one located sentence', async () => {
  const chain = (levels: number) => [
    ...Array.from({ length: levels }, (_, i) => `probe a${i} = a${i + 1}, a${i + 1} { }`),
    `probe a${levels} = begin { }`,
  ].join('\n');
  const r = await runUtap(['-e', `${chain(12)}\nglobal n\nprobe a0 { n++ }\nprobe end { println(n) }\nprobe begin(1) { exit() }`]);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '4096\n');
  const refused = compile(`${chain(20)}\nprobe a0 { }`);
  assert.is(refused?.status, 1);
  assert.is(refused!.first, "t.stp:6:12: error: the probe alias 'a6' expands to more than 10000 probe points through the aliases it names; utap allows 10000.");
});

test.run();
