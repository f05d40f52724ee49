// The exposition text of a script's globals, from the script alone (no process, no root):
// counters only where the script only adds, label names from foreach variables, SystemTap's
// histogram buckets as cumulative `le` bounds, escaping, names that cannot collide.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { completeStatsUse } from '../../tracer/ir/stats-use';
import { compileScript } from '../../tracer/lang/compile';
import { MetricsView, metricName } from '../../tracer/metrics/exposition';
import { metricShapes } from '../../tracer/metrics/metric-shapes';
import { parseListenAddress } from '../../tracer/metrics/metrics-server';
import { snapshotGlobals } from '../../tracer/runtime/global-snapshot';
import { createGlobalStores } from '../../tracer/runtime/memory-storage';
import { fromText } from '../../tracer/runtime/script-string';
import type { ProgramIR } from '../../tracer/ir/ir';

function program(text: string): ProgramIR {
  return completeStatsUse(compileScript({ text, file: 'm.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false }));
}

function byName(p: ProgramIR, name: string): number {
  return p.globals.find((g) => g.name === name)!.index;
}

test('counters: only ++ and += of a non-negative literal, never reset or deleted', () => {
  const p = program(`global a, b, c, d, e, f[10], g[10], h
probe begin { a++; b += 3; c = 1; d -= 1; e++; delete e; f["x"]++; g["y"] += 2; g["z"] = 5; h += -1 }`);
  const shapes = metricShapes(p);
  const counter = (n: string) => shapes.get(byName(p, n))!.counter;
  assert.equal(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(counter), [true, true, false, false, false, true, false, false]);
});

test('labels: the first foreach over the array names them; else key1..N', () => {
  const p = program(`global by_query, pairs, bare, odd
probe begin { by_query["q"]++; pairs[1, "a"]++; bare[1]++; odd[1, 2]++ }
probe end { foreach ([query] in by_query) {} foreach ([pid, name] in pairs) {} foreach ([le, x] in odd) {} }`);
  const shapes = metricShapes(p);
  assert.equal(shapes.get(byName(p, 'by_query'))!.labels, ['query']);
  assert.equal(shapes.get(byName(p, 'pairs'))!.labels, ['pid', 'name']);
  assert.equal(shapes.get(byName(p, 'bare'))!.labels, ['key1']);
  assert.equal(shapes.get(byName(p, 'odd'))!.labels, ['key1', 'key2'], 'le is reserved for histogram buckets');
});

/** The exposition of `p` after its begin probe's values are stored directly. */
function expose(p: ProgramIR, fill: (stores: ReturnType<typeof createGlobalStores>) => void, prefix = 'utap'): string {
  const stores = createGlobalStores(p.globals);
  fill(stores);
  return new MetricsView(prefix, p).render(snapshotGlobals(p.globals, stores));
}

test('scalars, arrays, strings: types, HELP with the script location, escaped labels', () => {
  const p = program(`global calls, level, name, hits, owner
probe begin { calls++; level = 3; name = "x"; hits["a"]++; owner[1] = "root" }
probe end { foreach ([path] in hits) {} }`);
  const text = expose(p, (s) => {
    (s[byName(p, 'calls')] as { set(v: number): void }).set(7);
    (s[byName(p, 'level')] as { set(v: number): void }).set(-2);
    (s[byName(p, 'name')] as { set(v: string): void }).set(fromText('tab\there "q" \\ é\n'));
    const hits = s[byName(p, 'hits')] as { set(k: unknown[], v: number): boolean };
    hits.set([fromText('/a "b"\n')], 4);
    (s[byName(p, 'owner')] as { set(k: unknown[], v: string): boolean }).set([1], 'root');
  });
  assert.match(text, /^# HELP utap_calls_total value of global calls \(m\.stp:1:8\)\n# TYPE utap_calls_total counter\nutap_calls_total 7$/m);
  assert.match(text, /^# TYPE utap_level gauge\nutap_level -2$/m);
  assert.match(text, /^utap_name_info\{value="tab\there \\"q\\" \\\\ é\\n"\} 1$/m);
  assert.match(text, /^# TYPE utap_hits_total counter\nutap_hits_total\{path="\/a \\"b\\"\\n"\} 4$/m);
  assert.match(text, /^utap_owner_info\{key1="1",value="root"\} 1$/m);
});

test('@hist_log: cumulative le bounds at SystemTap\'s log2 buckets, from 0 (or the lowest negative bucket) to the highest used', () => {
  const p = program(`global t, n
probe begin { t <<< 1; n <<< -1 }
probe end { print(@hist_log(t)) print(@hist_log(n)) }`);
  const text = expose(p, (s) => {
    const t = s[byName(p, 't')] as { add(v: number): void };
    for (const v of [0, 1, 2, 3, 4, 1000, 1023, 1024]) t.add(v);
    const n = s[byName(p, 'n')] as { add(v: number): void };
    for (const v of [-5, -1, 0, 2]) n.add(v);
  });
  const rows = (metric: string) => [...text.matchAll(new RegExp(`^${metric}_bucket\\{le="([^"]+)"\\} (\\d+)$`, 'gm'))].map((m) => `${m[1]}:${m[2]}`);
  // 0 | 1 | 2-3 | 4-7 | ... | 512-1023 | 1024-2047
  assert.equal(rows('utap_t'), ['0:1', '1:2', '3:4', '7:5', '15:5', '31:5', '63:5', '127:5', '255:5', '511:5', '1023:7', '2047:8', '+Inf:8']);
  // -7..-4 | -3..-2 | -1 | 0 | 1 | 2-3
  assert.equal(rows('utap_n'), ['-4:1', '-2:1', '-1:2', '0:3', '1:3', '3:4', '+Inf:4']);
  assert.match(text, /^utap_t_sum 3057\nutap_t_count 8$/m);
  assert.match(text, /^# TYPE utap_t histogram$/m);
  assert.match(text, /^utap_t_min 0$/m);
  assert.match(text, /^utap_t_max 1024$/m);
});

test('@hist_linear: underflow, every bucket, overflow as +Inf; statistics arrays per key', () => {
  const p = program(`global lat
probe begin { lat["a"] <<< 1 }
probe end { foreach ([op] in lat) print(@hist_linear(lat[op], 0, 30, 10)) }`);
  const text = expose(p, (s) => {
    const lat = s[byName(p, 'lat')] as { add(k: unknown[], v: number): boolean };
    for (const v of [-1, 0, 9, 10, 35, 100]) lat.add(['a'], v);
    lat.add(['b'], 5);
  });
  const rows = [...text.matchAll(/^utap_lat_bucket\{op="a",le="([^"]+)"\} (\d+)$/gm)].map((m) => `${m[1]}:${m[2]}`);
  // <0 | 0-9 | 10-19 | 20-29 | 30-39 | >= 40
  assert.equal(rows, ['-1:1', '9:3', '19:4', '29:4', '39:5', '+Inf:6']);
  assert.match(text, /^utap_lat_count\{op="b"\} 1$/m);
  assert.match(text, /^utap_lat_min\{op="a"\} -1$/m);
});

test('statistics without a histogram are summaries; names are sanitised and never collide', () => {
  const p = program(`global s, s_min
probe begin { s <<< 5; s_min = 1 }`);
  const text = expose(p, (st) => (st[byName(p, 's')] as { add(v: number): void }).add(5), 'utap_my-handler.v2');
  assert.match(text, /^# TYPE utap_my_handler_v2_s summary\nutap_my_handler_v2_s_sum 5\nutap_my_handler_v2_s_count 1$/m);
  assert.match(text, /^utap_my_handler_v2_s_min 5$/m);
  // The global named s_min may not reuse the statistic's _min family.
  assert.match(text, /^utap_my_handler_v2_s_min_g1 0$/m);
  assert.is(metricName('9lives:x-y'), '_9lives:x_y');
});

test('listen addresses: loopback unless a host is named', () => {
  assert.equal(parseListenAddress('9464'), { host: '127.0.0.1', port: 9464 });
  assert.equal(parseListenAddress(':9464'), { host: '127.0.0.1', port: 9464 });
  assert.equal(parseListenAddress('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
  assert.equal(parseListenAddress('[::1]:9464'), { host: '::1', port: 9464 });
  for (const bad of ['', 'x', '1.2.3.4:70000', 'host:port']) assert.throws(() => parseListenAddress(bad), /not a listen address/);
});

test.run();
