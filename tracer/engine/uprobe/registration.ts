// Registered handlers (`--name NAME`, `--detach`): a run's kernel handlers and maps pinned in
// bpffs under /sys/fs/bpf/utap/NAME with a description — owner, target, script, and the plan
// and record specs `utap handlers show` needs to run the script's `end` probes over the pinned
// maps later, from another utap process. Who may register, read or remove: a user who may trace
// the target process (root, or the user the process runs as); for system-wide handlers, or once
// the process is gone, the user who registered them (or root).
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { RecordSpec } from '../../bpf-codegen/records';
import type { MapSpec } from '../../../kernel-helper/map';
import {
  checkRegistration,
  createRegistration,
  describeErrno,
  pinPath,
  readMeta,
  registrationOwner,
  removeRegistration,
  UntrustedRegistryError,
  validHandlerName,
  writeMeta,
} from '../../../kernel-helper/registry';
import { EXIT_ENVIRONMENT, EXIT_SCRIPT_ERROR, UtapError } from '../../errors';
import type { PlanIR } from '../../ir/ir';
import type { KernelHandlers } from './kernel-handlers';

export interface RegistrationMeta {
  format: 1;
  name: string;
  owner: { uid: number; user: string };
  /** The utap process that registered them; with `detached` false they go when it ends. */
  utapPid: number;
  detached: boolean;
  created: string;
  target: { pid?: number; command?: string };
  script: { file: string; text: string };
  probes: Array<{ pp: string; mode: 'kernel' | 'event' }>;
  /** Global index → the spec of its map, pinned as `global_INDEX`. */
  maps: Record<string, MapSpec>;
  ring: MapSpec;
  plan: PlanIR;
  records: RecordSpec[];
}

/** JSON with bigints (the IR's longs) kept exact. */
export function metaToJson(meta: RegistrationMeta): string {
  return JSON.stringify(meta, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function metaFromJson(text: string): RegistrationMeta {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && '$bigint' in v && Object.keys(v).length === 1) return BigInt((v as { $bigint: string }).$bigint);
    return v;
  }) as RegistrationMeta;
}

function currentUid(): number {
  return process.getuid?.() ?? 0;
}

function userName(uid: number): string {
  try {
    return uid === currentUid() ? os.userInfo().username : String(uid);
  } catch {
    return String(uid);
  }
}

/** The real, effective, saved and fs uids of `pid`, or undefined when it is gone. */
function processUids(pid: number): number[] | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
    return m ? m.slice(1).map(Number) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the current user may trace `pid` (the kernel's rule without capabilities: same uids throughout, or root). */
export function mayTrace(pid: number): boolean {
  const uid = currentUid();
  if (uid === 0) return true;
  const uids = processUids(pid);
  return uids !== undefined && uids.every((u) => u === uid);
}

/** Throws unless the current user may read or remove the registration `meta` describes. */
export function checkAccess(meta: RegistrationMeta, owner: number, action: string): void {
  const uid = currentUid();
  if (uid === 0) return;
  const pid = meta.target.pid;
  const alive = pid !== undefined && processUids(pid) !== undefined;
  const allowed = alive ? mayTrace(pid) : owner === uid;
  if (!allowed) {
    const whose = alive ? `only a user who may trace process ${pid}` : `only their owner (${meta.owner.user}) or root`;
    throw new UtapError(`you may not ${action} handlers '${meta.name}': ${whose} may.`, EXIT_ENVIRONMENT);
  }
}

export function checkHandlerName(name: string): void {
  if (!validHandlerName(name)) throw new UtapError(`'${name}' is not a handler name; use letters, digits, '_', '.' and '-' (at most 64, not starting with '.' or '-').`, EXIT_SCRIPT_ERROR);
}

export interface RegisterInput {
  name: string;
  detached: boolean;
  plan: PlanIR;
  records: RecordSpec[];
  targetPid?: number;
  command?: string;
  script?: { file: string; text: string };
}

/** Pins `kernel` (armed through pinnable links) as registration `input.name`; returns its directory. */
export function registerHandlers(kernel: KernelHandlers, input: RegisterInput): string {
  const { name } = input;
  checkHandlerName(name);
  if (input.targetPid !== undefined && !mayTrace(input.targetPid)) {
    throw new UtapError(`you may not register handlers for process ${input.targetPid}: only a user who may trace it may.`, EXIT_ENVIRONMENT);
  }
  const uid = currentUid();
  let created: boolean;
  try {
    created = createRegistration(name, uid, process.getgid?.() ?? 0);
  } catch (error) {
    if (error instanceof UntrustedRegistryError) throw new UtapError(error.message, EXIT_ENVIRONMENT);
    throw new UtapError(`cannot create /sys/fs/bpf/utap/${name} (${describeErrno(error)}); registered handlers need bpffs and root or CAP_BPF.`, EXIT_ENVIRONMENT);
  }
  if (!created) throw new UtapError(`handlers named '${name}' are already registered; choose another --name or remove them with utap handlers rm ${name}.`, EXIT_ENVIRONMENT);
  try {
    kernel.pin((file) => pinPath(name, file));
    const maps: Record<string, MapSpec> = {};
    for (const [index, map] of kernel.globalMaps) maps[String(index)] = map.spec;
    const meta: RegistrationMeta = {
      format: 1,
      name,
      owner: { uid, user: userName(uid) },
      utapPid: process.pid,
      detached: input.detached,
      created: new Date().toISOString(),
      target: { ...(input.targetPid !== undefined && { pid: input.targetPid }), ...(input.command !== undefined && { command: input.command }) },
      script: input.script ?? { file: '<unknown>', text: '' },
      probes: kernel.modes.flatMap((m) => (m.mode === 'ptrace' ? [] : [{ pp: m.site.pp, mode: m.mode }])), // registered runs have no ptrace sidecar
      maps,
      ring: kernel.ring.spec,
      plan: input.plan,
      records: input.records,
    };
    writeMeta(name, metaToJson(meta));
  } catch (error) {
    removeRegistration(name);
    if (error instanceof UtapError) throw error;
    throw new UtapError(`cannot register handlers '${name}' in /sys/fs/bpf/utap (${describeErrno(error)}).`, EXIT_ENVIRONMENT);
  }
  return pinPath(name, '');
}

/** The description of registration `name` and its directory's owner; one sentence when there is none. */
export function loadRegistration(name: string): { meta: RegistrationMeta; owner: number } {
  checkHandlerName(name);
  let text: string | undefined;
  let owner = 0;
  try {
    checkRegistration(name);
    owner = registrationOwner(name);
    text = readMeta(name);
  } catch (error) {
    if (error instanceof UntrustedRegistryError) throw new UtapError(error.message, EXIT_ENVIRONMENT);
    const code = describeErrno(error);
    if (code === 'ENOENT') throw new UtapError(`no handlers are registered as '${name}'; utap handlers list shows those that are.`, EXIT_ENVIRONMENT);
    throw new UtapError(`cannot read handlers '${name}' (${code}); reading registered handlers needs root or CAP_BPF.`, EXIT_ENVIRONMENT);
  }
  if (text === undefined) throw new UtapError(`handlers '${name}' are being registered or were left half-registered; remove them with utap handlers rm ${name}.`, EXIT_ENVIRONMENT);
  const meta = metaFromJson(text);
  try {
    checkRegistration(name, meta.owner?.uid);
  } catch (error) {
    if (error instanceof UntrustedRegistryError) throw new UtapError(error.message, EXIT_ENVIRONMENT);
    throw error;
  }
  return { meta, owner };
}
