// Builds a program instruction by instruction, with forward labels for jumps and, per
// instruction, the script location that produced it (so a verifier rejection can name the line).
import { BPF_JMP_A, BPF_JMP_IMM, BPF_JMP_REG, type Insn } from './insn';

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

  /** Resolves every jump; returns the finished text. */
  finish(): Insn[] {
    for (const j of this.pending) {
      const target = this.labelAt.get(j.label.id);
      if (target === undefined) throw new Error(`label ${j.label.id} never placed`);
      const off = target - (j.at + 1);
      if (off < -32768 || off > 32767) throw new RangeError(`jump of ${off} instructions does not fit in a BPF offset`);
      this.insns[j.at] = { ...this.insns[j.at], off };
    }
    this.pending.length = 0;
    return this.insns;
  }
}
