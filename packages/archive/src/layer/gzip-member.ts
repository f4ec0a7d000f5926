import type { FileHandle } from 'node:fs/promises';

/** Where the deflate body of a single gzip member sits in a file, and what its trailer claims. */
export interface GzipLayout {
  /** Offset of the first deflate byte (after the RFC 1952 header). */
  bodyStart: number;
  /** Offset one past the last deflate byte, if the file is one member (the 8-byte trailer follows). */
  bodyEnd: number;
  /** ISIZE: the uncompressed length modulo 2^32, as the last member claims. */
  isize: number;
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;

/**
 * Length of the gzip header at the start of `bytes`, or `undefined` when `bytes` is not (or not enough of) a
 * gzip header. Names and comments longer than `bytes` count as "not enough".
 */
export function gzipHeaderLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 10 || bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8) return undefined;
  const flags = bytes[3] ?? 0;
  if (flags & RESERVED) return undefined;
  let offset = 10;
  if (flags & FEXTRA) {
    if (bytes.length < offset + 2) return undefined;
    offset += 2 + ((bytes[offset] ?? 0) | ((bytes[offset + 1] ?? 0) << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const end = bytes.indexOf(0, offset);
    if (end === -1) return undefined;
    offset = end + 1;
  }
  if (flags & FHCRC) offset += 2;
  return offset <= bytes.length ? offset : undefined;
}

/**
 * Reads the header and trailer of a gzip file without inflating it. The trailer's ISIZE is only a claim:
 * a multi-member file or a body over 4 GiB breaks it, so whoever trusts it must check the real length.
 */
export async function readGzipLayout(file: FileHandle, fileSize: number): Promise<GzipLayout | undefined> {
  if (fileSize < 18) return undefined;
  const head = Buffer.alloc(Math.min(fileSize, 64 << 10));
  await file.read(head, 0, head.length, 0);
  const bodyStart = gzipHeaderLength(head);
  if (bodyStart === undefined || bodyStart + 8 > fileSize) return undefined;
  const trailer = Buffer.alloc(4);
  await file.read(trailer, 0, 4, fileSize - 4);
  return { bodyStart, bodyEnd: fileSize - 8, isize: trailer.readUInt32LE(0) };
}
