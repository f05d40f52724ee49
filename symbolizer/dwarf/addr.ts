// .debug_addr: the address table that DW_FORM_addrx*, DW_OP_addrx, DW_OP_constx and the
// *x entries of range and location lists index into, per unit from DW_AT_addr_base.
import { DecodeError } from '../decode-error';

export function addressAt(debugAddr: Uint8Array, base: number, index: number, addressSize: number): bigint {
  const at = base + index * addressSize;
  if (at < 0 || at + addressSize > debugAddr.length) {
    throw new DecodeError('.debug_addr', at, `address index ${index} (base 0x${base.toString(16)}) outside the ${debugAddr.length}-byte section`);
  }
  const view = new DataView(debugAddr.buffer, debugAddr.byteOffset + at, addressSize);
  switch (addressSize) {
    case 8: return view.getBigUint64(0, true);
    case 4: return BigInt(view.getUint32(0, true));
    case 2: return BigInt(view.getUint16(0, true));
    case 1: return BigInt(view.getUint8(0));
    default: throw new DecodeError('.debug_addr', at, `unsupported address size ${addressSize}`);
  }
}
