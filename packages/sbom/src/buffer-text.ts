/** Node's Buffer decoders, without the argument checks and encoding lookup `toString` wraps them in. */
interface BufferDecoders {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/**
 * `bytes[start..end)` as UTF-8; the caller keeps `0 <= start <= end <= bytes.length`. For code that runs for
 * every tar header or kept line: `toString(encoding, ...)` is JavaScript (argument checks, an encoding switch)
 * that V8 compiles into each hot caller, and compiling it there cost more than running it.
 */
export function utf8Of(bytes: Buffer, start: number, end: number): string {
  return (bytes as unknown as BufferDecoders).utf8Slice(start, end);
}

/** `bytes[start..end)` as latin1 (one character a byte), under the same terms as {@link utf8Of}. */
export function latin1Of(bytes: Buffer, start: number, end: number): string {
  return (bytes as unknown as BufferDecoders).latin1Slice(start, end);
}
