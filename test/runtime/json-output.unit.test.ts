// --json: one record per print, the globals at exit in the documented shape, errors as records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assign, at, bin, ex, exit, L, lit, print, printf, ProgramBuilder, statsAdd, str, forLoop, cmp, local, incdec, long, printHist } from '../support/ir-builder';
import { runProgram } from '../support/run-plan';

// Sinks take byte strings: decode the UTF-8 the way a reader of the file would.
const records = (bytes: string) => Buffer.from(bytes, 'latin1').toString('utf8').trim().split('\n').map((line) => JSON.parse(line));

test('print records carry the probe point and the text; globals and exit at the end', () => {
  const b = new ProgramBuilder();
  const n = b.scalar('n');
  const name = b.scalar('name', 'string');
  const a = b.array('a', ['string', 'long']);
  const s = b.stats('s');
  const q = b.array('q', ['string'], 'stats');
  const big = b.scalar('big');
  b.probe(['begin'], [long('i')],
    printf(b.format('hello %s\n'), [str('w\xc3\xb6rld')]), // IR strings are bytes: UTF-8 of 'wörld'
    ex(assign(L.global(n), lit(42))),
    ex(assign(L.global(name), str('x"y'), '=', 'string')),
    ex(assign(L.global(big), lit(1n << 60n))),
    ex(assign(L.element(a, [str('k'), lit(2)]), lit(7))),
    forLoop(ex(assign(L.local(0), lit(1))), cmp('<=', local(0), lit(4)), incdec(L.local(0), 1, false), statsAdd({ global: s }, local(0))),
    statsAdd({ global: q, keys: [str('SELECT 1')] }, lit(100)),
    print([str('x')], true),
    exit());
  b.probe(['end'], [], printHist({ global: s }, { kind: 'linear', low: 0n, high: 10n, step: 2n }));
  const r = runProgram(b.build(), { json: true });
  const [hello, x, hist, ...rest] = records(r.stdout);
  assert.equal(hello, { type: 'print', probe: 'begin', text: 'hello wörld\n' });
  assert.equal(x, { type: 'print', probe: 'begin', text: 'x\n' });
  assert.is(hist.probe, 'end');
  assert.ok(hist.text.startsWith('value |'));
  assert.equal(rest, [
    { type: 'global', name: 'n', kind: 'scalar', valueType: 'long', value: 42 },
    { type: 'global', name: 'name', kind: 'scalar', valueType: 'string', value: 'x"y' },
    { type: 'global', name: 'a', kind: 'array', keyTypes: ['string', 'long'], valueType: 'long', entries: [{ key: ['k', 2], value: 7 }] },
    {
      type: 'global', name: 's', kind: 'stats',
      value: {
        count: 4, sum: 10, min: 1, max: 4, avg: 2,
        histograms: [{ kind: 'linear', low: 0, high: 10, step: 2, buckets: [{ value: 0, count: 1 }, { value: 2, count: 2 }, { value: 4, count: 1 }] }],
      },
    },
    { type: 'global', name: 'q', kind: 'array', keyTypes: ['string'], valueType: 'stats', entries: [{ key: ['SELECT 1'], value: { count: 1, sum: 100, min: 100, max: 100, avg: 100, histograms: [] } }] },
    { type: 'global', name: 'big', kind: 'scalar', valueType: 'long', value: '1152921504606846976' },
    { type: 'exit', status: 0, reason: 'exit' },
  ]);
});

test('a runtime error is a record too (and still ERROR text on stderr); empty stats are null', () => {
  const b = new ProgramBuilder();
  const s = b.stats('s');
  b.probe(['begin'], [], ex(bin('/', lit(1), lit(0), at(3, 7))));
  const r = runProgram(b.build(), { json: true });
  assert.equal(records(r.stdout), [
    { type: 'error', message: 'division by 0', file: 'test.stp', line: 3, column: 7, probe: 'begin' },
    { type: 'global', name: 's', kind: 'stats', value: null },
    { type: 'exit', status: 1, reason: 'error' },
  ]);
  assert.match(r.stderr, /^ERROR: division by 0 near (?:[^\n]* at )?test.stp:3:7\n/);
  void s;
});

test.run();
