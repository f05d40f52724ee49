// Shell-style wildcard patterns as SystemTap matches function and file names (fnmatch(3) with no
// flags): `*` any run of characters, `?` one character, `[abc]` `[a-z]` `[!x]` `[^x]` a class,
// backslash quotes the next character. Everything else matches itself.

export interface Glob {
  readonly pattern: string;
  /** The pattern has no wildcard: matching is string equality (and lookups can use an index). */
  readonly literal: boolean;
  matches(text: string): boolean;
}

const SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

export function hasWildcards(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

export function compileGlob(pattern: string): Glob {
  if (!hasWildcards(pattern)) return { pattern, literal: true, matches: (text) => text === pattern };
  const regex = new RegExp(`^${globToRegExpSource(pattern)}$`, 's');
  return { pattern, literal: false, matches: (text) => regex.test(text) };
}

function globToRegExpSource(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < pattern.length) out += pattern[++i].replace(SPECIAL, '\\$&');
    else if (c === '[') {
      const end = classEnd(pattern, i);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let j = i + 1;
      let negate = false;
      if (pattern[j] === '!' || pattern[j] === '^') {
        negate = true;
        j++;
      }
      let body = '';
      for (; j < end; j++) {
        const escaped = pattern[j] === '\\' && j + 1 < end;
        const ch = escaped ? pattern[++j] : pattern[j];
        body += ch === '-' && !escaped ? '-' : ch.replace(/[\\\]^[-]/, '\\$&');
      }
      out += `[${negate ? '^' : ''}${body}]`;
      i = end;
    } else out += c.replace(SPECIAL, '\\$&');
  }
  return out;
}

/** Index of the `]` closing the class opened at `open`; a `]` right after `[` or `[!` is literal. */
function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '!' || pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return -1;
}
