import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ArchiveError } from '../errors.js';
import { Verifier } from '../internal/verifier.js';
import { isZstdFrame } from '../layer/zstd-frame.js';
import { createZstdDecompressor } from '../zstd/zstd-decompressor.js';

/** The outer compression of an archive, told from its magic bytes. */
export type ArchiveCompressionKind = 'zstd' | 'gzip' | 'none';

/** The tar bytes of an archive, whatever its outer compression, plus a counter of the raw bytes read. */
export interface ArchiveInput {
  compression: ArchiveCompressionKind;
  /** Stages producing the plain tar (source, byte counter, decompressor...). */
  stages: NodeJS.ReadableStream[];
  /** Bytes of the archive read so far (compressed). */
  archiveBytes(): number;
}

/**
 * Opens an archive (a path or a stream) and tells its compression from its first bytes: zstd (`.tar.zst`,
 * what the writers produce with zstd), gzip, or a plain tar. Nothing is buffered beyond the first chunk.
 */
export async function openArchiveInput(
  input: string | NodeJS.ReadableStream,
  signal?: AbortSignal,
): Promise<ArchiveInput> {
  const source =
    typeof input === 'string'
      ? createReadStream(input, { highWaterMark: 1 << 20 }).on('error', () => {})
      : input;
  if (typeof input === 'string') {
    await new Promise<void>((resolve, reject) => {
      (source as Readable).once('open', () => resolve());
      (source as Readable).once('error', (error) =>
        reject(
          new ArchiveError('IO_ERROR', `cannot open archive ${input}: ${error.message}`, { cause: error }),
        ),
      );
    });
  }
  const iterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < 4) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const first = Buffer.concat(head);
  const rest = async function* (): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  };
  const counter = new Verifier({ what: 'archive', sizeOnly: true });
  const stages: NodeJS.ReadableStream[] = [Readable.from(rest(), { objectMode: false }), counter];
  let compression: ArchiveCompressionKind = 'none';
  if (isZstdFrame(first)) {
    compression = 'zstd';
    stages.push(await createZstdDecompressor({ signal }));
  } else if (first[0] === 0x1f && first[1] === 0x8b) {
    compression = 'gzip';
    stages.push(createGunzip({ chunkSize: 1 << 20 }));
  }
  return { compression, stages, archiveBytes: () => counter.bytes };
}
