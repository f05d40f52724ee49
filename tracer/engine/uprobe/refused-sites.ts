// Sites the kernel will not put a uprobe on. x86's uprobes decode the probed instruction when
// they install the breakpoint and refuse (ENOTSUPP) what they will not single-step or emulate
// (arch/x86/kernel/uprobes.c: uprobe_init_insn, branch_setup_xol_ops):
//   - a LOCK prefix, or an ES/CS/SS/DS segment prefix (DS is also the `notrack` prefix);
//   - `mov ..., %ss` (8e /2), which masks exceptions for one instruction;
//   - an opcode outside the kernel's table of good one-byte opcodes — and a VEX/EVEX-encoded
//     instruction is judged by its opcode byte against that same table, so `vmovd` (c5 f9 6e)
//     or `vmovdqu` (c5 fe 6f) are refused like `outs` (6e/6f);
//   - a relative jmp/call/jcc with an operand-size (66) prefix.
// The kernel says so only when it installs the breakpoint in a process already mapping the file;
// a file mapped later (a -c command's executable after exec, a library dlopen()ed) gets no
// breakpoint and no error: the probe silently never fires. So utap predicts the refusal from the
// instruction bytes, before anything is attached, and says so.
import * as fs from 'node:fs';
import { EXIT_ENVIRONMENT, UtapError } from '../../errors';
import type { PlanIR, ProbeSiteIR } from '../../ir/ir';

// The kernel's good_insns_64 bitmap: one row of 16 per high nibble, 1 = probe-able.
const GOOD_ONE_BYTE = [
  '1111110011111101', // 00
  '1111110011111100', // 10
  '1111111011111110', // 20
  '1111111011111110', // 30
  '1111111111111111', // 40
  '1111111111111111', // 50
  '0001111111110000', // 60
  '1111111111111111', // 70
  '1101111111111111', // 80
  '1111111111011111', // 90
  '1111111111111111', // a0
  '1111111111111111', // b0
  '1111111111110000', // c0
  '1111000111111111', // d0
  '1111000011010000', // e0
  '1011011111001111', // f0
].join('');

const SEGMENT_PREFIXES: Record<number, string> = { 0x26: 'an ES segment prefix', 0x2e: 'a CS segment prefix', 0x36: 'an SS segment prefix', 0x3e: 'a DS (notrack) segment prefix' };
const LEGACY_PREFIXES = new Set([0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67]);

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Why the kernel refuses a uprobe on the x86-64 instruction at the start of `code` (up to 15
 * bytes), or undefined when it accepts it. Bytes that do not decode are left to the kernel.
 */
export function uprobeRefusal(code: Uint8Array): string | undefined {
  let p = 0;
  const prefixes: number[] = [];
  while (p < code.length && LEGACY_PREFIXES.has(code[p])) prefixes.push(code[p++]);
  if (p < code.length && (code[p] & 0xf0) === 0x40) p++; // REX
  if (p >= code.length) return undefined;
  const insn = (): string => hex(code.subarray(0, Math.min(code.length, Math.max(p + 1, 4))));
  if (prefixes.includes(0xf0)) return `its instruction (${insn()}) has a LOCK prefix`;
  const segment = prefixes.find((b) => SEGMENT_PREFIXES[b] !== undefined);
  if (segment !== undefined) return `its instruction (${insn()}) has ${SEGMENT_PREFIXES[segment]}`;
  let opcode = code[p];
  let encoding = 'opcode';
  if (opcode === 0xc5 || opcode === 0xc4 || opcode === 0x62) {
    // VEX (2 or 3 bytes) or EVEX (4): the kernel judges the opcode byte after it.
    const at = p + (opcode === 0xc5 ? 2 : opcode === 0xc4 ? 3 : 4);
    if (at >= code.length) return undefined;
    encoding = opcode === 0x62 ? 'EVEX-encoded opcode' : 'VEX-encoded opcode';
    opcode = code[at];
    p = at;
  } else if (opcode === 0x8e && p + 1 < code.length && ((code[p + 1] >> 3) & 7) === 2) {
    return `its instruction (${insn()}) loads %ss, which masks exceptions for the next instruction`;
  }
  if (GOOD_ONE_BYTE[opcode] !== '1') return `its instruction (${insn()}, ${encoding} 0x${opcode.toString(16).padStart(2, '0')}) is not one the kernel's uprobes single-step`;
  if (encoding === 'opcode' && prefixes.includes(0x66)) {
    const branch = opcode === 0xe8 || opcode === 0xe9 || opcode === 0xeb || (opcode >= 0x70 && opcode <= 0x7f) || (opcode === 0x0f && p + 1 < code.length && (code[p + 1] & 0xf0) === 0x80);
    if (branch) return `its instruction (${insn()}) is a relative branch with an operand-size prefix`;
  }
  return undefined;
}

/** The sites of `sites` the kernel would refuse, each with why (one read of 16 bytes per site). */
export function refusedSites(sites: readonly ProbeSiteIR[]): Map<ProbeSiteIR, string> {
  const refused = new Map<ProbeSiteIR, string>();
  const fds = new Map<string, number>();
  const code = new Uint8Array(16);
  try {
    for (const site of sites) {
      if (site.kind === 'syscall' || site.kind === 'syscallReturn') continue; // no instruction: a tracepoint
      let fd = fds.get(site.binary);
      if (fd === undefined) {
        try {
          fd = fs.openSync(site.binary, 'r');
        } catch {
          continue; // the engine's own attach reports a file it cannot open
        }
        fds.set(site.binary, fd);
      }
      const n = fs.readSync(fd, code, 0, code.length, Number(site.fileOffset));
      const why = uprobeRefusal(code.subarray(0, n));
      if (why) refused.set(site, why);
    }
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
  return refused;
}

const predicted = new WeakMap<PlanIR, Map<ProbeSiteIR, string>>();

/** refusedSites() of a plan's sites, worked out once per plan (engine choice and the engine both ask). */
export function refusedSitesOf(plan: PlanIR): Map<ProbeSiteIR, string> {
  let refused = predicted.get(plan);
  if (!refused) predicted.set(plan, (refused = refusedSites(plan.sites)));
  return refused;
}

/** `site`'s probe point and function, for messages. */
export function describeSite(site: ProbeSiteIR): string {
  return `${site.function} (${site.binary}+0x${site.fileOffset.toString(16)})`;
}

/**
 * The plan without the sites the kernel refuses, for a run where nothing else can place them:
 * a probe some of whose sites remain loses the others, said in one warning (how many, a few
 * names); a probe none of whose sites the kernel takes — one explicit function, say — is an error
 * naming the instruction. `sites` are what to drop (refusedSitesOf(plan) or a part of it).
 */
export function withoutRefusedSites(plan: PlanIR, refused: Map<ProbeSiteIR, string>, alternative: string): { plan: PlanIR; warning?: string } {
  if (refused.size === 0) return { plan };
  const kept = plan.sites.filter((s) => !refused.has(s));
  const probesKept = new Set(kept.map((s) => s.probe));
  const lost = plan.sites.find((s) => refused.has(s) && !probesKept.has(s.probe));
  if (lost) {
    throw new UtapError(`the kernel refuses a uprobe at probe ${lost.pp}, ${describeSite(lost)}: ${refused.get(lost)}; ${alternative}.`, EXIT_ENVIRONMENT);
  }
  const list = [...refused.keys()];
  const names = list.slice(0, 3).map((s) => `${s.function} (${refused.get(s)})`).join('; ');
  const what = list.length === 1 ? '1 probe site' : `${list.length} probe sites`;
  const warning = `utap: warning: the kernel refuses uprobes at ${what} of ${plan.sites.length}, left unprobed: ${names}${list.length > 3 ? '; ...' : ''}; ${alternative}.`;
  return { plan: { ...plan, sites: kept }, warning };
}
