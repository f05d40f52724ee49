// Services builtins need from outside the runtime: symbolizing target addresses. An engine that
// knows the target's maps passes its own (SessionOptions.services); without one, addresses print
// as hex, which is what SystemTap prints for an address it cannot name.
import type { Long } from './long';
import { hexAddress } from './string-builtins';

export interface RuntimeServices {
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
  sprintUbacktrace: (backtrace) =>
    backtrace
      .split(' ')
      .filter((frame) => frame.length > 0)
      .map((frame) => ` ${frame}\n`)
      .join(''),
};
