// x86-64 DWARF register numbers (System V psABI, Figure 3.36) and their pt_regs names, so that
// "need register 5" can be answered as `rdi` by whoever reads registers.

/** pt_regs / user_regs_struct names of the general-purpose registers, by DWARF number 0..16. */
export const X86_64_DWARF_REGISTERS = [
  'rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
  // 16: the return address column in CFI; the value of rip in a frame.
  'rip',
] as const;
export type X86_64RegisterName = (typeof X86_64_DWARF_REGISTERS)[number];

/** DWARF numbers worth naming in CFI and expressions. */
export const X86_64_DWARF = {
  rax: 0, rdx: 1, rcx: 2, rbx: 3, rsi: 4, rdi: 5, rbp: 6, rsp: 7,
  r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15,
  /** The return-address column. */
  rip: 16,
  xmm0: 17, xmm15: 32, st0: 33, st7: 40, mm0: 41, mm7: 48, rflags: 49,
  es: 50, cs: 51, ss: 52, ds: 53, fs: 54, gs: 55, fs_base: 58, gs_base: 59,
} as const;

/** The pt_regs name of a DWARF register, or undefined for vector/x87/segment registers. */
export function registerName(dwarfRegister: number): X86_64RegisterName | undefined {
  return X86_64_DWARF_REGISTERS[dwarfRegister];
}

/** A readable name for any DWARF register number, for messages. */
export function describeRegister(dwarfRegister: number): string {
  const gp = X86_64_DWARF_REGISTERS[dwarfRegister];
  if (gp) return gp;
  if (dwarfRegister >= 17 && dwarfRegister <= 32) return `xmm${dwarfRegister - 17}`;
  if (dwarfRegister >= 33 && dwarfRegister <= 40) return `st${dwarfRegister - 33}`;
  if (dwarfRegister >= 41 && dwarfRegister <= 48) return `mm${dwarfRegister - 41}`;
  for (const [name, n] of Object.entries(X86_64_DWARF)) if (n === dwarfRegister) return name;
  return `DWARF register ${dwarfRegister}`;
}
