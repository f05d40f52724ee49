// `utap [options] SCRIPT` — compile the script, plan its probes, run them on an engine.
import { UtapError } from './errors';
import type { RunOptions } from './options';

export async function runCommand(_options: RunOptions): Promise<number> {
  throw new UtapError('running scripts is not built yet.');
}
