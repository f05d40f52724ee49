// One error type for every malformed-input failure in the symbolizer: which section, which byte,
// what was wrong. Readers never throw anything else for bad bytes.

export class DecodeError extends Error {
  constructor(
    readonly section: string,
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${section}+0x${offset.toString(16)}: ${detail}`);
    this.name = 'DecodeError';
  }
}
