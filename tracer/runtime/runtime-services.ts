// Services builtins need from outside the runtime: symbolizing target addresses. An engine that
// knows the target's maps passes its own (SessionOptions.services); without one, addresses print
// as hex, which is what SystemTap prints for an address it cannot name.
import { fromBigInt, type Long } from './long';
import { hexAddress } from './string-builtins';

/**
 * SystemTap's layouts of a symbolized address (its runtime's _STP_SYM_* flag sets):
 * `data`   `sym+0xOFF/0xSIZE [/path/module]` (usymdata)
 * `simple` `sym+0xOFF [module]` (sprint_ubacktrace)
 * `full`   ` 0xADDR : sym+0xOFF/0xSIZE [/path/module]` (print_ubacktrace)
 * `fuller` ` 0xADDR : sym+0xOFF/0xSIZE at file.c:LINE [/path/module]` (print_ubacktrace_fileline)
 * `stack`  ` 0xADDR : ` then the `data` text (sprint_ustack, print_usyms)
 * `file`, `line`, `fileline` the source position (usymfile, usymline, usymfileline).
 * Without a symbol each falls back to the hex address (with the module and the offset in it, where known).
 */
export type AddressStyle = 'data' | 'simple' | 'full' | 'fuller' | 'stack' | 'file' | 'line' | 'fileline';
export const ADDRESS_STYLES: readonly AddressStyle[] = ['data', 'simple', 'full', 'fuller', 'stack', 'file', 'line', 'fileline'];

export interface RuntimeServices {
  /** The text of `address` in a SystemTap layout (no newline). Byte string. */
  addressText(address: Long, style: AddressStyle): string;
  /** usymname(addr): the symbol containing a target address, or its hex text. Byte string. */
  usymname(address: Long): string;
  /** umodname(addr): the path of the module (executable or library) holding it. Byte string. */
  umodname(address: Long): string;
  /** The text of sprint_ubacktrace()/print_ubacktrace(): one frame per line, for a ubacktrace() string. */
  sprintUbacktrace(backtrace: string): string;
}

export const defaultServices: RuntimeServices = {
  usymname: (address) => hexAddress(address),
  umodname: () => '<unknown>',
  addressText: (address, style) => (style === 'full' || style === 'fuller' || style === 'stack' ? ' ' : '') + hexAddress(address),
  sprintUbacktrace: (backtrace) =>
    backtrace
      .split(' ')
      .filter((frame) => frame.length > 0)
      .map((frame) => ` ${frame}\n`)
      .join(''),
};

/**
 * Each address of a ubacktrace()-style string (hex words separated by spaces) in `style`, one per
 * line; `stack` lines start with the word as written. Unknown styles are SystemTap's errors, so
 * the caller checks them.
 */
export function usymsText(services: RuntimeServices, addresses: string, style: AddressStyle): string {
  let out = '';
  for (const word of addresses.split(' ')) {
    if (!word) continue;
    let address: bigint;
    try {
      address = BigInt(word);
    } catch {
      continue;
    }
    const text = services.addressText(fromBigInt(BigInt.asIntN(64, address)), style);
    out += (style === 'stack' ? ` ${word} : ${text}` : text) + '\n';
  }
  return out;
}
