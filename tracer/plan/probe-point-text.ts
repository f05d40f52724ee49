// Reads a probe point written on the command line (`utap -l 'process("psql").function("Send*")'`)
// into the components the front end would produce: `name` or `name(ARG)` joined by dots, ARG a
// double-quoted string (C escapes) or a number, with an optional `?` at the end.
import { EXIT_SCRIPT_ERROR, UtapError } from '../errors';
import type { ProbePointComponent } from '../ir/ir';

export interface ParsedProbePoint {
  text: string;
  components: ProbePointComponent[];
  optional: boolean;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };

export function parseProbePointText(input: string): ParsedProbePoint {
  const text = input.trim();
  const bad = (why: string, at: number): never => {
    throw new UtapError(`probe point '${text}' is not valid at column ${at + 1}: ${why}.`, EXIT_SCRIPT_ERROR);
  };
  const components: ProbePointComponent[] = [];
  let i = 0;
  let optional = false;
  for (;;) {
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^\*/.exec(text.slice(i));
    if (!m) bad('expected a name such as process, function or begin', i);
    const component: ProbePointComponent = { name: m![0] };
    i += m![0].length;
    if (text[i] === '(') {
      i++;
      if (text[i] === '"') {
        let value = '';
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) {
            value += ESCAPES[text[i + 1]] ?? text[i + 1];
            i += 2;
          } else value += text[i++];
        }
        if (text[i] !== '"') bad('the string has no closing quote', i);
        i++;
        component.arg = value;
      } else {
        const n = /^-?(0x[0-9a-fA-F]+|[0-9]+)/.exec(text.slice(i));
        if (!n) bad('expected a "string" or a number in parentheses', i);
        component.arg = BigInt(n![0].startsWith('-') ? -BigInt(n![0].slice(1)) : BigInt(n![0]));
        i += n![0].length;
      }
      if (text[i] !== ')') bad("expected ')'", i);
      i++;
    }
    components.push(component);
    if (text[i] === '.') {
      i++;
      continue;
    }
    if (text[i] === '?' && i === text.length - 1) {
      optional = true;
      i++;
    }
    if (i !== text.length) bad(`unexpected '${text[i]}'`, i);
    break;
  }
  return { text: optional ? text.slice(0, -1) : text, components, optional };
}
