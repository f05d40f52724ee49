// `utap -l / -L PROBE_POINT` — list the probe points a pattern matches.
import { UtapError } from './errors';
import type { ListOptions } from './options';

export async function listCommand(_options: ListOptions): Promise<number> {
  throw new UtapError('listing probe points is not built yet.');
}
