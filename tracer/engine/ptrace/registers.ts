// struct user_regs_struct (x86-64, <sys/user.h>) as a view over the bytes PTRACE_GETREGS fills.
import type { RegName } from '../../ir/ir';
import { USER_REGS_SIZE } from './native';

const FIELDS = [
  'r15', 'r14', 'r13', 'r12', 'rbp', 'rbx', 'r11', 'r10', 'r9', 'r8', 'rax', 'rcx', 'rdx', 'rsi', 'rdi',
  'orig_rax', 'rip', 'cs', 'eflags', 'rsp', 'ss', 'fs_base', 'gs_base', 'ds', 'es', 'fs', 'gs',
] as const;
export type UserRegName = (typeof FIELDS)[number];

export const REG_OFFSET: Record<UserRegName, number> = Object.fromEntries(FIELDS.map((name, i) => [name, i * 8])) as Record<UserRegName, number>;

/** One thread's registers; `bytes` is what the native calls read and write. */
export class Registers {
  readonly bytes = new Uint8Array(USER_REGS_SIZE);
  private readonly view = new DataView(this.bytes.buffer);

  get(name: UserRegName | RegName): bigint {
    return this.view.getBigUint64(REG_OFFSET[name], true);
  }
  set(name: UserRegName | RegName, value: bigint): void {
    this.view.setBigUint64(REG_OFFSET[name], BigInt.asUintN(64, value), true);
  }
  /** For addresses (always below 2^47 in user space): a plain number, no bigint. */
  getNumber(name: UserRegName): number {
    const o = REG_OFFSET[name];
    return this.view.getUint32(o, true) + this.view.getUint32(o + 4, true) * 2 ** 32;
  }
  setNumber(name: UserRegName, value: number): void {
    const o = REG_OFFSET[name];
    this.view.setUint32(o, value >>> 0, true);
    this.view.setUint32(o + 4, Math.floor(value / 2 ** 32), true);
  }
  copyFrom(other: Registers): void {
    this.bytes.set(other.bytes);
  }
  clone(): Registers {
    const r = new Registers();
    r.copyFrom(this);
    return r;
  }
}
