// Builds a program instruction by instruction, with forward labels for jumps and, per
// instruction, the script location that produced it (so a verifier rejection can name the line).
import { BPF_JMP_A, BPF_JMP_IMM, BPF_JMP_REG, type Insn } from './insn';
import { BPF_CALL, BPF_DW, BPF_EXIT, BPF_IMM, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD } from './uapi';

export interface Label {
  id: number;
}

interface PendingJump {
  at: number;
  label: Label;
}

export class Assembler<Loc = unknown> {
  readonly insns: Insn[] = [];
  /** Source location of each instruction slot (undefined where none was set). */
  readonly locs: Array<Loc | undefined> = [];
  private readonly labelAt = new Map<number, number>();
  private readonly pending: PendingJump[] = [];
  private nextLabel = 0;
  /** Location stamped on instructions emitted from now on. */
  loc: Loc | undefined;

  get length(): number {
    return this.insns.length;
  }

  emit(...insns: Insn[]): void {
    for (const i of insns) {
      this.insns.push(i);
      this.locs.push(this.loc);
    }
  }

  label(): Label {
    return { id: this.nextLabel++ };
  }

  /** Binds `label` to the next instruction emitted. */
  place(label: Label): void {
    if (this.labelAt.has(label.id)) throw new Error(`label ${label.id} placed twice`);
    this.labelAt.set(label.id, this.insns.length);
  }

  /** Unconditional jump to `label`. */
  jump(label: Label): void {
    this.pending.push({ at: this.insns.length, label });
    this.emit(BPF_JMP_A(0));
  }

  /** if (dst op imm) goto label */
  jumpImm(op: number, dst: number, imm: number, label: Label): void {
    this.pending.push({ at: this.insns.length, label });
    this.emit(BPF_JMP_IMM(op, dst, imm, 0));
  }

  /** if (dst op src) goto label */
  jumpReg(op: number, dst: number, src: number, label: Label): void {
    this.pending.push({ at: this.insns.length, label });
    this.emit(BPF_JMP_REG(op, dst, src, 0));
  }

  /**
   * Resolves every jump and drops instructions no path reaches (the verifier refuses
   * unreachable code, which structured code generation leaves after `next` or an error exit).
   * Returns the finished text; `locs` is kept in step.
   */
  finish(): Insn[] {
    const target = new Map<number, number>();
    for (const j of this.pending) {
      const t = this.labelAt.get(j.label.id);
      if (t === undefined) throw new Error(`label ${j.label.id} never placed`);
      target.set(j.at, t);
    }
    this.pending.length = 0;
    const n = this.insns.length;
    const reachable = new Uint8Array(n);
    const work = [0];
    while (work.length > 0) {
      const i = work.pop()!;
      if (i >= n || reachable[i]) continue;
      reachable[i] = 1;
      const code = this.insns[i].code;
      if (code === (BPF_LD | BPF_DW | BPF_IMM)) {
        reachable[i + 1] = 1;
        work.push(i + 2);
        continue;
      }
      const cls = code & 0x07;
      const op = code & 0xf0;
      if ((cls === BPF_JMP || cls === BPF_JMP32) && op === BPF_EXIT) continue;
      const jumpTo = target.get(i) ?? ((cls === BPF_JMP || cls === BPF_JMP32) && op !== BPF_CALL ? i + 1 + this.insns[i].off : undefined);
      if (jumpTo !== undefined) work.push(jumpTo);
      if (!((cls === BPF_JMP || cls === BPF_JMP32) && op === BPF_JA)) work.push(i + 1);
    }
    const newIndex = new Int32Array(n + 1);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      newIndex[i] = kept;
      if (reachable[i]) kept++;
    }
    newIndex[n] = kept;
    const insns: Insn[] = [];
    const locs: Array<Loc | undefined> = [];
    for (let i = 0; i < n; i++) {
      if (!reachable[i]) continue;
      let insn = this.insns[i];
      const t = target.get(i);
      if (t !== undefined) {
        const off = newIndex[t] - (newIndex[i] + 1);
        if (off < -32768 || off > 32767) throw new RangeError(`jump of ${off} instructions does not fit in a BPF offset`);
        insn = { ...insn, off };
      }
      insns.push(insn);
      locs.push(this.locs[i]);
    }
    this.insns.splice(0, n, ...insns);
    this.locs.splice(0, this.locs.length, ...locs);
    return this.insns;
  }
}
