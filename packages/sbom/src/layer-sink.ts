import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createZstdDecompressor } from '@isar/archive';
import type { LayerDelta } from './layer-delta.js';
import { scanLayerTar } from './layer-scan.js';
import type { SbomLimits } from './limits.js';

/** A sink for an archive entry that may be a layer, and what scanning it found. */
export interface LayerSink {
  sink: PassThrough;
  /** The layer's delta; undefined when the entry is no layer (JSON, not a tar); never rejects. */
  result: Promise<LayerDelta | undefined>;
}

/** Enough bytes to see a tar header's `ustar` magic (offset 257). */
const HEAD_BYTES = 512;

/**
 * Takes an archive entry's bytes as the archive reader streams them past (no second read) and scans them as a
 * layer when they are one: gzip, zstd or a plain tar, told from the first bytes. The sink never fails: the
 * reader proves the archive; a layer that does not scan only costs the inventory (a problem is reported).
 */
export function layerSink(entryName: string, limits: SbomLimits, signal?: AbortSignal): LayerSink {
  const sink = new PassThrough({ highWaterMark: 1 << 20 });
  const result = scan(sink, limits, signal).then(
    (delta) => delta,
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      return {
        entries: new Map(),
        whiteouts: [],
        opaqueDirs: [],
        problems: [`layer ${entryName} could not be read: ${message}`],
      };
    },
  );
  return { sink, result };
}

async function scan(
  input: PassThrough,
  limits: SbomLimits,
  signal?: AbortSignal,
): Promise<LayerDelta | undefined> {
  // One consumer pulls the entry's bytes, first for the head, then for the layer, then to drain the rest: the
  // reader waits on this sink, so its bytes must flow to the end whatever happens here.
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let ended = false;
  const pull = async (): Promise<Buffer | undefined> => {
    if (ended) return undefined;
    const next = await iterator.next();
    if (next.done) ended = true;
    return next.done ? undefined : next.value;
  };
  const headChunks: Buffer[] = [];
  let headLength = 0;
  for (let chunk = headLength < HEAD_BYTES ? await pull() : undefined; chunk; ) {
    headChunks.push(chunk);
    headLength += chunk.length;
    chunk = headLength < HEAD_BYTES ? await pull() : undefined;
  }
  const head = Buffer.concat(headChunks);
  const kind = sniff(head);
  let tar: NodeJS.ReadableStream | undefined;
  let raw: Readable | undefined;
  try {
    if (!kind) return undefined;
    async function* bytes(): AsyncGenerator<Buffer> {
      yield head;
      for (let chunk = await pull(); chunk; chunk = await pull()) yield chunk;
    }
    raw = Readable.from(bytes());
    tar = raw;
    if (kind !== 'tar') {
      const decompressor =
        kind === 'gzip' ? createGunzip({ chunkSize: 1 << 20 }) : await createZstdDecompressor({ signal });
      const source = raw;
      source.on('error', (error) => decompressor.destroy(error));
      tar = source.pipe(decompressor);
    }
    return await scanLayerTar(tar, limits, signal);
  } finally {
    // A tar ends at its zero blocks; what follows (padding) is drained below, undecoded.
    (tar as Readable | undefined)?.destroy();
    raw?.destroy();
    while (await pull()) {
      // drained
    }
  }
}

function sniff(head: Buffer): 'gzip' | 'zstd' | 'tar' | undefined {
  if (head.length < 4) return undefined;
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return undefined;
}
