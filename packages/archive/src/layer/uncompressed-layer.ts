import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createInflateRaw, type InflateRaw } from 'node:zlib';
import { type Descriptor, type Digest, digestHex, type Image, layerCompression } from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { pipe } from '../internal/pipeline.js';
import { Verifier } from '../internal/verifier.js';
import { type ArrivingBlob, isArrivingBlob } from './arriving-blob.js';
import { createLayerDecompressor, describeDecompressionError, inflateChunkSize } from './decompress.js';
import { readGzipLayout } from './gzip-member.js';
import { zstdFrameContentSize } from './zstd-frame.js';

/**
 * Where the compressed blob of a layer already sits on disk (e.g. the fetcher's content-addressed blob cache),
 * an {@link ArrivingBlob} still being downloaded there, or `undefined` to read it through `Image.openLayer`.
 * May wait and resolve later.
 */
export type LayerFileProvider = (
  layer: Descriptor,
  options: { signal?: AbortSignal },
) => LayerFile | undefined | Promise<LayerFile | undefined>;

/** A layer blob's complete file, or one still arriving. */
export type LayerFile = string | ArrivingBlob;

/** A stream stage of a layer's uncompressed bytes, ready to go into a tar entry of a known size. */
export interface UncompressedLayer {
  readonly layer: Descriptor;
  readonly diffId: Digest;
  /** Length of the uncompressed tar: the tar entry's size. */
  readonly size: number;
  /** True when the size came from a gzip ISIZE or zstd frame header (checked while streaming). */
  readonly predicted: boolean;
  /** The stages that produce the bytes; they fail on a wrong length or diff_id. Call once. */
  open(): NodeJS.ReadableStream[];
  /** Removes the temporary file, if any. */
  dispose(): Promise<void>;
}

/**
 * The size predicted from a gzip trailer or zstd header was wrong (multi-member gzip, more than 4 GiB, several
 * zstd frames). The writer starts over with this layer spooled, or reports LAYER_SIZE_UNPREDICTABLE.
 */
export class SizePredictionError extends ArchiveError {
  readonly layerDigest: Digest;

  constructor(layerDigest: Digest, detail: string) {
    super(
      'LAYER_SIZE_UNPREDICTABLE',
      `layer ${layerDigest}: ${detail}; the size read ahead from the compressed file was wrong. ` +
        'Write to a file path (the writer then starts over with this layer spooled) or set predictLayerSizes: false',
    );
    this.layerDigest = layerDigest;
  }
}

export interface PrepareContext {
  image: Image;
  layerFile?: LayerFileProvider;
  /** Trust gzip ISIZE / zstd content size to stream a layer straight from its file. */
  predictSizes: boolean;
  /** Layers whose prediction already failed once. */
  distrusted: ReadonlySet<Digest>;
  /** Creates (once) and returns the directory for spooled layers. */
  tempDir(): Promise<string>;
  signal: AbortSignal;
}

/**
 * Makes a layer's uncompressed size known before its bytes are needed: straight from the compressed file when
 * its header or trailer tells (no temporary copy, the layer streams into the tar while it inflates), else by
 * decompressing it once into a temporary file while hashing it.
 */
export async function prepareLayer(
  layer: Descriptor,
  diffId: Digest,
  context: PrepareContext,
): Promise<UncompressedLayer> {
  let file = await context.layerFile?.(layer, { signal: context.signal });
  context.signal.throwIfAborted();
  if (isArrivingBlob(file)) {
    if (context.predictSizes && !context.distrusted.has(layer.digest)) {
      const live = await predictFromArriving(layer, diffId, file, context.signal);
      if (live) return live;
    }
    file = await file.complete();
    context.signal.throwIfAborted();
  }
  if (file !== undefined && context.predictSizes && !context.distrusted.has(layer.digest)) {
    const direct = await predictFromFile(layer, diffId, file);
    if (direct) return direct;
  }
  return spoolLayer(layer, diffId, file, context);
}

async function predictFromFile(
  layer: Descriptor,
  diffId: Digest,
  file: string,
): Promise<UncompressedLayer | undefined> {
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw new ArchiveError('IO_ERROR', `layer ${layer.digest}: cannot open ${file}`, { cause: error });
  });
  try {
    const { size: fileSize } = await handle.stat();
    if (fileSize !== layer.size) {
      throw new ArchiveError(
        'SIZE_MISMATCH',
        `layer ${layer.digest}: ${file} holds ${fileSize} bytes, descriptor says ${layer.size}`,
      );
    }
    const verifier = (size: number) => predictedSizeVerifier(layer, diffId, size);
    const compression = layerCompression(layer.mediaType);
    if (compression === 'none') {
      return directLayer(layer, diffId, fileSize, () => [
        createReadStream(file, { highWaterMark: inflateChunkSize }),
        verifier(fileSize),
      ]);
    }
    if (compression === 'gzip') {
      const gzip = await readGzipLayout(handle, fileSize);
      if (!gzip) return undefined;
      const bodyLength = gzip.bodyEnd - gzip.bodyStart;
      return directLayer(layer, diffId, gzip.isize, () => {
        // The blob digest already proves the gzip stream intact, so inflate the raw deflate body and skip
        // gzip's CRC32; the diff_id check below proves the result.
        const inflater = createInflateRaw({ chunkSize: inflateChunkSize });
        return [
          createReadStream(file, {
            start: gzip.bodyStart,
            end: gzip.bodyEnd - 1,
            highWaterMark: inflateChunkSize,
          }),
          inflater,
          new SingleMemberCheck(inflater, bodyLength, layer.digest),
          verifier(gzip.isize),
        ];
      });
    }
    const head = Buffer.alloc(Math.min(fileSize, 32));
    await handle.read(head, 0, head.length, 0);
    const contentSize = zstdFrameContentSize(head);
    if (contentSize === undefined) return undefined;
    const decompressor = await createLayerDecompressor('zstd');
    return directLayer(layer, diffId, contentSize, () => [
      createReadStream(file, { highWaterMark: inflateChunkSize }),
      decompressor as NodeJS.ReadWriteStream,
      verifier(contentSize),
    ]);
  } finally {
    await handle.close();
  }
}

/** Checks the diff_id, and the predicted size: a wrong prediction is a {@link SizePredictionError}. */
function predictedSizeVerifier(layer: Descriptor, diffId: Digest, size: number): Verifier {
  return new Verifier({
    what: `layer ${layer.digest} (diff_id ${diffId})`,
    digest: diffId,
    size,
    digestCode: 'DIFF_ID_MISMATCH',
    sizeError: (actual, expected, ended) =>
      new SizePredictionError(
        layer.digest,
        `inflated to ${ended ? actual : `more than ${expected}`} bytes, expected ${expected}`,
      ),
  });
}

/**
 * Streams a layer while its blob still arrives, when its size is known ahead: a plain tar's is the
 * descriptor's, a gzip layer's comes from the trailer read ahead (ISIZE). The raw bytes are not verified here;
 * the diff_id is, which proves everything the archive holds.
 */
async function predictFromArriving(
  layer: Descriptor,
  diffId: Digest,
  blob: ArrivingBlob,
  signal: AbortSignal,
): Promise<UncompressedLayer | undefined> {
  const compression = layerCompression(layer.mediaType);
  if (compression === 'none') {
    return directLayer(layer, diffId, layer.size, () => [
      blob.open(signal),
      predictedSizeVerifier(layer, diffId, layer.size),
    ]);
  }
  if (compression !== 'gzip' || !blob.readTail || layer.size < 18) return undefined;
  const tail = await blob.readTail(4, signal);
  if (tail?.length !== 4) return undefined;
  const isize = Buffer.from(tail).readUInt32LE(0);
  return directLayer(layer, diffId, isize, () => [
    blob.open(signal),
    createGunzip({ chunkSize: inflateChunkSize }),
    predictedSizeVerifier(layer, diffId, isize),
  ]);
}

function directLayer(
  layer: Descriptor,
  diffId: Digest,
  size: number,
  stages: () => NodeJS.ReadableStream[],
): UncompressedLayer {
  return { layer, diffId, size, predicted: true, open: stages, dispose: async () => {} };
}

/** Fails when the deflate stream ended before the body did: a multi-member gzip file. */
class SingleMemberCheck extends Transform {
  constructor(
    private readonly inflater: InflateRaw,
    private readonly bodyLength: number,
    private readonly digest: Digest,
  ) {
    super({ highWaterMark: inflateChunkSize });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const consumed = this.inflater.bytesWritten;
    if (consumed !== this.bodyLength) {
      callback(
        new SizePredictionError(
          this.digest,
          `the first gzip member ends at ${consumed} of ${this.bodyLength} body bytes`,
        ),
      );
      return;
    }
    callback();
  }
}

async function spoolLayer(
  layer: Descriptor,
  diffId: Digest,
  file: string | undefined,
  context: PrepareContext,
): Promise<UncompressedLayer> {
  const what = `layer ${layer.digest}`;
  const stages: NodeJS.ReadableStream[] = [];
  if (file !== undefined) {
    stages.push(createReadStream(file, { highWaterMark: inflateChunkSize }));
    stages.push(new Verifier({ what, digest: layer.digest, size: layer.size }));
  } else {
    stages.push(await context.image.openLayer(layer, { signal: context.signal }));
  }
  const decompressor = await createLayerDecompressor(layerCompression(layer.mediaType), context.signal);
  if (decompressor) stages.push(decompressor);
  let size = -1;
  stages.push(
    new Verifier({
      what: `${what} (diff_id ${diffId})`,
      digest: diffId,
      digestCode: 'DIFF_ID_MISMATCH',
      onVerified: (content) => {
        size = content.size;
      },
    }),
  );
  const path = join(await context.tempDir(), `${digestHex(layer.digest)}.tar`);
  try {
    await pipe([...stages, createWriteStream(path)], context.signal);
  } catch (error) {
    await rm(path, { force: true });
    throw describeDecompressionError(error, what);
  }
  return {
    layer,
    diffId,
    size,
    predicted: false,
    open: () => [createReadStream(path, { highWaterMark: inflateChunkSize })],
    dispose: () => rm(path, { force: true }),
  };
}
