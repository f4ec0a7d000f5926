/**
 * Writes one image layer (a gzip-compressed tar) into an OCI blob store while hashing it twice in the
 * same pass: the uncompressed tar (diff id) and the compressed blob (digest).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';

/** Every entry gets this mtime so layers are byte-for-byte reproducible. */
export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

export type LayerEntry =
  | { type: 'directory'; name: string; mode?: number }
  | { type: 'file'; name: string; data: Buffer; mode?: number }
  | { type: 'symlink'; name: string; target: string };

export interface WrittenLayer {
  digest: string;
  /** Compressed size. */
  size: number;
  diffId: string;
  uncompressedSize: number;
}

/** A pass-through that hashes and counts what flows through it. */
class HashingCounter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

export async function writeLayer(
  blobsDir: string,
  entries: Iterable<LayerEntry> | AsyncIterable<LayerEntry>,
  signal?: AbortSignal,
): Promise<WrittenLayer> {
  const tar = pack();
  const uncompressed = new HashingCounter();
  const compressed = new HashingCounter();
  const tmpFile = join(blobsDir, `.layer-${randomBytes(6).toString('hex')}.tmp`);

  const feed = async () => {
    for await (const entry of entries) {
      signal?.throwIfAborted();
      const common = { name: entry.name, mtime: FIXED_MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error | null) => (error ? reject(error) : resolve());
        if (entry.type === 'file') {
          tar.entry(
            { ...common, type: 'file', mode: entry.mode ?? 0o644, size: entry.data.length },
            entry.data,
            done,
          );
        } else if (entry.type === 'directory') {
          tar.entry({ ...common, type: 'directory', mode: entry.mode ?? 0o755 }, done);
        } else {
          tar.entry({ ...common, type: 'symlink', mode: 0o777, linkname: entry.target }, done);
        }
      });
    }
    tar.finalize();
  };

  try {
    const feeding = feed().catch((error: Error) => {
      tar.destroy(error);
      throw error;
    });
    await Promise.all([
      pipeline(tar, uncompressed, createGzip({ level: 6 }), compressed, createWriteStream(tmpFile), {
        signal,
      }),
      feeding,
    ]);
    const hex = compressed.hash.digest('hex');
    await rename(tmpFile, join(blobsDir, hex));
    return {
      digest: `sha256:${hex}`,
      size: compressed.bytes,
      diffId: `sha256:${uncompressed.hash.digest('hex')}`,
      uncompressedSize: uncompressed.bytes,
    };
  } catch (error) {
    await rm(tmpFile, { force: true });
    throw error;
  }
}
