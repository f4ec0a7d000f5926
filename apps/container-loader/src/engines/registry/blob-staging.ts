import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ArchiveEntryInfo } from '@isar/archive';
import type { Digest } from '@isar/oci-spec';

/** A blob written to the staging directory, as it will be pushed. */
export interface StagedBlob {
  path: string;
  digest: Digest;
  size: number;
  /** How the staged bytes are compressed; `gzip` also for plain layers we compressed on the way. */
  compression: 'gzip' | 'zstd' | 'none';
  /** The entry was a plain tar and was gzip-compressed here (its registry digest is new). */
  compressedHere: boolean;
}

const BLOB_ENTRY = /^blobs\/[a-z0-9]+\/[a-f0-9]+$/;

/**
 * Keeps the blobs an archive's images need while the reader streams through it, so an archive is read once:
 * OCI blobs (`blobs/sha256/<hex>`) byte for byte, which preserves every digest; docker-archive layers
 * (`<diffId>.tar`, `<id>/layer.tar`) gzip-compressed, as a registry serves layers. Small JSON documents stay
 * with the reader. Staged files live in a private temp directory removed by {@link dispose}.
 */
export class BlobStaging {
  private readonly staged = new Map<string, StagedBlob>();
  private readonly writes: Promise<void>[] = [];
  /** The sinks handed to the reader; one the reader abandons (it failed mid-entry) is destroyed by dispose. */
  private readonly sinks: PassThrough[] = [];
  private constructor(readonly dir: string) {}

  static async create(parent: string): Promise<BlobStaging> {
    return new BlobStaging(await mkdtemp(join(parent, 'container-loader-')));
  }

  /** The reader's `onEntry`: a sink for entries worth staging, nothing for the rest. */
  readonly onEntry = (entry: ArchiveEntryInfo): NodeJS.WritableStream | undefined => {
    if (entry.type !== 'file' || this.staged.has(entry.name)) return undefined;
    const isBlob = BLOB_ENTRY.test(entry.name);
    if (!isBlob && !entry.name.endsWith('.tar')) return undefined;
    const path = join(this.dir, `${this.writes.length}`);
    const sink = new PassThrough({ highWaterMark: 1 << 20 });
    this.sinks.push(sink);
    const tap = new HashTap();
    let compression: StagedBlob['compression'] = 'none';
    let compressedHere = false;
    const result: StagedBlob = { path, digest: 'sha256:' as Digest, size: 0, compression, compressedHere };
    this.staged.set(entry.name, result);
    const write = pipeline(
      sink,
      async function* (source: AsyncIterable<Buffer>) {
        const chunks = source[Symbol.asyncIterator]();
        const first = await chunks.next();
        if (first.done) return;
        compression = sniff(first.value);
        const rest = async function* () {
          yield first.value;
          for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
        };
        if (isBlob || compression !== 'none') {
          yield* rest();
          return;
        }
        // A plain layer tar: gzip it (zlib's gzip header has no mtime/name, so the same tar gives the same blob).
        compressedHere = true;
        compression = 'gzip';
        const gzip = createGzip();
        const feeding = pipeline(Readable.from(rest()), gzip);
        feeding.catch(() => {});
        yield* gzip as AsyncIterable<Buffer>;
        await feeding;
      },
      tap,
      createWriteStream(path),
    ).then(() => {
      Object.assign(result, { digest: tap.digest(), size: tap.size, compression, compressedHere });
    });
    // Failures surface through the reader (the sink errors) and through settled(); never unhandled.
    write.catch(() => {});
    this.writes.push(write);
    return sink;
  };

  /** Waits for every staged write; rejects with the first failure. */
  async settled(): Promise<void> {
    await Promise.all(this.writes);
  }

  /** The staged blob of an entry (after {@link settled}). */
  get(entry: string): StagedBlob | undefined {
    return this.staged.get(entry);
  }

  async dispose(): Promise<void> {
    // A reader that stopped in the middle of an entry (truncated or corrupt archive) leaves its sink open:
    // its write would wait for the rest forever, and so would we (Node then exits 13 with nothing said).
    for (const sink of this.sinks) {
      if (!sink.writableEnded) sink.destroy(new Error('the archive was not read to the end'));
    }
    await Promise.allSettled(this.writes);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function sniff(head: Buffer): StagedBlob['compression'] {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** sha256 and length of what flows through. */
class HashTap extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}` as Digest;
  }
}
