// The header of a line number program (.debug_line, versions 2–5): the parameters of its state
// machine and its directory and file tables, joined into the paths that DW_AT_decl_file,
// DW_AT_call_file and the program's DW_LNS_set_file refer to.
import { ByteReader } from '../byte-reader';
import { DW_FORM, DW_LNCT } from './constants';
import { readFormValue, skipFormValue, type FormValue } from './form';

export interface LineFile {
  /** The name as written in the table. */
  name: string;
  directoryIndex: number;
  /** Directory joined with the name; relative directories are joined with the comp dir first. */
  path: string;
}

export interface LineProgramHeader {
  /** Offset of the program in .debug_line (DW_AT_stmt_list). */
  offset: number;
  /** Offset just past the program. */
  end: number;
  version: number;
  offsetSize: 4 | 8;
  addressSize: number;
  minimumInstructionLength: number;
  maximumOperationsPerInstruction: number;
  defaultIsStmt: boolean;
  lineBase: number;
  lineRange: number;
  opcodeBase: number;
  standardOpcodeLengths: number[];
  directories: string[];
  /** Indexed by the file number the program and DIEs use: from 0 in DWARF 5, from 1 before (files[0] undefined). */
  files: (LineFile | undefined)[];
  /** Offset of the first opcode. */
  programOffset: number;
}

/** Resolves string-class values found in a DWARF 5 header (line_strp, strp, strx, string). */
export type HeaderStrings = (value: FormValue) => string | undefined;

export function joinPath(directory: string, name: string): string {
  if (name.startsWith('/') || directory === '') return name;
  return directory.endsWith('/') ? directory + name : `${directory}/${name}`;
}

/**
 * Parses the header at `offset`. `compDir` (the unit's DW_AT_comp_dir) stands for directory 0 in
 * DWARF 2–4 and resolves relative directories; `addressSize` is the unit's (DWARF 5 repeats it).
 */
export function parseLineProgramHeader(
  section: Uint8Array,
  offset: number,
  strings: HeaderStrings,
  compDir = '',
  unitAddressSize = 8,
): LineProgramHeader {
  const r = new ByteReader(section, '.debug_line');
  r.seek(offset);
  let length = r.u32();
  let offsetSize: 4 | 8 = 4;
  if (length === 0xffffffff) {
    length = r.u64Number();
    offsetSize = 8;
  }
  const end = r.offset + length;
  if (end > section.length) r.fail(`line program of ${length} bytes runs past the end of the section`, offset);
  const version = r.u16();
  if (version < 2 || version > 5) r.fail(`line table version ${version} is not supported`, offset);
  let addressSize = unitAddressSize;
  if (version >= 5) {
    addressSize = r.u8();
    r.u8(); // segment_selector_size
  }
  const headerLength = offsetSize === 4 ? r.u32() : r.u64Number();
  const programOffset = r.offset + headerLength;
  const minimumInstructionLength = r.u8();
  const maximumOperationsPerInstruction = version >= 4 ? r.u8() : 1;
  const defaultIsStmt = r.u8() !== 0;
  const lineBase = r.i8();
  const lineRange = r.u8();
  const opcodeBase = r.u8();
  if (lineRange === 0) r.fail('line_range is 0', offset);
  const standardOpcodeLengths: number[] = [];
  for (let i = 1; i < opcodeBase; i++) standardOpcodeLengths.push(r.u8());

  const directories: string[] = [];
  const files: (LineFile | undefined)[] = [];
  const encoding = { version, addressSize, offsetSize };
  const resolveDir = (i: number): string => {
    const d = directories[i] ?? '';
    if (d.startsWith('/') || i === 0) return d;
    return joinPath(directories[0] ?? compDir, d);
  };
  if (version >= 5) {
    // Entries are read field by field with no intermediate objects: big programs have thousands.
    const readEntries = (onEntry: (path: string, directoryIndex: number) => void): void => {
      const formatCount = r.u8();
      const contents: number[] = [];
      const forms: number[] = [];
      for (let i = 0; i < formatCount; i++) {
        contents.push(r.uleb());
        forms.push(r.uleb());
      }
      const count = r.uleb();
      for (let i = 0; i < count; i++) {
        let path = '';
        let directoryIndex = 0;
        for (let k = 0; k < formatCount; k++) {
          const content = contents[k];
          const form = forms[k];
          if (content === DW_LNCT.DW_LNCT_path) {
            if (form === DW_FORM.DW_FORM_line_strp) path = strings({ kind: 'lineStrp', offset: offsetSize === 4 ? r.u32() : r.u64Number() }) ?? '';
            else path = strings(readFormValue(r, form, encoding, 0)) ?? '';
          } else if (content === DW_LNCT.DW_LNCT_directory_index) {
            if (form === DW_FORM.DW_FORM_udata) directoryIndex = r.uleb();
            else if (form === DW_FORM.DW_FORM_data1) directoryIndex = r.u8();
            else if (form === DW_FORM.DW_FORM_data2) directoryIndex = r.u16();
            else {
              const v = readFormValue(r, form, encoding, 0);
              directoryIndex = v.kind === 'constant' ? Number(v.value) : 0;
            }
          } else if (form === DW_FORM.DW_FORM_data16) r.skip(16);
          else skipFormValue(r, form, encoding);
        }
        onEntry(path, directoryIndex);
      }
    };
    readEntries((path) => directories.push(path));
    readEntries((name, directoryIndex) => files.push({ name, directoryIndex, path: joinPath(resolveDir(directoryIndex), name) }));
  } else {
    directories.push(compDir);
    for (;;) {
      const dir = r.cstring();
      if (dir === '') break;
      directories.push(dir);
    }
    files.push(undefined);
    for (;;) {
      const name = r.cstring();
      if (name === '') break;
      const directoryIndex = r.uleb();
      r.uleb(); // modification time
      r.uleb(); // length
      files.push({ name, directoryIndex, path: joinPath(resolveDir(directoryIndex), name) });
    }
  }
  return {
    offset, end, version, offsetSize, addressSize, minimumInstructionLength, maximumOperationsPerInstruction,
    defaultIsStmt, lineBase, lineRange, opcodeBase, standardOpcodeLengths, directories, files, programOffset,
  };
}
