import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createZstdDecompressor } from '@isar/archive';
import { LoaderError } from '../errors.js';

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/**
 * Opens an archive as the plain tar stream an engine's `load` reads: zstd (zstd-napi, else the `zstd`
 * command) or gzip is undone on the way, chunk by chunk. Nothing is written to disk and nothing is held
 * whole in memory; a decompression failure errors the returned stream.
 */
export async function openDecompressedTar(path: string, signal?: AbortSignal): Promise<Readable> {
  const head = Buffer.alloc(4);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    await handle.read(head, 0, 4, 0);
  } catch (error) {
    throw new LoaderError('ARCHIVE_UNREADABLE', `cannot open archive ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await handle?.close();
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  let stage: NodeJS.ReadWriteStream | undefined;
  if (head.equals(ZSTD_MAGIC)) stage = await createZstdDecompressor(signal ? { signal } : {});
  else if (head[0] === 0x1f && head[1] === 0x8b) stage = createGunzip({ chunkSize: 1 << 20 });
  if (!stage) return file;
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  // The consumer reads `out`; any failure upstream (I/O, corrupt data, abort) becomes its error.
  pipeline(file, stage, out, signal ? { signal } : {}).catch((error: unknown) => out.destroy(error as Error));
  return out;
}
