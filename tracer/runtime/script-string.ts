// Script strings are byte strings, as SystemTap's C strings are: strlen() counts bytes,
// MAXSTRINGLEN truncates bytes, user_string() copies bytes. The runtime holds them as JS
// strings with one char per byte (char codes 0–255, what Buffer's 'latin1' encoding gives), so
// every string builtin is byte-exact and V8 keeps them as compact one-byte strings.
//
// Text enters from two places: script literals (Unicode text from the source, encoded here to
// their UTF-8 bytes) and target memory (bytes as read). It leaves as bytes to the output file
// (written 'latin1', i.e. byte for byte), or decoded as UTF-8 in JSON records.

/** The byte string of a Unicode text (its UTF-8 encoding). */
export function fromText(text: string): string {
  // Pure ASCII is already its own byte string; skip the round trip.
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** A byte string decoded as UTF-8 (invalid sequences become U+FFFD), for JSON and messages. */
export function toText(bytes: string): string {
  if (/^[\x00-\x7f]*$/.test(bytes)) return bytes;
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
// Buffer's own latin1 decoder, called on the bytes directly: about 3× faster than wrapping them
// in a Buffer first, which matters for user_string on every hit.
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

/** The byte string of `bytes[0..end)`. */
export function fromBytes(bytes: Uint8Array, end = bytes.length): string {
  if (latin1Slice) return latin1Slice.call(bytes, 0, end);
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('latin1');
}

/**
 * A SystemTap string buffer is MAXSTRINGLEN bytes including the terminating NUL, so a string
 * value holds at most MAXSTRINGLEN - 1 bytes; longer results are cut there.
 */
export function maxContentLength(maxStringLen: number): number {
  return Math.max(0, maxStringLen - 1);
}
