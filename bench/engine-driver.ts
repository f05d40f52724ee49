// utap's engines without its script front end: the benchmark's two scripts, built as handler IR
// (what the front end would lower them to), planned by the real planner and run by the real
// engine with the same request `utap` makes. It lets the benchmark measure the engines while the
// front end is not in the build; once `bin/utap.js` runs the scripts itself, the "utap …" rows
// measure the whole command and these "[IR]" rows show what the front end adds (start-up only).
//
//   node dist/bench/engine-driver.js --engine uprobe|ptrace [--pin] [--printf -o FILE]
//        --function NAME [--library PATH] -c 'COMMAND'
//
// Scripts (the same as bench/tools.ts gives bin/utap.js):
//   count   global n; probe PP { n++ } probe end { printf("utap-bench hits=%d\n", n) }
//   printf  probe PP { printf("hit\n") }
// where PP is process.function("NAME") or process("PATH").function("NAME").
import type { EngineName } from '../tracer/engine/engine';
import { planBenchScript } from './utap-ir-plan';

interface DriverOptions {
  engine: EngineName;
  pin: boolean;
  printf: boolean;
  outputFile?: string;
  function: string;
  library?: string;
  command: string;
}

function parse(argv: string[]): DriverOptions {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const engine = get('--engine');
  const fn = get('--function');
  const command = get('-c');
  if ((engine !== 'uprobe' && engine !== 'ptrace') || !fn || !command) {
    process.stderr.write("usage: engine-driver --engine uprobe|ptrace [--pin] [--printf -o FILE] --function NAME [--library PATH] -c 'COMMAND'\n");
    process.exit(1);
  }
  return { engine, pin: argv.includes('--pin'), printf: argv.includes('--printf'), outputFile: get('-o'), function: fn, library: get('--library'), command };
}

async function main(): Promise<number> {
  const options = parse(process.argv.slice(2));
  const { chooseEngine } = await import('../tracer/engine/choose');
  const plan = planBenchScript(options);
  const request = {
    plan,
    session: { json: false, outputFile: options.outputFile },
    command: options.command,
    pin: options.pin,
    guru: false,
    detach: false,
    verbose: false,
    log: () => undefined,
  };
  return chooseEngine(options.engine, request).run(request);
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    const e = error as { status?: number; message?: string };
    process.stderr.write(`engine-driver: ${e.message ?? String(error)}\n`);
    process.exit(typeof e.status === 'number' ? e.status : 2);
  },
);
