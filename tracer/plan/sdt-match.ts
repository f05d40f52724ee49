// The SDT markers a `.mark("NAME")` / `.provider("P").mark("NAME")` pattern names in one binary,
// from its `.note.stapsdt` notes (no debug information needed). As in SystemTap, a `-` in the
// pattern stands for the `__` that DTrace-style names carry (`query-start` is `query__start`).
import { EXIT_ENVIRONMENT, UtapError } from '../errors';
import { DecodeError } from '../../symbolizer/decode-error';
import { compileGlob } from '../../symbolizer/glob';
import type { ElfBinary } from '../../symbolizer/elf-binary';
import { readSdtMarkers, type SdtMarker } from '../../symbolizer/sdt-notes';
import type { ProbeLocation } from './probe-match';
import type { ProcessProbeSpec } from './probe-spec';

const markerCache = new WeakMap<ElfBinary, SdtMarker[]>();

/** The markers of `binary`, read once per binary; a damaged note is one sentence, exit 2. */
export function sdtMarkers(binary: ElfBinary): SdtMarker[] {
  let markers = markerCache.get(binary);
  if (!markers) {
    try {
      markers = readSdtMarkers(binary.elf);
    } catch (e) {
      if (e instanceof DecodeError) throw new UtapError(`the SDT notes of ${binary.path} are damaged (${e.message}); its markers cannot be probed.`, EXIT_ENVIRONMENT);
      throw e;
    }
    markerCache.set(binary, markers);
  }
  return markers;
}

/** SystemTap's form: `.provider(...)` only when the point named one. */
export function markCanonicalText(binaryPath: string, marker: Pick<SdtMarker, 'provider' | 'name'>, withProvider: boolean): string {
  const provider = withProvider ? `.provider(${JSON.stringify(marker.provider)})` : '';
  return `process(${JSON.stringify(binaryPath)})${provider}.mark(${JSON.stringify(marker.name)})`;
}

/** One location per marker site (a marker may be placed at several pcs, e.g. when inlined). */
export function matchMarkers(binary: ElfBinary, spec: ProcessProbeSpec): ProbeLocation[] {
  const name = compileGlob(spec.pattern.name.replace(/-/g, '__'));
  const provider = spec.provider !== undefined ? compileGlob(spec.provider) : undefined;
  const out: ProbeLocation[] = [];
  for (const marker of sdtMarkers(binary)) {
    if (!name.matches(marker.name) || (provider && !provider.matches(marker.provider))) continue;
    const symbol = binary.symbols().at(marker.pc);
    out.push({
      binary, kind: 'statement', function: symbol?.symbol.name ?? '', vaddr: marker.pc, entryPc: marker.pc, inlined: false,
      canonical: markCanonicalText(binary.path, marker, spec.provider !== undefined), marker,
    });
  }
  return out;
}
