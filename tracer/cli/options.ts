// The command line as plain data, produced by main.ts and handed to the commands.

export type EngineChoice = 'auto' | 'ptrace' | 'uprobe' | 'inproc';

export interface RunOptions {
  /** Script file path, or undefined with -e. */
  scriptFile?: string;
  /** -e text. */
  scriptText?: string;
  /** $1.. / @1.. script arguments. */
  scriptArgs: string[];
  pid?: number;
  /** -c: shell words of the command to start under tracing. */
  command?: string;
  engine: EngineChoice;
  outputFile?: string;
  json: boolean;
  /** -D NAME=VALUE, in order. */
  defines: Array<{ name: string; value: string }>;
  verbose: boolean;
  pin: boolean;
  guru: boolean;
  /** -u: accept a script whose probes all do nothing (SystemTap drops such probes unless -u). */
  unoptimized?: boolean;
  /** -W: what SystemTap warns about is an error. */
  warningsAsErrors?: boolean;
  /** -w: no warnings (so -W has none to turn into errors, and warn() prints nothing). */
  noWarnings?: boolean;
  /** -I DIR, in order; the bundled tapset/ folder is searched after these. */
  includeDirs: string[];
  /** --name: register the kernel handlers under this name (uprobe engine). */
  handlerName?: string;
  /** --detach: keep registered handlers collecting after utap exits. */
  detach: boolean;
  /** --metrics ADDR: serve the running script's globals to Prometheus at ADDR. */
  metrics?: string;
  /** --stop-after: only parse, or parse and check, the script (nothing is traced). */
  stopAfter?: 'parse' | 'check';
}

export interface ListOptions {
  probePoint: string;
  /** -L: also print the $vars available at each point. */
  withVariables: boolean;
  pid?: number;
  command?: string;
  verbose: boolean;
  includeDirs: string[];
}
