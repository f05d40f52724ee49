// Array slicing as SystemTap writes it, through the real CLI: `*` in place of a key in
// foreach (... in arr[k, *]), delete arr[*, k] and [*, k] in arr, on arrays and statistics
// arrays; the checker types the fixed keys and counts them, and refuses a slice as a value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runUtap } from '../support/run-utap';

const fill = 'global a, s\nprobe begin { a[1, "x"] = 10; a[1, "y"] = 11; a[2, "x"] = 20; a[3, "z"] = 30; s[1, 1] <<< 5; s[1, 2] <<< 6; s[1, 2] <<< 7; s[2, 1] <<< 8 }\n' +
  // both arrays are read somewhere, so neither is printed at exit
  'probe never { x = a[1, "x"] + @count(s[1, 1]) }\n';

async function output(body: string): Promise<string> {
  const r = await runUtap(['-e', `${fill}probe begin(1) { ${body}; exit() }`]);
  assert.is(r.stderr, '', body);
  assert.is(r.status, 0);
  return r.stdout;
}

test('foreach over a slice visits only the matching elements, sorted and limited among them', async () => {
  assert.is(await output('foreach ([k, t+] in a[1, *]) printf("%d%s ", k, t)'), '1x 1y ');
  assert.is(await output('foreach (v = [k, t] in a[*, "x"]-) printf("%d=%d ", k, v)'), '2=20 1=10 ');
  assert.is(await output('n = 1; foreach ([k, t] in a[n + 1, *]) printf("%d%s ", k, t)'), '2x ');
  assert.is(await output('foreach ([k, t] in a[*, *] limit 2) n++; println(n)'), '2\n');
});

test('slices of a statistics array, sorted by an aggregate', async () => {
  assert.is(await output('foreach ([i, j] in s[1, *] @sum-) printf("%d,%d:%d ", i, j, @sum(s[i, j]))'), '1,2:13 1,1:5 ');
});

test('[*, k] in arr and delete arr[*, k]', async () => {
  assert.is(await output('printf("%d %d %d\\n", [*, "x"] in a, [3, *] in a, [*, "w"] in a)'), '1 1 0\n');
  assert.is(await output('delete a[*, "x"]; foreach ([k, t+] in a) printf("%d%s ", k, t); delete s[1, *]; foreach ([i, j] in s) printf("| %d,%d", i, j)'), '1y 3z | 2,1');
});

test('the checker counts and types the keys of a slice and refuses a slice as a value', async () => {
  const cases: Array<[string, RegExp]> = [
    ['global a\nprobe begin { a[1, 2] = 3; foreach ([x, y] in a["s", *]) {} }', /^<input>:2:49: error: type mismatch: key 1 of 'a' is a long, but a string is needed here\./],
    ['global a\nprobe begin { a[1, 2] = 3; delete a[*, *, *] }', /^<input>:2:35: error: 'a' is used with 3 keys here but 2 elsewhere/],
    ['global a\nprobe begin { a[1, 2] = 3; foreach ([x, y] in a[*]) {} }', /^<input>:2:47: error: the slice names 1 key but this foreach takes 2\./],
    ['global a\nprobe begin { a[1, 2] = 3; x = a[*, 2] }', /^<input>:2:32: error: a slice such as a\[\*, k\] has no single value/],
  ];
  for (const [script, message] of cases) {
    const r = await runUtap(['--stop-after', 'check', '-e', script]);
    assert.is(r.status, 1, script);
    assert.match(r.stderr, message);
  }
});

test.run();
