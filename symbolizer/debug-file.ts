// Finding the separate debug file of a stripped binary, in gdb's order:
//   1. by build-id:   DEBUGDIR/.build-id/xx/yyyyyyyy.debug          (the build-id must match)
//   2. by debuglink:  DIR/NAME, DIR/.debug/NAME, DEBUGDIR/DIR/NAME  (the CRC-32 must match)
// where DIR is the binary's real directory, NAME its .gnu_debuglink and DEBUGDIR each global
// debug directory (/usr/lib/debug; UTAP_DEBUG_FILE_DIRECTORY, colon-separated, replaces it like
// gdb's `set debug-file-directory`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readDebugLink, fileCrc32 } from './debuglink';
import { ElfFile } from './elf-file';
import { readBuildId } from './notes';

export interface DebugFileSearch {
  /** Global debug directories; defaultDebugDirectories() when absent. */
  debugDirectories?: string[];
}

export interface FoundDebugFile {
  path: string;
  how: 'build-id' | 'debuglink';
}

export interface DebugFileResult {
  found?: FoundDebugFile;
  /** Candidates that exist but were refused, with the reason (for -v and error messages). */
  refused: string[];
}

export function defaultDebugDirectories(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env.UTAP_DEBUG_FILE_DIRECTORY;
  if (fromEnv) return fromEnv.split(':').filter((d) => d.length > 0);
  return ['/usr/lib/debug'];
}

/** Where a build-id lookup looks for the debug file of `buildId` under `debugDirectory`. */
export function buildIdDebugPath(debugDirectory: string, buildId: string): string {
  return path.join(debugDirectory, '.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
}

/** The debuglink candidates for a binary at real path `binaryPath`, in search order. */
export function debugLinkCandidates(binaryPath: string, linkName: string, debugDirectories: string[]): string[] {
  const dir = path.dirname(binaryPath);
  return [path.join(dir, linkName), path.join(dir, '.debug', linkName), ...debugDirectories.map((d) => path.join(d, dir, linkName))];
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The build-id of an ELF file, or why it cannot be read. */
function buildIdOf(p: string): { buildId?: string } | { error: string } {
  let elf: ElfFile | undefined;
  try {
    elf = ElfFile.open(p);
    return { buildId: readBuildId(elf) };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    elf?.close();
  }
}

/**
 * The separate debug file of `elf` (opened from `binaryPath`), if one can be found. A binary that
 * still has its .debug_info needs none; callers ask only when it lacks one.
 */
export function findDebugFile(binaryPath: string, elf: ElfFile, search: DebugFileSearch = {}): DebugFileResult {
  const debugDirectories = search.debugDirectories ?? defaultDebugDirectories();
  const refused: string[] = [];
  let realBinary: string;
  try {
    realBinary = fs.realpathSync(binaryPath);
  } catch {
    realBinary = path.resolve(binaryPath);
  }
  const buildId = readBuildId(elf);
  if (buildId && buildId.length > 2) {
    for (const dir of debugDirectories) {
      const candidate = buildIdDebugPath(dir, buildId);
      if (!isFile(candidate)) continue;
      const id = buildIdOf(candidate);
      if ('error' in id) refused.push(`${candidate}: ${id.error}`);
      else if (id.buildId !== buildId) refused.push(`${candidate}: build-id ${id.buildId ?? 'missing'}, expected ${buildId}`);
      else return { found: { path: candidate, how: 'build-id' }, refused };
    }
  }
  const link = readDebugLink(elf);
  if (link) {
    for (const candidate of debugLinkCandidates(realBinary, link.file, debugDirectories)) {
      if (!isFile(candidate)) continue;
      if (safeRealpath(candidate) === realBinary) continue;
      const crc = fileCrc32(candidate);
      if (crc !== link.crc) {
        refused.push(`${candidate}: CRC 0x${crc.toString(16)}, the debuglink expects 0x${link.crc.toString(16)} (a debug file of another build)`);
        continue;
      }
      const id = buildIdOf(candidate);
      if ('error' in id) {
        refused.push(`${candidate}: ${id.error}`);
        continue;
      }
      if (buildId && id.buildId && id.buildId !== buildId) {
        refused.push(`${candidate}: build-id ${id.buildId}, expected ${buildId}`);
        continue;
      }
      return { found: { path: candidate, how: 'debuglink' }, refused };
    }
  }
  return { refused };
}

function safeRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}
