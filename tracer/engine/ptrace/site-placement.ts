// Where a planned site lives in a running process: the mapping of its binary that covers the
// site's file offset gives the run-time address (file offsets survive PIE and library load
// bias). Binaries are matched by inode, so symlinked paths (/lib → /usr/lib) still match.
import * as fs from 'node:fs';
import type { ProbeSiteIR } from '../../ir/ir';
import type { Mapping } from './address-space';

export interface PlacedSite {
  site: ProbeSiteIR;
  address: number;
  /** Extent of all mappings of the site's binary (a code area must be within reach of it). */
  moduleStart: number;
  moduleEnd: number;
}

const inodes = new Map<string, number | undefined>();

function inodeOf(path: string): number | undefined {
  if (!inodes.has(path)) {
    try {
      inodes.set(path, fs.statSync(path).ino);
    } catch {
      inodes.set(path, undefined);
    }
  }
  return inodes.get(path);
}

/** The sites whose binary is mapped in `mappings`, with their run-time addresses. */
export function placeSites(sites: ProbeSiteIR[], mappings: Mapping[]): PlacedSite[] {
  const placed: PlacedSite[] = [];
  for (const site of sites) {
    if (site.kind === 'syscall' || site.kind === 'syscallReturn') continue; // no address: syscall-stops.ts
    const ino = inodeOf(site.binary);
    const ofBinary = mappings.filter((m) => m.inode !== 0 && m.inode === ino);
    if (ofBinary.length === 0) continue;
    const offset = Number(site.fileOffset);
    const covering = ofBinary.find((m) => m.perms.includes('x') && offset >= m.offset && offset < m.offset + (m.end - m.start));
    if (!covering) continue;
    placed.push({
      site,
      address: covering.start + (offset - covering.offset),
      moduleStart: Math.min(...ofBinary.map((m) => m.start)),
      moduleEnd: Math.max(...ofBinary.map((m) => m.end)),
    });
  }
  return placed;
}
