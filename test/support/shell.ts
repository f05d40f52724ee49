// Shell command lines built from paths (a -c command, a `sh -c` line). A clone may live under a
// folder with spaces, dots or quotes, so every value put into a command line is quoted.

/** One word as the shell reads it back: bare when it is plain, else in single quotes. */
export function shellQuote(word: string | number): string {
  const text = String(word);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** sh`${fixture('counter')} 500 > ${out}`: the literal text as written, each value quoted. */
export function sh(literals: TemplateStringsArray, ...values: (string | number)[]): string {
  return literals.reduce((line, literal, i) => line + literal + (i < values.length ? shellQuote(values[i]) : ''), '');
}
