// Bundles the tsc output into dist/bundle/ (scripts/setup.sh and `npm run build` run it after
// tsc): the CLI and the ptrace and in-process engines' worker threads, each one file, same tree shape as dist/
// (tracer/install-paths.ts finds everything from either). koffi stays outside: it loads its
// native module by a path computed at run time. bin/utap.js loads the bundle (tracer/cli/launch.ts).
// Beside the CLI's bundle goes main.js.sha256 (hex SHA-256 and size): the launcher takes a V8 code
// cache only when it was made from source with that digest, without hashing at every start.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';

const dist = path.resolve(__dirname, '..');

// commander requires node:child_process (and node:net with it, ~4 ms of start-up) for
// executable subcommands, which utap does not have: hand it a stand-in that loads the real
// module on first use.
const lazyChildProcessForCommander: Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `module.exports = new Proxy({}, { get: (_, key) => require('node:${args.path}')[key] });`,
      loader: 'js',
    }));
  },
};

function writeDigest(): void {
  const main = path.join(dist, 'bundle', 'tracer', 'cli', 'main.js');
  const bytes = fs.readFileSync(main);
  fs.writeFileSync(`${main}.sha256`, `${createHash('sha256').update(bytes).digest('hex')} ${bytes.length}\n`);
}

build({
  entryPoints: ['tracer/cli/main.js', 'tracer/engine/ptrace/ptrace-worker.js', 'tracer/engine/inproc/inproc-worker.js'].map((entry) => path.join(dist, entry)),
  outbase: dist,
  outdir: path.join(dist, 'bundle'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['koffi'],
  // Less to read and hash at every start; names are kept, so messages and stacks stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [lazyChildProcessForCommander],
  logLevel: 'warning',
}).then(writeDigest, () => {
  process.exitCode = 1; // esbuild has printed why
});
