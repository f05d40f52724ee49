// One process the ptrace engine traces: the target, or a child it forked (child-follow.ts). Each
// has its own memory, code areas, healer and breakpoints, since each has its own address space
// (a fork child's starts as a copy of its parent's, int3s included) and its own program after
// an exec. The tracer switches to the process of each event before handling it.
import * as fs from 'node:fs';
import type { ProbeSiteIR } from '../../ir/ir';
import { CodeAreas } from './code-area';
import { Healer, healerCode } from './healer';
import type { DisplacedPlan } from './out-of-line';
import { SdtSemaphores } from './sdt-semaphores';
import { TargetMemory } from './target-memory';

export interface Breakpoint {
  address: number;
  originalByte: number;
  plan: DisplacedPlan;
  slot: number;
  /** entry and statement sites at this address */
  entrySites: ProbeSiteIR[];
  /** .return sites of the function that starts here */
  returnSites: ProbeSiteIR[];
  /** the dynamic linker's "library list changed" hook (r_brk), not a script probe */
  linkerHook: boolean;
}

export class TracedProcess {
  memory: TargetMemory;
  areas: CodeAreas;
  healer: Healer;
  readonly breakpoints = new Map<number, Breakpoint>();
  readonly placedSiteIds = new Set<number>();
  readonly semaphores = new SdtSemaphores();
  /** The program it runs (its /proc/PID/exe when last looked), for lifecycle probes. */
  exe = '';
  /** Its command name then (execname() in its end probes, read while it could be). */
  comm = '';

  constructor(readonly pid: number, private readonly log: (message: string) => void, private readonly affinity: ReadonlyMap<number, Uint8Array>) {
    this.memory = new TargetMemory(pid);
    this.areas = new CodeAreas(pid, this.memory, healerCode()?.length ?? 0);
    this.healer = new Healer(pid, this.memory, this.areas, log, affinity);
    this.areas.onNewArea = (area) => this.healer.addArea(area);
    this.readIdentity();
  }

  /** The process replaced its program: every probe, area and frame of the old image is gone. */
  newImage(): void {
    this.healer.forget();
    this.breakpoints.clear();
    this.placedSiteIds.clear();
    this.semaphores.clear(); // the old image's counters went with it
    this.areas.forget();
    this.memory.close();
    this.memory = new TargetMemory(this.pid);
    this.areas = new CodeAreas(this.pid, this.memory, healerCode()?.length ?? 0);
    this.healer = new Healer(this.pid, this.memory, this.areas, this.log, this.affinity);
    this.areas.onNewArea = (area) => this.healer.addArea(area);
    this.readIdentity();
  }

  /** Reads its program and command name (after start and each exec). */
  readIdentity(): void {
    try {
      this.exe = fs.readlinkSync(`/proc/${this.pid}/exe`);
    } catch {
      /* gone already */
    }
    try {
      this.comm = fs.readFileSync(`/proc/${this.pid}/comm`, 'latin1').replace(/\n$/, '');
    } catch {
      /* gone already */
    }
  }

  /** It ended: what it held of ours went with it. */
  gone(): void {
    this.healer.stopGuardian();
    this.memory.close();
  }
}
