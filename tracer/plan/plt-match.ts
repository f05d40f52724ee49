// The PLT entries a `.plt("NAME")` / `.plt` pattern names in one binary: the stubs in .plt,
// .plt.sec (IBT) and .plt.got that jump to an imported function (symbolizer/plt.ts), named by
// that function as SystemTap names them. The probe sits on the stub's first instruction, so it
// fires on every call made through the PLT, before lazy binding or after it. No debug
// information is needed.
import type { ElfBinary } from '../../symbolizer/elf-binary';
import { compileGlob } from '../../symbolizer/glob';
import { readPltEntries, type PltEntry } from '../../symbolizer/plt';
import type { ProbeLocation } from './probe-match';
import type { ProcessProbeSpec } from './probe-spec';

const entryCache = new WeakMap<ElfBinary, PltEntry[]>();

function pltEntries(binary: ElfBinary): PltEntry[] {
  let entries = entryCache.get(binary);
  if (!entries) {
    // An IRELATIVE slot (`*ABS*+0x...`) names no function a script could ask for.
    entries = readPltEntries(binary.elf).filter((e) => !e.target.startsWith('*ABS*'));
    entryCache.set(binary, entries);
  }
  return entries;
}

/** SystemTap's form: `process("/abs/path").plt("puts")`, `.return` for a return probe. */
export function pltCanonicalText(binaryPath: string, name: string, variant?: 'return'): string {
  return `process(${JSON.stringify(binaryPath)}).plt(${JSON.stringify(name)})${variant ? `.${variant}` : ''}`;
}

/** One location per PLT stub whose function the pattern matches (`.plt` alone: every one). */
export function matchPltEntries(binary: ElfBinary, spec: ProcessProbeSpec): ProbeLocation[] {
  const name = compileGlob(spec.pattern.name);
  const variant = spec.variant === 'return' ? 'return' : undefined;
  const out: ProbeLocation[] = [];
  for (const entry of pltEntries(binary)) {
    if (!name.matches(entry.target)) continue;
    out.push({
      binary, kind: variant ? 'return' : 'entry', function: entry.target, vaddr: entry.address, entryPc: entry.address, inlined: false,
      canonical: pltCanonicalText(binary.path, entry.target, variant), plt: entry,
    });
  }
  return out;
}
