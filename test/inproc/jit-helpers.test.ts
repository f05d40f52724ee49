// The runtime helpers the generator does not exercise, called from hand-written eBPF run in
// build/jit-harness: ringbuf reserve/submit/discard (only submitted records reach the reader, in
// order, with the kernel's framing), uid/gid, the CPU number, the site constants get_func_ip and
// get_attach_cookie, and a map update with BPF_NOEXIST on an existing key.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../kernel-helper/insn';
import type { Insn } from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import { AreaMapPlan } from '../../tracer/engine/inproc/jit/area-maps';
import { buildHandlerImage } from '../../tracer/engine/inproc/jit/handler-image';
import { SharedArea } from '../../tracer/engine/inproc/jit/shared-area';
import { AREA_BASE, CODE_BASE, HARNESS } from './jit-fixture';

const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R10 = 10;

/** Runs the programs in jit-harness; returns how many SIGWINCH the harness received. */
function runRaw(programs: Insn[][], area: SharedArea, threads: number, iterations: number, site: { funcIp: bigint; cookie: bigint }): number {
  const image = buildHandlerImage(programs.map((insns) => ({ insns, ...site })), area, CODE_BASE, AREA_BASE);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'utap-jit-'));
  try {
    fs.writeFileSync(path.join(dir, 'image'), image.code);
    const offsets = image.entries.map((e) => `0x${(e - CODE_BASE).toString(16)}`).join(',');
    const r = spawnSync(HARNESS, ['run', path.join(dir, 'image'), `0x${CODE_BASE.toString(16)}`, `0x${AREA_BASE.toString(16)}`, String(area.layout.size), String(threads), String(iterations), offsets, 'rdi=iter', 'pid'], {
      stdio: ['ignore', 'pipe', 'pipe', area.memory.fd], timeout: 60_000, encoding: 'latin1',
    });
    assert.is(r.status, 0, r.stderr);
    return Number(/sigwinch (\d+)/.exec(r.stdout)?.[1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('ringbuf reserve + submit and reserve + discard: only the submitted records, whole, in each thread\'s order', () => {
  const plan = new AreaMapPlan();
  const ring = plan.addRing(1 << 20);
  const area = SharedArea.create(plan.list(), { pid: 0, fastThreadKeys: false });
  try {
    const program: Insn[] = [
      I.BPF_MOV64_REG(R6, R1),
      // a record we keep: [rdi (the iteration), tid]
      ...I.BPF_LD_MAP_FD(R1, ring), I.BPF_MOV64_IMM(R2, 16), I.BPF_MOV64_IMM(R3, 0),
      I.BPF_CALL_HELPER(U.BPF_FUNC_ringbuf_reserve),
      I.BPF_JMP_IMM(U.BPF_JEQ, R0, 0, 8),
      I.BPF_LDX_MEM(8, R1, R6, U.PT_REGS_OFFSET.rdi), I.BPF_STX_MEM(8, R0, R1, 0),
      I.BPF_STX_MEM(8, R10, R0, -8),
      I.BPF_CALL_HELPER(U.BPF_FUNC_get_current_pid_tgid), I.BPF_LDX_MEM(8, R1, R10, -8), I.BPF_STX_MEM(8, R1, R0, 8),
      I.BPF_MOV64_IMM(R2, 0), I.BPF_CALL_HELPER(U.BPF_FUNC_ringbuf_submit),
      // one we throw away: 40 bytes of 0xff, discarded
      ...I.BPF_LD_MAP_FD(R1, ring), I.BPF_MOV64_IMM(R2, 40), I.BPF_MOV64_IMM(R3, 0),
      I.BPF_CALL_HELPER(U.BPF_FUNC_ringbuf_reserve),
      I.BPF_JMP_IMM(U.BPF_JEQ, R0, 0, 4),
      I.BPF_ST_MEM(8, R0, 0, -1),
      I.BPF_MOV64_REG(R1, R0), I.BPF_MOV64_IMM(R2, 0), I.BPF_CALL_HELPER(U.BPF_FUNC_ringbuf_discard),
      I.BPF_MOV64_IMM(R0, 0), I.BPF_EXIT_INSN(),
    ];
    runRaw([program], area, 4, 500, { funcIp: 0n, cookie: 0n });
    const byTid = new Map<bigint, bigint[]>();
    let count = 0;
    area.ringReader(ring).consume((r) => {
      count++;
      assert.is(r.length, 16, 'only the 16-byte records come out');
      const tid = r.readBigUInt64LE(8) & 0xffffffffn;
      byTid.set(tid, [...(byTid.get(tid) ?? []), r.readBigUInt64LE(0)]);
    });
    assert.is(count, 2000);
    assert.is(byTid.size, 4);
    for (const seq of byTid.values()) assert.equal(seq, Array.from({ length: 500 }, (_, i) => BigInt(i)));
  } finally {
    area.close();
  }
});

test('uid/gid, the CPU, get_func_ip and get_attach_cookie, ktime; BPF_NOEXIST on an existing key fails with EEXIST', () => {
  const plan = new AreaMapPlan();
  const out = plan.add({ type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 8, name: 'out' });
  const hash = plan.add({ type: U.BPF_MAP_TYPE_HASH, keySize: 8, valueSize: 8, maxEntries: 4, name: 'h' });
  const area = SharedArea.create(plan.list(), { pid: 0, fastThreadKeys: false });
  try {
    // out[k] = value of helper k
    const store = (k: number): Insn[] => [
      I.BPF_MOV64_REG(R6, R0), I.BPF_ST_MEM(4, R10, -4, k), ...I.BPF_LD_MAP_FD(R1, out), I.BPF_MOV64_REG(R2, R10), I.BPF_ALU64_IMM(U.BPF_ADD, R2, -4),
      I.BPF_CALL_HELPER(U.BPF_FUNC_map_lookup_elem), I.BPF_JMP_IMM(U.BPF_JEQ, R0, 0, 1), I.BPF_STX_MEM(8, R0, R6, 0),
    ];
    const program: Insn[] = [
      I.BPF_CALL_HELPER(U.BPF_FUNC_get_current_uid_gid), ...store(0),
      I.BPF_CALL_HELPER(U.BPF_FUNC_get_smp_processor_id), ...store(1),
      I.BPF_CALL_HELPER(U.BPF_FUNC_get_func_ip), ...store(2),
      I.BPF_CALL_HELPER(U.BPF_FUNC_get_attach_cookie), ...store(3),
      I.BPF_CALL_HELPER(U.BPF_FUNC_ktime_get_ns), ...store(4),
      // h[7] = 1 (BPF_ANY), then again with BPF_NOEXIST: out[5] = its result
      I.BPF_ST_MEM(8, R10, -16, 7), I.BPF_ST_MEM(8, R10, -24, 1),
      ...I.BPF_LD_MAP_FD(R1, hash), I.BPF_MOV64_REG(R2, R10), I.BPF_ALU64_IMM(U.BPF_ADD, R2, -16), I.BPF_MOV64_REG(R3, R10), I.BPF_ALU64_IMM(U.BPF_ADD, R3, -24), I.BPF_MOV64_IMM(R4, U.BPF_ANY),
      I.BPF_CALL_HELPER(U.BPF_FUNC_map_update_elem),
      ...I.BPF_LD_MAP_FD(R1, hash), I.BPF_MOV64_REG(R2, R10), I.BPF_ALU64_IMM(U.BPF_ADD, R2, -16), I.BPF_MOV64_REG(R3, R10), I.BPF_ALU64_IMM(U.BPF_ADD, R3, -24), I.BPF_MOV64_IMM(R4, U.BPF_NOEXIST),
      I.BPF_CALL_HELPER(U.BPF_FUNC_map_update_elem), ...store(5),
      I.BPF_MOV64_IMM(R0, 0), I.BPF_EXIT_INSN(),
    ];
    const before = process.hrtime.bigint();
    runRaw([program], area, 1, 1, { funcIp: 0x401234n, cookie: 0x77n });
    const after = process.hrtime.bigint();
    const value = (k: number): bigint => {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(k);
      return area.map(out).lookup(key)!.readBigUInt64LE(0);
    };
    assert.is(value(0), (BigInt(process.getgid!()) << 32n) | BigInt(process.getuid!()));
    assert.ok(value(1) < BigInt(os.cpus().length), `cpu ${value(1)}`);
    assert.is(value(2), 0x401234n);
    assert.is(value(3), 0x77n);
    assert.ok(before <= value(4) && value(4) <= after);
    assert.is(BigInt.asIntN(64, value(5)), -17n, '-EEXIST');
    assert.is(area.map(hash).count, 1);
  } finally {
    area.close();
  }
});

test('send_signal_thread reaches the calling thread each time; send_signal the process', () => {
  const SIGWINCH = 28;
  const plan = new AreaMapPlan();
  plan.addState();
  const area = SharedArea.create(plan.list(), { pid: 0, fastThreadKeys: false });
  try {
    const thread: Insn[] = [I.BPF_MOV64_IMM(R1, SIGWINCH), I.BPF_CALL_HELPER(117), I.BPF_EXIT_INSN()];
    assert.is(runRaw([thread], area, 3, 100, { funcIp: 0n, cookie: 0n }), 300);
    const processWide: Insn[] = [I.BPF_MOV64_IMM(R1, SIGWINCH), I.BPF_CALL_HELPER(U.BPF_FUNC_send_signal), I.BPF_EXIT_INSN()];
    assert.ok(runRaw([processWide], area, 1, 5, { funcIp: 0n, cookie: 0n }) >= 1);
  } finally {
    area.close();
  }
});

test.run();
