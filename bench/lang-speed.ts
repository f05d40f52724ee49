// Front-end speed: parse + check + lower of a generated 2,000-line script (every kind of
// statement, globals, functions, arrays, statistics), in process, median over runs.
//
//   node dist/bench/lang-speed.js [--runs N] [--lines N]
//
// Target (issue 3): under 200 ms for 2,000 lines. Launch-to-exit of the smallest script is
// bench/launch.ts.
import { compileScript } from '../tracer/lang/compile';

/** A script of about `lines` lines exercising the whole language. */
export function generatedScript(lines: number): string {
  const out: string[] = ['global counts, lat, names[10000], total', ''];
  let n = 0;
  while (out.length < lines) {
    n++;
    out.push(
      `function helper${n}(x, s:string) {`,
      `  if (x > ${n}) return x * 2 + strlen(s)`,
      `  for (i = 0; i < x; i++) total += i % 7`,
      `  return x - 1`,
      `}`,
      `probe timer.ms(${(n % 50) + 1}) {`,
      `  v = helper${n}(${n}, "p${n}")`,
      `  counts["k${n}", v] += 1`,
      `  lat <<< v * ${n}`,
      `  names[v] = sprintf("%d-%s", v, "n${n}")`,
      `  foreach ([k, w] in counts- limit 3) { if (w > 0) printf("%s %d\\n", k, w) }`,
      `  if (@count(lat) > 100 && [v] in names) delete names[v]`,
      `  s = v > 10 ? "big" : "small"`,
      `  while (v > 0) { v >>= 1; if (v == 3) break }`,
      `}`,
      '',
    );
  }
  out.push('probe end { printf("%d %d\\n", @count(lat), total) }');
  return out.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1] ?? 0) || 7;
  const lines = Number(args[args.indexOf('--lines') + 1] ?? 0) || 2000;
  const text = generatedScript(lines);
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const started = process.hrtime.bigint();
    compileScript({ text, file: 'generated.stp', scriptArgs: [], defines: [], includeDirs: [], guru: false });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (i > 0) times.push(ms); // the first run also loads and JIT-compiles the front end
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`parse+check+lower of a ${text.split('\n').length}-line script: median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms over ${runs} runs (target < 200 ms)`);
}

if (require.main === module) main();
