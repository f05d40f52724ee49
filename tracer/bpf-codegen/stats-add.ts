// `x <<< v` in the kernel: count, sum, min, max and the histogram buckets of a per-CPU
// statistics value (layout.ts), updated in place.
import * as I from '../../kernel-helper/insn';
import * as U from '../../kernel-helper/uapi';
import type { Expr, SourceLoc, StatsRef } from '../ir/ir';
import { FP, R0, R1, R2, R3, R4, R6 } from './allocation';
import { unfit } from './kernel-fit';
import { HIST_LOG_BUCKET0 } from '../ir/histogram';
import { statsLayout, STATS_COUNT, STATS_MAX, STATS_MIN, STATS_SUM } from './layout';
import { arrayDecl, buildKey, elementPtrCreate, scalarPtr } from './map-access';
import type { SiteGen } from './site-gen';

export function statsAdd(g: SiteGen, target: StatsRef, value: Expr, loc: SourceLoc): void {
  const decl = g.program.globals[target.global];
  const hists = decl.kind === 'stats' ? decl.stats.hist : decl.kind === 'array' ? decl.stats?.hist ?? [] : [];
  if ((decl.kind === 'stats' || decl.kind === 'array') && decl.stats?.variance) throw unfit('a statistic read with @variance', loc);
  const layout = statsLayout(hists);
  g.long(value);
  const v = g.alloc.temp();
  g.a.emit(I.BPF_STX_MEM(8, FP, R0, v));
  if (target.keys && target.keys.length > 0) {
    const key = buildKey(g, arrayDecl(g, target.global).keyTypes, target.keys);
    elementPtrCreate(g, target.global, key, loc);
  } else {
    scalarPtr(g, target.global);
    g.a.jumpImm(U.BPF_JEQ, R0, 0, g.exitLabel);
  }
  // r6 = value pointer, r1 = v, r2 = old count
  g.a.emit(I.BPF_MOV64_REG(R6, R0), I.BPF_LDX_MEM(8, R1, FP, v), I.BPF_LDX_MEM(8, R2, R6, STATS_COUNT));
  g.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R2, 1), I.BPF_STX_MEM(8, R6, R2, STATS_COUNT));
  g.a.emit(I.BPF_LDX_MEM(8, R3, R6, STATS_SUM), I.BPF_ALU64_REG(U.BPF_ADD, R3, R1), I.BPF_STX_MEM(8, R6, R3, STATS_SUM));
  const first = g.a.label();
  const minDone = g.a.label();
  const maxDone = g.a.label();
  g.a.jumpImm(U.BPF_JEQ, R2, 1, first);
  g.a.emit(I.BPF_LDX_MEM(8, R3, R6, STATS_MIN));
  g.a.jumpReg(U.BPF_JSGE, R1, R3, minDone);
  g.a.emit(I.BPF_STX_MEM(8, R6, R1, STATS_MIN));
  g.a.place(minDone);
  g.a.emit(I.BPF_LDX_MEM(8, R3, R6, STATS_MAX));
  g.a.jumpReg(U.BPF_JSLE, R1, R3, maxDone);
  g.a.emit(I.BPF_STX_MEM(8, R6, R1, STATS_MAX));
  g.a.jump(maxDone);
  g.a.place(first);
  g.a.emit(I.BPF_STX_MEM(8, R6, R1, STATS_MIN), I.BPF_STX_MEM(8, R6, R1, STATS_MAX));
  g.a.place(maxDone);
  hists.forEach((h, i) => {
    g.a.emit(I.BPF_LDX_MEM(8, R1, FP, v));
    if (h.kind === 'log') logBucket(g);
    else linearBucket(g, h.low, h.step, layout.histBuckets[i]);
    // r1 = bucket index in [0, buckets-1]; the jump teaches the verifier that bound.
    const ok = g.a.label();
    g.a.jumpImm(U.BPF_JLE, R1, layout.histBuckets[i] - 1, ok);
    g.a.emit(I.BPF_MOV64_IMM(R1, layout.histBuckets[i] - 1));
    g.a.place(ok);
    g.a.emit(I.BPF_ALU64_IMM(U.BPF_LSH, R1, 3), I.BPF_MOV64_REG(R2, R6), I.BPF_ALU64_REG(U.BPF_ADD, R2, R1));
    g.a.emit(I.BPF_LDX_MEM(8, R3, R2, layout.histOffsets[i]), I.BPF_ALU64_IMM(U.BPF_ADD, R3, 1), I.BPF_STX_MEM(8, R2, R3, layout.histOffsets[i]));
  });
  g.alloc.free();
}

/** r1 = the log2 bucket of r1 (ir/histogram.ts logBucket): HIST_LOG_BUCKET0 for 0, ± the bit length of |v| from there. Uses r2-r4. */
export function logBucket(g: SiteGen): void {
  const zero = g.a.label();
  const done = g.a.label();
  const positive = g.a.label();
  g.a.jumpImm(U.BPF_JEQ, R1, 0, zero);
  g.a.emit(I.BPF_MOV64_IMM(R4, 1)); // sign: 1 positive, -1 negative
  g.a.jumpImm(U.BPF_JSGT, R1, 0, positive);
  g.a.emit(I.BPF_MOV64_IMM(R4, -1), I.BPF_NEG64(R1));
  g.a.place(positive);
  // r2 = bit length of r1 (unsigned), by halving.
  g.a.emit(I.BPF_MOV64_IMM(R2, 0));
  for (const shift of [32, 16, 8, 4, 2, 1]) {
    const skip = g.a.label();
    g.a.emit(I.BPF_MOV64_REG(R3, R1), I.BPF_ALU64_IMM(U.BPF_RSH, R3, shift));
    g.a.jumpImm(U.BPF_JEQ, R3, 0, skip);
    g.a.emit(I.BPF_ALU64_IMM(U.BPF_ADD, R2, shift), I.BPF_MOV64_REG(R1, R3));
    g.a.place(skip);
  }
  g.a.emit(I.BPF_ALU64_REG(U.BPF_ADD, R2, R1)); // the remaining top bit
  g.a.emit(I.BPF_ALU64_REG(U.BPF_MUL, R2, R4), I.BPF_MOV64_IMM(R1, HIST_LOG_BUCKET0), I.BPF_ALU64_REG(U.BPF_ADD, R1, R2));
  g.a.jump(done);
  g.a.place(zero);
  g.a.emit(I.BPF_MOV64_IMM(R1, HIST_LOG_BUCKET0));
  g.a.place(done);
}

/** r1 = linear bucket of r1: 0 below low, 1 + (v - low) / step, capped at the overflow bucket. */
export function linearBucket(g: SiteGen, low: bigint, step: bigint, buckets: number): void {
  const under = g.a.label();
  const done = g.a.label();
  g.loadImm(R2, low);
  g.a.jumpReg(U.BPF_JSLT, R1, R2, under);
  g.a.emit(I.BPF_ALU64_REG(U.BPF_SUB, R1, R2));
  g.loadImm(R2, step);
  g.a.emit(I.BPF_ALU64_REG(U.BPF_DIV, R1, R2), I.BPF_ALU64_IMM(U.BPF_ADD, R1, 1));
  const ok = g.a.label();
  g.a.jumpImm(U.BPF_JLE, R1, buckets - 1, ok);
  g.a.emit(I.BPF_MOV64_IMM(R1, buckets - 1));
  g.a.place(ok);
  g.a.jump(done);
  g.a.place(under);
  g.a.emit(I.BPF_MOV64_IMM(R1, 0));
  g.a.place(done);
}
