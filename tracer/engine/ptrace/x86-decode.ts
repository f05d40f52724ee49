// An x86-64 instruction length decoder: how long is the instruction at a breakpoint, does it
// address memory relative to rip (and where its displacement sits), and is it a control transfer
// whose meaning depends on where it executes. That is all out-of-line execution needs; it does
// not name instructions. Tables follow the Intel SDM vol. 2 opcode maps (64-bit mode).

export type ControlKind =
  /** Position-independent or rip-relative data access: copy (and fix the displacement). */
  | 'none'
  | 'jmp-rel'
  | 'jcc-rel'
  | 'call-rel'
  /** loop/loope/loopne/jrcxz rel8 */
  | 'loop-rel'
  /** call through a register or memory operand (ff /2): pushes a return address. */
  | 'call-indirect'
  | 'int3';

export interface DecodedInstruction {
  length: number;
  /** Offset of the first opcode byte (after prefixes, REX, VEX/EVEX/XOP). */
  opcodeOffset: number;
  /** Offset of the ModRM byte, or -1. */
  modrmOffset: number;
  /** Offset of a rip-relative disp32 within the instruction, or -1. */
  ripDisplacementOffset: number;
  /** Offset of a relative branch target (rel8 or rel32), or -1. */
  relOffset: number;
  relSize: 0 | 1 | 4;
  control: ControlKind;
  /** For jcc-rel: the condition code 0..15 (low nibble of the opcode). */
  condition: number;
  /** ModRM uses rsp/esp as base (matters when the instruction's own push moves rsp). */
  usesStackPointer: boolean;
}

export class DecodeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeFailure';
  }
}

const enum Imm {
  None = 0,
  B = 1,
  W = 2,
  /** 16 or 32 by operand size */
  Z = 3,
  /** 16, 32 or 64 by operand size (mov r, imm) */
  V = 4,
  /** enter: iw + ib */
  WB = 5,
  /** moffs: address-sized */
  Moffs = 6,
}

// One-byte map: which opcodes take a ModRM byte and which immediate follows.
const MODRM_1 = new Uint8Array(256);
const IMM_1 = new Uint8Array(256);
const INVALID_1 = new Uint8Array(256);
// Two-byte (0F xx) map.
const MODRM_2 = new Uint8Array(256);
const IMM_2 = new Uint8Array(256);

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

(function buildTables(): void {
  // ALU blocks 00-3F: op r/m,r (0-3 ModRM), op al,ib (4), op eax,iz (5)
  for (let base = 0x00; base < 0x40; base += 8) {
    for (let i = 0; i < 4; i++) MODRM_1[base + i] = 1;
    IMM_1[base + 4] = Imm.B;
    IMM_1[base + 5] = Imm.Z;
  }
  for (const op of [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x82, 0x9a, 0xce, 0xd4, 0xd5, 0xd6, 0xea]) INVALID_1[op] = 1;
  MODRM_1[0x63] = 1;
  IMM_1[0x68] = Imm.Z;
  MODRM_1[0x69] = 1;
  IMM_1[0x69] = Imm.Z;
  IMM_1[0x6a] = Imm.B;
  MODRM_1[0x6b] = 1;
  IMM_1[0x6b] = Imm.B;
  for (const op of range(0x70, 0x7f)) IMM_1[op] = Imm.B; // jcc rel8
  MODRM_1[0x80] = 1;
  IMM_1[0x80] = Imm.B;
  MODRM_1[0x81] = 1;
  IMM_1[0x81] = Imm.Z;
  MODRM_1[0x83] = 1;
  IMM_1[0x83] = Imm.B;
  for (const op of range(0x84, 0x8f)) MODRM_1[op] = 1;
  for (const op of range(0xa0, 0xa3)) IMM_1[op] = Imm.Moffs;
  IMM_1[0xa8] = Imm.B;
  IMM_1[0xa9] = Imm.Z;
  for (const op of range(0xb0, 0xb7)) IMM_1[op] = Imm.B;
  for (const op of range(0xb8, 0xbf)) IMM_1[op] = Imm.V;
  MODRM_1[0xc0] = 1;
  IMM_1[0xc0] = Imm.B;
  MODRM_1[0xc1] = 1;
  IMM_1[0xc1] = Imm.B;
  IMM_1[0xc2] = Imm.W;
  MODRM_1[0xc6] = 1;
  IMM_1[0xc6] = Imm.B;
  MODRM_1[0xc7] = 1;
  IMM_1[0xc7] = Imm.Z;
  IMM_1[0xc8] = Imm.WB;
  IMM_1[0xca] = Imm.W;
  IMM_1[0xcd] = Imm.B;
  for (const op of range(0xd0, 0xd3)) MODRM_1[op] = 1;
  for (const op of range(0xd8, 0xdf)) MODRM_1[op] = 1;
  for (const op of range(0xe0, 0xe7)) IMM_1[op] = Imm.B;
  IMM_1[0xe8] = Imm.Z;
  IMM_1[0xe9] = Imm.Z;
  IMM_1[0xeb] = Imm.B;
  MODRM_1[0xf6] = 1; // test /0,/1 add ib: handled in decode
  MODRM_1[0xf7] = 1;
  MODRM_1[0xfe] = 1;
  MODRM_1[0xff] = 1;

  // 0F map
  for (const op of [0x00, 0x01, 0x02, 0x03, 0x0d, 0x0f]) MODRM_2[op] = 1;
  IMM_2[0x0f] = Imm.B; // 3DNow! suffix byte
  for (const op of range(0x10, 0x1f)) MODRM_2[op] = 1;
  for (const op of range(0x20, 0x23)) MODRM_2[op] = 1;
  for (const op of range(0x28, 0x2f)) MODRM_2[op] = 1;
  for (const op of range(0x40, 0x7f)) MODRM_2[op] = 1;
  MODRM_2[0x77] = 0; // emms
  for (const op of range(0x70, 0x73)) IMM_2[op] = Imm.B;
  for (const op of range(0x80, 0x8f)) IMM_2[op] = Imm.Z; // jcc rel32
  for (const op of range(0x90, 0x9f)) MODRM_2[op] = 1;
  for (const op of [0xa3, 0xa4, 0xa5, 0xab, 0xac, 0xad, 0xae, 0xaf]) MODRM_2[op] = 1;
  IMM_2[0xa4] = Imm.B;
  IMM_2[0xac] = Imm.B;
  for (const op of range(0xb0, 0xbf)) MODRM_2[op] = 1;
  IMM_2[0xba] = Imm.B;
  for (const op of range(0xc0, 0xc7)) MODRM_2[op] = 1;
  IMM_2[0xc2] = Imm.B;
  IMM_2[0xc4] = Imm.B;
  IMM_2[0xc5] = Imm.B;
  IMM_2[0xc6] = Imm.B;
  for (const op of range(0xd0, 0xff)) MODRM_2[op] = 1;
})();

const LEGACY_PREFIXES = new Set([0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67]);

/** Immediate size for a VEX/EVEX-encoded opcode in `map` (1 = 0F, 2 = 0F38, 3 = 0F3A). */
function vexImmediate(map: number, opcode: number): number {
  if (map === 3) return 1;
  if (map === 1 && ((opcode >= 0x70 && opcode <= 0x73) || opcode === 0xc2 || (opcode >= 0xc4 && opcode <= 0xc6))) return 1;
  return 0;
}

/**
 * Decodes the instruction at `code[offset]`. Throws DecodeFailure on invalid or truncated
 * input (the caller then refuses to place a breakpoint there).
 */
export function decodeInstruction(code: Uint8Array, offset = 0): DecodedInstruction {
  let p = offset;
  const end = Math.min(code.length, offset + 15);
  const byte = (): number => {
    if (p >= end) throw new DecodeFailure(p - offset >= 15 ? 'instruction longer than 15 bytes' : 'instruction truncated');
    return code[p++];
  };
  let operandSize16 = false;
  let addressSize32 = false;
  let rexW = false;
  let b = byte();
  while (LEGACY_PREFIXES.has(b)) {
    if (b === 0x66) operandSize16 = true;
    if (b === 0x67) addressSize32 = true;
    b = byte();
  }
  if (b >= 0x40 && b <= 0x4f) {
    rexW = (b & 8) !== 0;
    b = byte();
  }

  const result: DecodedInstruction = {
    length: 0, opcodeOffset: 0, modrmOffset: -1, ripDisplacementOffset: -1, relOffset: -1, relSize: 0,
    control: 'none', condition: 0, usesStackPointer: false,
  };

  let hasModrm = false;
  let immediate = 0;
  let map = 0; // 0 = one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A

  if (b === 0xc4 || b === 0xc5 || b === 0x62 || (b === 0x8f && p < end && (code[p] & 0x1f) >= 8)) {
    // VEX (C4/C5), EVEX (62) and XOP (8F) carry the map in their payload; ModRM always follows.
    let vexMap: number;
    if (b === 0xc5) {
      byte();
      vexMap = 1;
    } else if (b === 0xc4 || b === 0x8f) {
      const p0 = byte();
      byte();
      vexMap = b === 0x8f ? (p0 & 0x1f) + 0x100 : p0 & 0x1f;
    } else {
      const p0 = byte();
      byte();
      byte();
      vexMap = p0 & 0x7;
    }
    result.opcodeOffset = p - offset;
    const opcode = byte();
    hasModrm = !(vexMap === 1 && opcode === 0x77); // vzeroupper/vzeroall
    if (vexMap >= 0x100) immediate = vexMap === 0x108 || vexMap === 0x10a ? (vexMap === 0x10a ? 4 : 1) : 0;
    else immediate = vexImmediate(vexMap, opcode);
    map = -1;
  } else if (b === 0x0f) {
    const second = byte();
    if (second === 0x38) {
      map = 2;
      result.opcodeOffset = p - offset;
      byte();
      hasModrm = true;
    } else if (second === 0x3a) {
      map = 3;
      result.opcodeOffset = p - offset;
      byte();
      hasModrm = true;
      immediate = 1;
    } else {
      map = 1;
      result.opcodeOffset = p - offset - 1;
      hasModrm = MODRM_2[second] === 1;
      const imm = IMM_2[second];
      if (second >= 0x80 && second <= 0x8f) {
        result.control = 'jcc-rel';
        result.condition = second & 0xf;
        result.relOffset = p - offset;
        result.relSize = 4;
        immediate = 4;
      } else if (imm === Imm.B) immediate = 1;
      if (second === 0x0b || second === 0xb9 || second === 0xff) {
        // ud2/ud1/ud0: valid encodings, but trapping on purpose; never displace them
        throw new DecodeFailure('undefined-instruction opcode');
      }
    }
  } else {
    if (INVALID_1[b]) throw new DecodeFailure(`opcode 0x${b.toString(16)} is invalid in 64-bit mode`);
    result.opcodeOffset = p - offset - 1;
    hasModrm = MODRM_1[b] === 1;
    switch (IMM_1[b]) {
      case Imm.B: immediate = 1; break;
      case Imm.W: immediate = 2; break;
      case Imm.Z: immediate = operandSize16 ? 2 : 4; break;
      case Imm.V: immediate = rexW ? 8 : operandSize16 ? 2 : 4; break;
      case Imm.WB: immediate = 3; break;
      case Imm.Moffs: immediate = addressSize32 ? 4 : 8; break;
    }
    if (b >= 0x70 && b <= 0x7f) {
      result.control = 'jcc-rel';
      result.condition = b & 0xf;
      result.relSize = 1;
    } else if (b >= 0xe0 && b <= 0xe3) {
      result.control = 'loop-rel';
      result.relSize = 1;
    } else if (b === 0xeb) {
      result.control = 'jmp-rel';
      result.relSize = 1;
    } else if (b === 0xe9) {
      result.control = 'jmp-rel';
      result.relSize = 4;
      immediate = 4;
    } else if (b === 0xe8) {
      result.control = 'call-rel';
      result.relSize = 4;
      immediate = 4;
    } else if (b === 0xcc) {
      result.control = 'int3';
    }
  }

  if (hasModrm) {
    result.modrmOffset = p - offset;
    const modrm = byte();
    const mod = modrm >> 6;
    const reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    if (map === 0 && (b === 0xf6 || b === 0xf7) && reg <= 1) immediate = b === 0xf6 ? 1 : operandSize16 ? 2 : 4;
    if (map === 0 && b === 0xff && (reg === 2 || reg === 3)) result.control = 'call-indirect';
    if (mod !== 3) {
      if (rm === 4) {
        const sib = byte();
        const base = sib & 7;
        if (base === 4) result.usesStackPointer = true;
        if (base === 5 && mod === 0) {
          p += 4;
        }
      } else if (rm === 5 && mod === 0) {
        result.ripDisplacementOffset = p - offset;
        p += 4;
      }
      if (mod === 1) p += 1;
      else if (mod === 2) p += 4;
    } else if (rm === 4 && map === 0 && b === 0xff && (reg === 2 || reg === 3)) {
      result.usesStackPointer = true; // call *%rsp (pointless but legal)
    }
  }
  if (result.relSize > 0 && result.relOffset < 0) result.relOffset = p - offset;
  p += immediate;
  if (p > end) throw new DecodeFailure(p - offset > 15 ? 'instruction longer than 15 bytes' : 'instruction truncated');
  result.length = p - offset;
  return result;
}
