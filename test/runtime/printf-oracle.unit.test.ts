// printf integer and string conversions against the system's printf(1) (C printf semantics),
// for every flag combination where C and SystemTap agree (SystemTap keeps `0` padding with a
// precision, which C drops; prints 0 as "0x0" with `#` and as "0" with precision 0, where C
// prints "0" and nothing — those are checked in printf-format.unit.test.ts instead).
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toLong } from '../../tracer/runtime/long';
import { compileFormat } from '../../tracer/runtime/printf-format';
import { parseFormat } from '../support/ir-builder';

const FLAGS = ['', '-', '0', '+', ' ', '#', '-+', '0#', '- '];
const WIDTHS = ['', '1', '8', '25'];
const PRECISIONS = ['', '.0', '.3', '.12'];
const VALUES = [0n, 1n, -1n, 42n, -42n, 255n, 4096n, 9223372036854775807n, -9223372036854775808n, 1234567890123n];

test('integer conversions match printf(1)', () => {
  const formats: string[] = [];
  const args: string[] = [];
  const ours: string[] = [];
  for (const conv of ['d', 'u', 'x', 'X', 'o']) {
    for (const flags of FLAGS) {
      if (flags.includes('#') && (conv === 'd' || conv === 'u')) continue; // undefined in C
      if ((flags.includes('+') || flags.includes(' ')) && conv !== 'd') continue; // C ignores them for unsigned; so does SystemTap, but keep the oracle strict
      for (const width of WIDTHS) {
        for (const precision of PRECISIONS) {
          if (precision && flags.includes('0')) continue; // C drops 0 with a precision; SystemTap keeps it
          for (const value of VALUES) {
            if (flags.includes('#') && value === 0n) continue; // C prints "0" for %#x of 0, SystemTap "0x0"
            if (precision === '.0' && value === 0n) continue; // C prints nothing for %.0d of 0, SystemTap "0"
            if (conv === 'o' && flags.includes('#') && precision) continue; // C folds the 0 prefix into the precision, SystemTap adds it
            const f = `%${flags}${width}${precision}${conv}`;
            formats.push(`[${f.replace(conv, 'll' + conv)}]`);
            args.push(conv === 'd' ? value.toString() : BigInt.asUintN(64, value).toString());
            ours.push(`[${compileFormat(parseFormat(f), 8192)([toLong(value)])}]`);
          }
        }
      }
    }
  }
  // printf(1) takes one format and reuses it; run one process for all with a combined format.
  const chunk = 400;
  for (let i = 0; i < formats.length; i += chunk) {
    const theirs = execFileSync('/usr/bin/printf', [formats.slice(i, i + chunk).join('\n') + '\n', ...args.slice(i, i + chunk)], { encoding: 'latin1' });
    const lines = theirs.split('\n');
    for (let j = 0; j < Math.min(chunk, formats.length - i); j++) assert.is(ours[i + j], lines[j], `${formats[i + j]} of ${args[i + j]}`);
  }
});

test('string conversions match printf(1)', () => {
  for (const flags of ['', '-']) {
    for (const width of WIDTHS) {
      for (const precision of PRECISIONS) {
        for (const value of ['', 'a', 'hello world', 'utap']) {
          const f = `%${flags}${width}${precision}s`;
          const theirs = execFileSync('/usr/bin/printf', [`[${f}]`, value], { encoding: 'latin1' });
          assert.is(`[${compileFormat(parseFormat(f), 8192)([value])}]`, theirs, `${f} of '${value}'`);
        }
      }
    }
  }
});

test.run();
