// Bundles the tsc output into dist/bundle/ (scripts/setup.sh and `npm run build` run it after
// tsc): the CLI and the ptrace engine's worker thread, each one file, same tree shape as dist/
// (tracer/install-paths.ts finds everything from either). koffi stays outside: it loads its
// native module by a path computed at run time. bin/utap.js loads the bundle (tracer/cli/launch.ts).
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

build({
  entryPoints: ['tracer/cli/main.js', 'tracer/engine/ptrace/ptrace-worker.js'].map((entry) => path.join(dist, entry)),
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
}).catch(() => {
  process.exitCode = 1; // esbuild has printed why
});
