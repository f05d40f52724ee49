// The words a -c command line starts with, read as /bin/sh reads them (utap runs it with
// `sh -c 'exec CMD'`): quotes and backslashes removed, so `'/home/a b/x' 10` names /home/a b/x.
// Only the plain part before the first operator is read; a word holding an expansion ($, `,
// a glob, a leading ~) is one the shell would change, so the words stop before it.

/** The leading literal words of `command`; empty when the first word is not literal. */
export function leadingWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    if (c === '\n' || ';&|<>()'.includes(c)) break; // an operator or redirection ends the simple command's words
    if ('$`*?['.includes(c) || (c === '~' && !inWord)) return words;
    inWord = true;
    if (c === '\\') {
      if (i + 1 < command.length) word += command[++i];
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return words; // unterminated: sh would refuse it
      word += command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        const d = command[j];
        if (d === '$' || d === '`') return words;
        if (d === '\\' && j + 1 < command.length && '"\\$`\n'.includes(command[j + 1])) word += command[++j];
        else word += d;
      }
      if (j >= command.length) return words;
      i = j;
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The word naming the program a -c command runs: after `exec` and `NAME=value` words. */
export function commandWord(command: string): string | undefined {
  const words = leadingWords(command);
  while (words.length && (words[0] === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]))) words.shift();
  return words[0] || undefined;
}
