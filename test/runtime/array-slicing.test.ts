// Array slicing in the runtime, on hand-built IR: `foreach ([a, b] in arr[1, *])` visits only
// the matching elements (then sorts and limits them), `[*, "x"] in arr` asks whether any
// element matches, `delete arr[*, k]` removes every match; on arrays and statistics arrays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Expr, Stmt } from '../../tracer/ir/ir';
import { assign, at, ex, exit, foreach, L, lit, local, long, printf, ProgramBuilder, statsAdd, str, string, agg } from '../support/ir-builder';
import { runProgram } from '../support/run-plan';

const sliceIn = (global: number, keys: Array<Expr | null>): Expr => ({ op: 'arraySliceIn', type: 'long', global, keys, loc: at() });
const sliceDelete = (global: number, keys: Array<Expr | null>): Stmt => ({ kind: 'delete', target: { kind: 'slice', global, keys }, loc: at() });

/** Fills arr[city, year] = population-ish numbers in a begin probe. */
function filled(b: ProgramBuilder, arr: number): Stmt[] {
  const rows: Array<[string, number, number]> = [['oslo', 2020, 7], ['rome', 2020, 28], ['oslo', 2021, 8], ['rome', 2021, 27], ['nice', 2021, 3]];
  return rows.map(([c, y, v]) => ex(assign(L.element(arr, [str(c), lit(y)]), lit(v))));
}

test('foreach over a slice visits the matching elements only, sorted and limited among them', () => {
  const b = new ProgramBuilder();
  const arr = b.array('pop', ['string', 'long']);
  const f = b.format('%s %d %d\n');
  const sep = b.format('--\n');
  b.probe(['begin'], [string('c'), long('y')],
    ...filled(b, arr),
    foreach(arr, [0, 1], printf(f, [local(0, 'string'), local(1), { op: 'arrayGet', type: 'long', global: arr, keys: [local(0, 'string'), local(1)], loc: at() }]), { slice: [null, lit(2021)], sort: { by: 'key', part: 0, direction: 'asc' } }),
    printf(sep, []),
    foreach(arr, [0, 1], printf(f, [local(0, 'string'), local(1), lit(0)]), { slice: [str('rome'), null], limit: lit(1) }),
    printf(sep, []),
    foreach(arr, [0, 1], printf(f, [local(0, 'string'), local(1), lit(0)]), { slice: [str('paris'), null] }),
    exit());
  assert.is(runProgram(b.build()).stdout, 'nice 2021 3\noslo 2021 8\nrome 2021 27\n--\nrome 2020 0\n--\n');
});

test('[*, k] in arr and delete arr[k, *]', () => {
  const b = new ProgramBuilder();
  const arr = b.array('pop', ['string', 'long']);
  const f = b.format('%d %d %d %d\n');
  const n = b.format('left: %s %d\n');
  b.probe(['begin'], [string('c'), long('y')],
    ...filled(b, arr),
    printf(f, [sliceIn(arr, [null, lit(2021)]), sliceIn(arr, [null, lit(1999)]), sliceIn(arr, [str('nice'), null]), sliceIn(arr, [null, null])]),
    sliceDelete(arr, [str('oslo'), null]),
    sliceDelete(arr, [null, lit(2020)]),
    foreach(arr, [0, 1], printf(n, [local(0, 'string'), local(1)]), { sort: { by: 'key', part: 0, direction: 'asc' } }),
    exit());
  assert.is(runProgram(b.build()).stdout, '1 0 1 1\nleft: nice 2021\nleft: rome 2021\n');
});

test('slices of a statistics array', () => {
  const b = new ProgramBuilder();
  const st = b.array('lat', ['string', 'long'], 'stats');
  const f = b.format('%s %d: %d\n');
  const g = b.format('%d\n');
  b.probe(['begin'], [string('op'), long('cpu')],
    statsAdd({ global: st, keys: [str('read'), lit(0)] }, lit(5)),
    statsAdd({ global: st, keys: [str('read'), lit(1)] }, lit(7)),
    statsAdd({ global: st, keys: [str('read'), lit(1)] }, lit(9)),
    statsAdd({ global: st, keys: [str('write'), lit(0)] }, lit(1)),
    foreach(st, [0, 1], printf(f, [local(0, 'string'), local(1), agg('count', st, [local(0, 'string'), local(1)])]), { slice: [str('read'), null], sort: { by: 'key', part: 1, direction: 'desc' } }),
    printf(g, [sliceIn(st, [str('write'), null])]),
    sliceDelete(st, [null, lit(0)]),
    printf(g, [sliceIn(st, [str('write'), null])]),
    exit());
  assert.is(runProgram(b.build()).stdout, 'read 1: 2\nread 0: 1\n1\n0\n');
});

test.run();
