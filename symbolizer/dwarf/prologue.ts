// Where SystemTap puts a plain `.function("f")` probe: after the prologue, found with the line
// table. From the row at the entry pc, the first later row inside the function that starts a
// different source line (or carries DW_LNS_set_prologue_end) marks the end of the prologue. If
// there is none — the function is one line, or the line table runs off its end — the entry pc it
// is. Parameters are then (at -O0) in their stack slots, which is why SystemTap waits for it.
import type { LineTable } from './line';

export function afterPrologue(lines: LineTable | undefined, entryPc: bigint, highPc: bigint): bigint {
  if (!lines) return entryPc;
  const rows = lines.rowsBetween(entryPc, highPc);
  const entry = rows.find((r) => r.address === entryPc);
  if (!entry) return entryPc;
  for (const row of rows) {
    if (row.address <= entryPc) {
      if (row.prologueEnd && row.address === entryPc) return entryPc;
      continue;
    }
    if (row.endSequence) break;
    if (row.prologueEnd) return row.address;
    if (row.line !== 0 && (row.line !== entry.line || row.file !== entry.file)) return row.address;
  }
  return entryPc;
}
