/**
 * What to tell a user when a Parquet structure cannot be parsed. The parsers
 * fail with JavaScript's own texts ("Cannot read properties of undefined",
 * "Offset is outside the bounds of the DataView", "Invalid typed array
 * length") that name the engine, not the file; this turns them into the
 * reason a person can act on. The engine text never reaches the message.
 */
export function corruptReason(err: unknown, what: string): string {
  // Plain Errors are ours and the codecs' ("snappy page decompressed to 10 bytes, expected 16"): already readable.
  if (err instanceof Error && err.constructor === Error) return `${what} is corrupt (${err.message})`;
  if (err instanceof RangeError) {
    if (/bounds|outside|length|offset/i.test(err.message))
      return `${what} ends early or has a wrong length (truncated or damaged)`;
    return `${what} holds an impossible size or count`;
  }
  if (err instanceof TypeError) return `${what} is malformed (a field is missing or of the wrong type)`;
  return `${what} is corrupt`;
}
