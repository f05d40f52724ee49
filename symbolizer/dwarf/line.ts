// The line number program's state machine (DWARF 5 §6.2) and the table of rows it produces,
// stored column-wise in typed arrays (big programs have hundreds of thousands of rows), with
// queries by address and by line.
import { ByteReader } from '../byte-reader';
import { DW_LNE, DW_LNS } from './constants';
import { joinPath, type LineProgramHeader } from './line-header';

export interface LineRow {
  address: bigint;
  /** File number as the program uses it (index into header.files). */
  file: number;
  /** The file's path (directory joined), '' if the number is not in the table. */
  path: string;
  line: number;
  column: number;
  isStmt: boolean;
  basicBlock: boolean;
  endSequence: boolean;
  prologueEnd: boolean;
  epilogueBegin: boolean;
  discriminator: number;
}

/** A run of rows with increasing addresses, closed by an end_sequence row. */
export interface LineSequence {
  /** Index of the first row and of the end_sequence row. */
  first: number;
  last: number;
  low: bigint;
  /** Address of the end_sequence row: one past the last instruction. */
  high: bigint;
}

const IS_STMT = 1, BASIC_BLOCK = 2, END_SEQUENCE = 4, PROLOGUE_END = 8, EPILOGUE_BEGIN = 16;

export class LineTable {
  /** Sequences sorted by low address; tombstoned ones (discarded code relocated to 0) left out. */
  readonly sequences: LineSequence[];

  constructor(
    readonly header: LineProgramHeader,
    readonly count: number,
    private readonly addresses: Float64Array,
    private readonly files: Uint32Array,
    private readonly lines: Uint32Array,
    private readonly columns: Uint32Array,
    private readonly flags: Uint8Array,
    private readonly discriminators: Uint32Array,
    sequences: LineSequence[],
  ) {
    this.sequences = sequences.filter((s) => s.low !== 0n).sort((a, b) => (a.low < b.low ? -1 : a.low > b.low ? 1 : 0));
  }

  filePath(file: number): string {
    return this.header.files[file]?.path ?? '';
  }

  row(i: number): LineRow {
    const f = this.flags[i];
    const file = this.files[i];
    return {
      address: BigInt(this.addresses[i]),
      file,
      path: this.filePath(file),
      line: this.lines[i],
      column: this.columns[i],
      isStmt: (f & IS_STMT) !== 0,
      basicBlock: (f & BASIC_BLOCK) !== 0,
      endSequence: (f & END_SEQUENCE) !== 0,
      prologueEnd: (f & PROLOGUE_END) !== 0,
      epilogueBegin: (f & EPILOGUE_BEGIN) !== 0,
      discriminator: this.discriminators[i],
    };
  }

  /** Every row in program order (including end_sequence rows and tombstoned sequences). */
  *rows(): Generator<LineRow> {
    for (let i = 0; i < this.count; i++) yield this.row(i);
  }

  /** The sequence whose [low, high) holds `pc`. */
  sequenceAt(pc: bigint): LineSequence | undefined {
    let lo = 0;
    let hi = this.sequences.length - 1;
    let found: LineSequence | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sequences[mid].low <= pc) {
        found = this.sequences[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Sequences may overlap when several start at the same address; take any that holds pc.
    if (found && pc < found.high) return found;
    for (const s of this.sequences) if (pc >= s.low && pc < s.high) return s;
    return undefined;
  }

  /** Index of the row describing `pc`: the last row of its sequence at an address ≤ pc. */
  rowIndexAt(pc: bigint): number {
    const seq = this.sequenceAt(pc);
    if (!seq) return -1;
    const target = Number(pc);
    let lo = seq.first;
    let hi = seq.last - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.addresses[mid] <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The row for `pc` (file, line, column of the instruction there). */
  rowAt(pc: bigint): LineRow | undefined {
    const i = this.rowIndexAt(pc);
    return i < 0 ? undefined : this.row(i);
  }

  /** Rows of the sequence containing [low, high) that start inside it, in address order. */
  rowsBetween(low: bigint, high: bigint): LineRow[] {
    const out: LineRow[] = [];
    const seq = this.sequenceAt(low);
    if (!seq) return out;
    const lowN = Number(low);
    const highN = Number(high);
    for (let i = seq.first; i < seq.last; i++) {
      const a = this.addresses[i];
      if (a >= highN) break;
      if (a >= lowN) out.push(this.row(i));
    }
    return out;
  }

  /**
   * Rows for `line` of the files `fileMatches` accepts, is_stmt only. Within a sequence only the
   * first row of each run of consecutive rows on that line is kept — the address a breakpoint for
   * the line belongs at.
   */
  rowsForLine(fileMatches: (path: string) => boolean, line: number): LineRow[] {
    const wanted = new Set<number>();
    this.header.files.forEach((f, i) => {
      if (f && fileMatches(f.path)) wanted.add(i);
    });
    const out: LineRow[] = [];
    if (wanted.size === 0) return out;
    for (const seq of this.sequences) {
      let inRun = false;
      for (let i = seq.first; i < seq.last; i++) {
        const match = this.lines[i] === line && wanted.has(this.files[i]);
        if (match && (this.flags[i] & IS_STMT) && !inRun) out.push(this.row(i));
        // A run continues across rows of the same line (is_stmt or not) at increasing addresses.
        inRun = match;
      }
    }
    return out;
  }
}

/** Column-wise row storage that grows by doubling. */
class RowBuilder {
  count = 0;
  addresses = new Float64Array(256);
  files = new Uint32Array(256);
  lines = new Uint32Array(256);
  columns = new Uint32Array(256);
  flags = new Uint8Array(256);
  discriminators = new Uint32Array(256);

  push(address: bigint, file: number, line: number, column: number, flags: number, discriminator: number): void {
    if (this.count === this.addresses.length) this.grow();
    const i = this.count++;
    this.addresses[i] = Number(address);
    this.files[i] = file;
    this.lines[i] = line;
    this.columns[i] = column;
    this.flags[i] = flags;
    this.discriminators[i] = discriminator;
  }

  private grow(): void {
    const n = this.addresses.length * 2;
    const widen = <T extends Float64Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.addresses = widen(this.addresses, (k) => new Float64Array(k));
    this.files = widen(this.files, (k) => new Uint32Array(k));
    this.lines = widen(this.lines, (k) => new Uint32Array(k));
    this.columns = widen(this.columns, (k) => new Uint32Array(k));
    this.flags = widen(this.flags, (k) => new Uint8Array(k));
    this.discriminators = widen(this.discriminators, (k) => new Uint32Array(k));
  }
}

/** Runs the line number program described by `header` and returns its rows. */
export function runLineProgram(section: Uint8Array, header: LineProgramHeader): LineTable {
  const r = new ByteReader(section, '.debug_line');
  r.seek(header.programOffset);
  const rows = new RowBuilder();
  const sequences: LineSequence[] = [];
  const { minimumInstructionLength: minInst, lineBase, lineRange, opcodeBase, defaultIsStmt } = header;
  const maxOps = header.maximumOperationsPerInstruction || 1;
  const files = header.files;

  let address = 0n, opIndex = 0, file = 1, line = 1, column = 0, discriminator = 0;
  let isStmt = defaultIsStmt, basicBlock = false, prologueEnd = false, epilogueBegin = false;
  let sequenceStart = 0;
  const reset = (): void => {
    address = 0n; opIndex = 0; file = 1; line = 1; column = 0; discriminator = 0;
    isStmt = defaultIsStmt; basicBlock = false; prologueEnd = false; epilogueBegin = false;
  };
  const emit = (endSequence: boolean): void => {
    const f = (isStmt ? IS_STMT : 0) | (basicBlock ? BASIC_BLOCK : 0) | (endSequence ? END_SEQUENCE : 0) |
      (prologueEnd ? PROLOGUE_END : 0) | (epilogueBegin ? EPILOGUE_BEGIN : 0);
    rows.push(address, file, line, column, f, discriminator);
  };
  const advance = (operationAdvance: number): void => {
    if (maxOps === 1) {
      address += BigInt(minInst * operationAdvance);
    } else {
      const total = opIndex + operationAdvance;
      address += BigInt(minInst * Math.floor(total / maxOps));
      opIndex = total % maxOps;
    }
  };

  while (r.offset < header.end) {
    const opcode = r.u8();
    if (opcode >= opcodeBase) {
      const adjusted = opcode - opcodeBase;
      advance(Math.floor(adjusted / lineRange));
      line += lineBase + (adjusted % lineRange);
      emit(false);
      basicBlock = false; prologueEnd = false; epilogueBegin = false; discriminator = 0;
      continue;
    }
    switch (opcode) {
      case 0: {
        const length = r.uleb();
        const start = r.offset;
        if (length === 0) break;
        const sub = r.u8();
        switch (sub) {
          case DW_LNE.DW_LNE_end_sequence: {
            emit(true);
            const first = sequenceStart;
            const last = rows.count - 1;
            sequences.push({ first, last, low: BigInt(rows.addresses[first]), high: address });
            sequenceStart = rows.count;
            reset();
            break;
          }
          case DW_LNE.DW_LNE_set_address:
            address = r.uSized(length - 1);
            opIndex = 0;
            break;
          case DW_LNE.DW_LNE_define_file: {
            const name = r.cstring();
            const directoryIndex = r.uleb();
            r.uleb();
            r.uleb();
            files.push({ name, directoryIndex, path: joinPath(header.directories[directoryIndex] ?? '', name) });
            break;
          }
          case DW_LNE.DW_LNE_set_discriminator:
            discriminator = r.uleb();
            break;
          default:
            break; // vendor extension: skipped by its length below
        }
        r.seek(start + length);
        break;
      }
      case DW_LNS.DW_LNS_copy:
        emit(false);
        discriminator = 0; basicBlock = false; prologueEnd = false; epilogueBegin = false;
        break;
      case DW_LNS.DW_LNS_advance_pc: advance(r.uleb()); break;
      case DW_LNS.DW_LNS_advance_line: line += r.sleb(); break;
      case DW_LNS.DW_LNS_set_file: file = r.uleb(); break;
      case DW_LNS.DW_LNS_set_column: column = r.uleb(); break;
      case DW_LNS.DW_LNS_negate_stmt: isStmt = !isStmt; break;
      case DW_LNS.DW_LNS_set_basic_block: basicBlock = true; break;
      case DW_LNS.DW_LNS_const_add_pc: advance(Math.floor((255 - opcodeBase) / lineRange)); break;
      case DW_LNS.DW_LNS_fixed_advance_pc: address += BigInt(r.u16()); opIndex = 0; break;
      case DW_LNS.DW_LNS_set_prologue_end: prologueEnd = true; break;
      case DW_LNS.DW_LNS_set_epilogue_begin: epilogueBegin = true; break;
      case DW_LNS.DW_LNS_set_isa: r.uleb(); break;
      default: {
        // A standard opcode this reader does not know: skip its ULEB operands.
        const n = header.standardOpcodeLengths[opcode - 1] ?? 0;
        for (let i = 0; i < n; i++) r.uleb();
      }
    }
  }
  return new LineTable(header, rows.count, rows.addresses, rows.files, rows.lines, rows.columns, rows.flags, rows.discriminators, sequences);
}
