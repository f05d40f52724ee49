// Launch-to-exit time of the utap command on the smallest script, against bare Node:
//
//   node dist/bench/launch.js [--runs N] [--json]
//
// Target (issue 3): `utap -e 'probe begin { exit() }'` under 120 ms on this machine, where
// `node -e 0` alone takes ~70 ms (26 ms without NODE_EXTRA_CA_CERTS, which bin/utap drops).
// Each run is a fresh process, timed from spawn to exit.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const utap = path.resolve(__dirname, '..', '..', 'bin', 'utap');

export interface LaunchFigure {
  name: string;
  command: string[];
  runs: number;
  medianMs: number;
  minMs: number;
  /** Exit status of the last run (a failing command would make the timing meaningless). */
  status: number | null;
}

function measure(name: string, command: string[], runs: number, env: NodeJS.ProcessEnv = process.env): LaunchFigure {
  const times: number[] = [];
  let status: number | null = null;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(command[0], command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    status = r.status;
  }
  times.sort((a, b) => a - b);
  return { name, command, runs, medianMs: times[Math.floor(times.length / 2)], minMs: times[0], status };
}

function withoutExtraCaCerts(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function benchLaunch(runs = 15): LaunchFigure[] {
  return [
    measure('node -e 0 (floor)', [process.execPath, '-e', '0'], runs),
    measure('node -e 0 without NODE_EXTRA_CA_CERTS', [process.execPath, '-e', '0'], runs, withoutExtraCaCerts()),
    measure("utap -e 'probe begin { exit() }'", [utap, '-e', 'probe begin { exit() }'], runs),
    measure("utap -e 'probe begin { printf(\"%d\\n\", 1 + 2); exit() }'", [utap, '-e', 'probe begin { printf("%d\\n", 1 + 2); exit() }'], runs),
  ];
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const runsArg = args.indexOf('--runs');
  const figures = benchLaunch(runsArg >= 0 ? Number(args[runsArg + 1]) : 15);
  if (args.includes('--json')) console.log(JSON.stringify(figures));
  else for (const f of figures) console.log(`${f.medianMs.toFixed(1).padStart(7)} ms median  ${f.minMs.toFixed(1).padStart(7)} ms min  ${f.name}${f.status ? `  (exit status ${f.status})` : ''}`);
}
