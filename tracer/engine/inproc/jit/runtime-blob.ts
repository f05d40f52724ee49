// The in-target runtime (runtime-c/inproc/utap-inproc.c) as the build leaves it: raw code bytes
// for any base address (position-independent, code only) and the offset of each function.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../../install-paths';

export const RUNTIME_CODE = path.join(packageRoot, 'build', 'utap-inproc.bin');
export const RUNTIME_SYMBOLS = path.join(packageRoot, 'build', 'utap-inproc.syms');

export interface RuntimeBlob {
  code: Buffer;
  /** Byte offset of each function in `code`. */
  symbols: Map<string, number>;
}

let cached: RuntimeBlob | undefined;

/** Reads the runtime once; a missing build is one sentence saying how to make it. */
export function loadRuntimeBlob(): RuntimeBlob {
  if (cached) return cached;
  let code: Buffer;
  let text: string;
  try {
    code = fs.readFileSync(RUNTIME_CODE);
    text = fs.readFileSync(RUNTIME_SYMBOLS, 'latin1');
  } catch {
    throw new Error(`the in-process runtime is not built (${RUNTIME_CODE}): run make -C runtime-c`);
  }
  const symbols = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, hex] = line.trim().split(/\s+/);
    if (name && hex) symbols.set(name, parseInt(hex, 16));
  }
  cached = { code, symbols };
  return cached;
}
