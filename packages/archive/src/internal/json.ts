import { ArchiveError, type ArchiveErrorCode } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parses UTF-8 JSON bytes, raising an {@link ArchiveError} that names what was being read. */
export function parseJsonBytes<T>(
  bytes: Uint8Array,
  what: string,
  code: ArchiveErrorCode = 'INVALID_ARCHIVE',
): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (error) {
    throw new ArchiveError(code, `${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** JSON text as bytes, the way every writer here serialises its own documents (compact, no trailing newline). */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf-8');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
