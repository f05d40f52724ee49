// Progress of slow symbol loading (the first read of a big binary's DWARF), on a terminal only:
// one line on stderr, rewritten in place and erased when done. Pipes and files get nothing.
import type { LoadProgress } from '../../symbolizer/elf-binary';

/** Below this much work (bytes of .debug_info) loading is quick enough to go unannounced. */
const ANNOUNCE_ABOVE = 2 << 20;

/**
 * `stream` is asked for only when a load is about to be shown: making process.stderr costs a few
 * milliseconds of start-up, which most runs (small loads, cached symbols) need not pay.
 */
export function terminalProgress(stream: () => NodeJS.WriteStream = () => process.stderr): LoadProgress {
  let isTerminal: boolean | undefined;
  const terminal = (): boolean => (isTerminal ??= Boolean(stream().isTTY));
  let shown = false;
  let started = 0;
  let label = '';
  let total: number | undefined;
  let lastPercent = -1;
  return {
    begin(what, size) {
      label = what;
      total = size;
      started = Date.now();
      lastPercent = -1;
      shown = (size === undefined || size > ANNOUNCE_ABOVE) && terminal();
      if (shown) stream().write(`\rutap: ${label}...\x1b[K`);
    },
    update(done) {
      if (isTerminal === false) return;
      if (!shown && Date.now() - started > 300) shown = terminal();
      if (!shown || !total) return;
      const percent = Math.min(100, Math.floor((done / total) * 100));
      if (percent === lastPercent) return;
      lastPercent = percent;
      stream().write(`\rutap: ${label}... ${percent}%\x1b[K`);
    },
    end() {
      if (shown) stream().write('\r\x1b[K');
      shown = false;
    },
  };
}
