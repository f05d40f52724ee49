// union bpf_attr for each bpf(2) command utap issues, as one typed encoder per command (the shape
// of cilium/ebpf's internal/sys): callers name fields, and every byte offset lives in ATTR below,
// checked against this machine's <linux/bpf.h> by test/kernel-helper/bpf-attr.unit.test.ts.
// A field that points at memory takes the Buffer itself; the caller keeps it reachable for the
// call (bpfCall's trailing arguments).
import { BPF_ATTR_SIZE, BPF_OBJ_NAME_LEN } from './uapi';
import { addressOf } from './libc';

/** Byte offsets in union bpf_attr, keyed by the member path offsetof() takes. */
export const ATTR = {
  // BPF_MAP_CREATE
  map_type: 0,
  key_size: 4,
  value_size: 8,
  max_entries: 12,
  map_flags: 16,
  map_name: 28,
  // BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY (value and next_key share a slot)
  map_fd: 0,
  key: 8,
  value: 16,
  next_key: 16,
  flags: 24,
  // BPF_OBJ_PIN, BPF_OBJ_GET
  pathname: 0,
  bpf_fd: 8,
  // BPF_PROG_LOAD
  prog_type: 0,
  insn_cnt: 4,
  insns: 8,
  license: 16,
  log_level: 24,
  log_size: 28,
  log_buf: 32,
  prog_flags: 44,
  prog_name: 48,
  expected_attach_type: 68,
  // BPF_LINK_CREATE
  'link_create.prog_fd': 0,
  'link_create.target_fd': 4,
  'link_create.attach_type': 8,
  'link_create.uprobe_multi.path': 16,
  'link_create.uprobe_multi.offsets': 24,
  'link_create.uprobe_multi.ref_ctr_offsets': 32,
  'link_create.uprobe_multi.cookies': 40,
  'link_create.uprobe_multi.cnt': 48,
  'link_create.uprobe_multi.flags': 52,
  'link_create.uprobe_multi.pid': 56,
} as const;

type Field = keyof typeof ATTR;

/** A zeroed union bpf_attr with typed setters; unset fields stay 0. */
class Attr {
  readonly buffer = Buffer.alloc(BPF_ATTR_SIZE);
  u32(field: Field, value: number): this {
    this.buffer.writeUInt32LE(value, ATTR[field]);
    return this;
  }
  u64(field: Field, value: bigint): this {
    this.buffer.writeBigUInt64LE(value, ATTR[field]);
    return this;
  }
  /** A pointer field: the address of `target`, or NULL without one. */
  ptr(field: Field, target: Buffer | null | undefined): this {
    if (target) this.buffer.writeBigUInt64LE(addressOf(target), ATTR[field]);
    return this;
  }
  /** An object name (char[BPF_OBJ_NAME_LEN]): letters, digits, `_` and `.` only, NUL-terminated. */
  name(field: Field, name: string): this {
    this.buffer.write(objectName(name), ATTR[field], 'latin1');
    return this;
  }
}

/** What the kernel accepts in an object name, cut to leave room for the NUL. */
export function objectName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, BPF_OBJ_NAME_LEN - 1);
}

export interface MapCreate {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags?: number;
  mapName: string;
}

export function mapCreateAttr(a: MapCreate): Buffer {
  return new Attr()
    .u32('map_type', a.mapType).u32('key_size', a.keySize).u32('value_size', a.valueSize).u32('max_entries', a.maxEntries)
    .u32('map_flags', a.mapFlags ?? 0).name('map_name', a.mapName).buffer;
}

/** BPF_MAP_LOOKUP_ELEM / UPDATE_ELEM / DELETE_ELEM / GET_NEXT_KEY (`value` is next_key there). */
export function mapElemAttr(mapFd: number, key: Buffer | null, value: Buffer | null, flags = 0): Buffer {
  return new Attr().u32('map_fd', mapFd).ptr('key', key).ptr('value', value).u64('flags', BigInt(flags)).buffer;
}

/** BPF_OBJ_PIN (with the fd to pin) and BPF_OBJ_GET (without). `pathname`: NUL-terminated. */
export function objAttr(pathname: Buffer, bpfFd?: number): Buffer {
  const attr = new Attr().ptr('pathname', pathname);
  if (bpfFd !== undefined) attr.u32('bpf_fd', bpfFd);
  return attr.buffer;
}

export interface ProgLoad {
  progType: number;
  /** Program text (encodeInsns) and its instruction count. */
  insns: Buffer;
  insnCnt: number;
  /** NUL-terminated. */
  license: Buffer;
  /** The verifier's log (log_level 1), or none. */
  log?: Buffer | null;
  progFlags?: number;
  progName: string;
  expectedAttachType?: number;
}

export function progLoadAttr(a: ProgLoad): Buffer {
  const attr = new Attr().u32('prog_type', a.progType).u32('insn_cnt', a.insnCnt).ptr('insns', a.insns).ptr('license', a.license);
  if (a.log) attr.u32('log_level', 1).u32('log_size', a.log.length).ptr('log_buf', a.log);
  return attr.u32('prog_flags', a.progFlags ?? 0).name('prog_name', a.progName).u32('expected_attach_type', a.expectedAttachType ?? 0).buffer;
}

/** BPF_LINK_CREATE of a program to a perf event (a uprobe PMU event): attach type BPF_PERF_EVENT. */
export function linkCreatePerfEventAttr(progFd: number, perfFd: number, attachType: number): Buffer {
  return new Attr().u32('link_create.prog_fd', progFd).u32('link_create.target_fd', perfFd).u32('link_create.attach_type', attachType).buffer;
}

export interface UprobeMultiLink {
  progFd: number;
  attachType: number;
  /** NUL-terminated path of the binary. */
  path: Buffer;
  /** u64 file offsets, one per probe; cnt is their number. */
  offsets: Buffer;
  cnt: number;
  /** u64 semaphore offsets (or none), u64 cookies (or none). */
  refCtrOffsets?: Buffer | null;
  cookies?: Buffer | null;
  flags?: number;
  pid?: number;
}

export function linkCreateUprobeMultiAttr(a: UprobeMultiLink): Buffer {
  return new Attr()
    .u32('link_create.prog_fd', a.progFd).u32('link_create.attach_type', a.attachType)
    .ptr('link_create.uprobe_multi.path', a.path).ptr('link_create.uprobe_multi.offsets', a.offsets)
    .ptr('link_create.uprobe_multi.ref_ctr_offsets', a.refCtrOffsets).ptr('link_create.uprobe_multi.cookies', a.cookies)
    .u32('link_create.uprobe_multi.cnt', a.cnt).u32('link_create.uprobe_multi.flags', a.flags ?? 0).u32('link_create.uprobe_multi.pid', a.pid ?? 0).buffer;
}
