// The BPF layer against the real kernel: maps, a hand-assembled program loaded and run at a
// real uprobe, the verifier log on rejection, the ring buffer read from the event loop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import { detectBpfFeatures } from '../../kernel-helper/features';
import { BpfMap } from '../../kernel-helper/map';
import { loadProgram, VerifierError } from '../../kernel-helper/program';
import { RingBufferReader } from '../../kernel-helper/ring-buffer';
import { attachUprobe } from '../../kernel-helper/uprobe';
import { liveTest } from '../support/live';
import { fixture } from '../support/paths';
import { symbolSite } from '../support/symbol-site';
import { startWaiting } from '../support/target-process';

const missing = detectBpfFeatures().unavailable;
const u64 = (n: bigint | number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

liveTest(test, 'hash map: update, lookup, next key, delete', missing, () => {
  const map = BpfMap.create({ type: U.BPF_MAP_TYPE_HASH, keySize: 8, valueSize: 8, maxEntries: 16, name: 'utap_test' });
  try {
    for (let i = 1; i <= 3; i++) map.update(u64(i), u64(i * 10));
    assert.is(map.lookup(u64(2))!.readBigUInt64LE(0), 20n);
    assert.is(map.lookup(u64(9)), undefined);
    assert.equal(map.keys().map((k) => k.readBigUInt64LE(0)).sort(), [1n, 2n, 3n]);
    assert.ok(map.delete(u64(2)));
    assert.not.ok(map.delete(u64(2)));
    map.clear();
    assert.is(map.keys().length, 0);
  } finally {
    map.close();
  }
});

liveTest(test, 'a verifier rejection comes back with its log and instruction', missing, () => {
  // r0 = *(u64 *)(r2 + 0) with r2 uninitialized.
  const insns = [I.BPF_LDX_MEM(8, 0, 2, 0), I.BPF_EXIT_INSN()];
  try {
    loadProgram({ type: U.BPF_PROG_TYPE_KPROBE, name: 'utap_bad', insns });
    assert.unreachable('loaded');
  } catch (error) {
    assert.instance(error, VerifierError);
    const e = error as VerifierError;
    assert.match(e.log, /R2 !read_ok/);
    assert.is(e.failedInsn, 0);
    assert.match(e.message, /R2 !read_ok/);
  }
});

liveTest(test, 'uprobe restricted to one process counts its hits and streams records through the ring buffer', missing, async () => {
  const binary = fixture('uprobe-hits');
  const site = symbolSite(binary, 'hit');
  const counts = BpfMap.create({ type: U.BPF_MAP_TYPE_ARRAY, keySize: 4, valueSize: 8, maxEntries: 1, name: 'utap_count' });
  const ring = BpfMap.create({ type: U.BPF_MAP_TYPE_RINGBUF, keySize: 0, valueSize: 0, maxEntries: 1 << 16, name: 'utap_ring' });
  // r6 = ctx; key 0 on the stack; counts[0] += 1 atomically; ringbuf_output(&rdi, 8).
  const insns = [
    I.BPF_MOV64_REG(6, 1),
    I.BPF_ST_MEM(4, 10, -4, 0),
    ...I.BPF_LD_MAP_FD(1, counts.fd),
    I.BPF_MOV64_REG(2, 10),
    I.BPF_ALU64_IMM(U.BPF_ADD, 2, -4),
    I.BPF_CALL_HELPER(U.BPF_FUNC_map_lookup_elem),
    I.BPF_JMP_IMM(U.BPF_JEQ, 0, 0, 2),
    I.BPF_MOV64_IMM(1, 1),
    I.BPF_ATOMIC_OP(8, U.BPF_ADD, 0, 1, 0),
    I.BPF_LDX_MEM(8, 1, 6, U.PT_REGS_OFFSET.rdi),
    I.BPF_STX_MEM(8, 10, 1, -16),
    ...I.BPF_LD_MAP_FD(1, ring.fd),
    I.BPF_MOV64_REG(2, 10),
    I.BPF_ALU64_IMM(U.BPF_ADD, 2, -16),
    I.BPF_MOV64_IMM(3, 8),
    I.BPF_MOV64_IMM(4, 0),
    I.BPF_CALL_HELPER(U.BPF_FUNC_ringbuf_output),
    I.BPF_MOV64_IMM(0, 0),
    I.BPF_EXIT_INSN(),
  ];
  const prog = loadProgram({ type: U.BPF_PROG_TYPE_KPROBE, name: 'utap_count', insns });
  const traced = await startWaiting(binary, ['500']);
  const bystander = await startWaiting(binary, ['300']);
  const link = attachUprobe({ path: binary, offset: site.fileOffset, retprobe: false, pid: traced.pid, programFd: prog.fd });
  const reader = new RingBufferReader(ring);
  const seen: bigint[] = [];
  try {
    const drained = new Promise<void>((resolve) => {
      reader.watch(() => {
        reader.consume((r) => seen.push(r.readBigUInt64LE(0)));
        if (seen.length >= 500) resolve();
      });
    });
    const [mine, theirs] = await Promise.all([traced.release(), bystander.release()]);
    assert.match(mine.stdout, /calls 500 sum 124750/);
    assert.match(theirs.stdout, /calls 300/);
    await drained;
    assert.is(counts.lookup(Buffer.alloc(4))!.readBigUInt64LE(0), 500n);
    assert.equal(seen, Array.from({ length: 500 }, (_, i) => BigInt(i)));
  } finally {
    reader.close();
    link.close();
    prog.close();
    counts.close();
    ring.close();
  }
});

test.run();
