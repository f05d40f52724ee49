// What `utap -L` shows after a marker: `$arg1:long $arg2:long ...`, one per argument of its note
// (SystemTap types every marker argument `long`; the spec's size and sign only shape the value).
import type { SdtMarker } from '../../symbolizer/sdt-notes';
import { parseSdtArguments, SdtArgumentError } from '../../symbolizer/sdt-args';

export function markerArgumentsText(marker: SdtMarker): string {
  let count: number;
  try {
    count = parseSdtArguments(marker.args).length;
  } catch (e) {
    if (!(e instanceof SdtArgumentError)) throw e;
    count = marker.args.trim() ? marker.args.trim().split(/\s+/).length : 0;
  }
  return Array.from({ length: count }, (_, i) => `$arg${i + 1}:long`).join(' ');
}
