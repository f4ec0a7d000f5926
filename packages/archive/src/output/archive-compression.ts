import type { Duplex } from 'node:stream';
import { ArchiveError } from '../errors.js';
import { createZstdCompressor, type ZstdCompressorOptions } from '../zstd/zstd-compressor.js';

/** zstd parameters of an archive; see {@link createZstdCompressor} for defaults. */
export type ZstdOutputOptions = Omit<ZstdCompressorOptions, 'signal'>;

/** How the whole archive is compressed: not at all (a plain `.tar`, the default) or with zstd (`.tar.zst`). */
export type ArchiveCompression = 'none' | { zstd: ZstdOutputOptions };

/** The compressing stage for an archive, or `undefined` for a plain tar. */
export async function createArchiveCompressor(
  compression: ArchiveCompression | undefined,
  signal: AbortSignal,
): Promise<Duplex | undefined> {
  if (compression === undefined || compression === 'none') return undefined;
  if (typeof compression === 'object' && compression.zstd)
    return createZstdCompressor({ ...compression.zstd, signal });
  throw new ArchiveError('INVALID_INPUT', `unknown archive compression ${JSON.stringify(compression)}`);
}
