import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Digest } from '@isar/oci-spec';
import { extract, type Header } from 'tar-stream';
import { ArchiveError } from '../errors.js';
import { pipe } from '../internal/pipeline.js';
import { Verifier } from '../internal/verifier.js';
import { createLayerDecompressor } from '../layer/decompress.js';
import { isZstdFrame } from '../layer/zstd-frame.js';
import { normalizeEntryName, resolveLinkTarget } from './entry-name.js';
import type { ReadLimits } from './limits.js';

/** What the reader learnt about one tar entry while it streamed past. */
export interface WalkedEntry {
  /** Canonical name (no `./`, no trailing slash). */
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link';
  size: number;
  /** Canonical entry name a link points at. */
  target?: string;
  /** sha256 of the bytes as stored (files only). */
  digest?: Digest;
  /** How the content is compressed, judged from its first bytes. */
  compression?: 'gzip' | 'zstd';
  /** sha256 and length after decompression, for compressed files that were inspected. */
  uncompressedDigest?: Digest;
  uncompressedSize?: number;
  /** Why decompressing it failed, when it was inspected and did not decode. */
  inspectionError?: unknown;
  /** The whole content, for small JSON documents. */
  bytes?: Buffer;
}

/** Describes an entry to {@link WalkOptions.onEntry} before its bytes flow. */
export interface ArchiveEntryInfo {
  name: string;
  type: WalkedEntry['type'];
  size: number;
}

export interface WalkOptions {
  limits: ReadLimits;
  signal?: AbortSignal;
  /** Decompress and hash compressed entries (gzip/zstd) for this name, to check diff_ids. */
  inspectCompressed(name: string): boolean;
  /** A sink for an entry's bytes (written with back-pressure, then ended), or nothing to skip it. */
  onEntry?: (
    entry: ArchiveEntryInfo,
  ) => NodeJS.WritableStream | undefined | Promise<NodeJS.WritableStream | undefined>;
}

const gzipMagic = (head: Buffer) => head[0] === 0x1f && head[1] === 0x8b;

/**
 * Streams through a tar once, hashing every file and keeping only small JSON documents, and refuses hostile
 * input on the way: unsafe names, links leaving the archive, device entries, duplicates with different
 * content, and anything over the limits. Returns the entries by canonical name.
 */
export async function walkTar(
  stages: NodeJS.ReadableStream[],
  options: WalkOptions,
): Promise<Map<string, WalkedEntry>> {
  const { limits } = options;
  const entries = new Map<string, WalkedEntry>();
  let count = 0;
  let total = 0;
  let keptBytes = 0;
  const extractor = extract();

  const handle = async (header: Header, stream: NodeJS.ReadableStream): Promise<void> => {
    options.signal?.throwIfAborted();
    if (++count > limits.maxEntries) throw limit(`more than ${limits.maxEntries} entries`);
    const name = normalizeEntryName(header.name, limits.maxNameLength);
    const type = entryType(header, name);
    const size = type === 'file' ? header.size : 0;
    if (size > limits.maxEntrySize)
      throw limit(`entry "${name}" is ${size} bytes, over ${limits.maxEntrySize}`);
    total += size;
    if (total > limits.maxTotalSize) throw limit(`entries add up to more than ${limits.maxTotalSize} bytes`);
    const entry: WalkedEntry = { name, type, size };
    if (type === 'symlink' || type === 'link') {
      entry.target = resolveLinkTarget(name, header.linkname ?? '', type, limits.maxNameLength);
      if (type === 'link' && entries.get(entry.target)?.type !== 'file') {
        throw new ArchiveError(
          'UNSAFE_LINK',
          `archive hard link "${name}" -> "${entry.target}" refused: no such file before it`,
        );
      }
    }
    const sink = await options.onEntry?.({ name, type, size });
    if (type === 'file')
      await readContent(entry, stream, sink, options, () => limits.maxDocumentsBytes - keptBytes);
    else {
      for await (const _ of stream as AsyncIterable<Buffer>) {
        // directories and links carry no data
      }
      sink?.end();
    }
    keptBytes += entry.bytes?.length ?? 0;
    const previous = entries.get(name);
    if (previous) {
      const same =
        previous.type === entry.type &&
        previous.digest === entry.digest &&
        previous.size === entry.size &&
        previous.target === entry.target;
      if (!same)
        throw new ArchiveError('DUPLICATE_ENTRY', `archive holds "${name}" twice with different content`);
      return;
    }
    entries.set(name, entry);
  };

  extractor.on('entry', (header, stream, next) => {
    handle(header, stream as unknown as NodeJS.ReadableStream).then(
      () => next(),
      (error: unknown) => {
        stream.resume();
        next(error as Error);
      },
    );
  });
  try {
    await pipe([...stages, extractor as unknown as NodeJS.WritableStream], options.signal);
  } catch (error) {
    throw describeTarError(error);
  }
  return entries;
}

/** Hashes a file entry; keeps it when it is a small JSON document; decompresses it to hash when asked. */
async function readContent(
  entry: WalkedEntry,
  stream: NodeJS.ReadableStream,
  sink: NodeJS.WritableStream | undefined,
  options: WalkOptions,
  keepBudget: () => number,
): Promise<void> {
  const hash = createHash('sha256');
  let kept: Buffer[] | undefined =
    entry.size <= options.limits.maxDocumentSize && entry.size <= keepBudget() ? [] : undefined;
  let inner: Inspection | undefined;
  // The first bytes tell JSON from compressed data; gather at least four before judging.
  let head: Buffer[] | undefined = [];
  let headLength = 0;
  const consume = async (chunk: Buffer) => {
    hash.update(chunk);
    kept?.push(chunk);
    if (inner && inner.error === undefined && !inner.input.write(chunk)) {
      const input = inner.input;
      await Promise.race([new Promise((resolve) => input.once('drain', resolve)), inner.settled]);
    }
    if (sink && !sink.write(chunk)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
  };
  const judge = async () => {
    const first = Buffer.concat(head ?? []);
    head = undefined;
    if (first[0] !== 0x7b && first[0] !== 0x5b) kept = undefined; // documents start with '{' or '['
    const compression = gzipMagic(first) ? 'gzip' : isZstdFrame(first) ? 'zstd' : undefined;
    if (compression) {
      entry.compression = compression;
      if (options.inspectCompressed(entry.name))
        inner = await startInspection(entry, compression, options.signal);
    }
    if (first.length > 0) await consume(first);
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (head) {
      head.push(chunk);
      headLength += chunk.length;
      if (headLength >= 4) await judge();
      continue;
    }
    await consume(chunk);
  }
  if (head) await judge();
  entry.digest = `sha256:${hash.digest('hex')}`;
  if (kept) entry.bytes = Buffer.concat(kept);
  if (inner) {
    inner.input.end();
    await inner.settled;
    // A compressed entry that does not decode only matters if it is a layer: remember, decide later.
    if (inner.error !== undefined) entry.inspectionError = inner.error;
    else entry.uncompressedSize = inner.verifier.bytes;
  }
  if (sink) {
    sink.end();
    await finished(sink);
  }
}

interface Inspection {
  input: PassThrough;
  /** Resolves when decompression ended, well or not (then `error` is set). */
  settled: Promise<void>;
  error?: unknown;
  verifier: Verifier;
}

async function startInspection(
  entry: WalkedEntry,
  compression: 'gzip' | 'zstd',
  signal: AbortSignal | undefined,
): Promise<Inspection> {
  const input = new PassThrough({ highWaterMark: 1 << 20 });
  const decompressor = await createLayerDecompressor(compression, signal);
  const verifier = new Verifier({
    what: `archive entry ${entry.name}`,
    onVerified: (content) => {
      entry.uncompressedDigest = content.digest;
    },
  });
  const done = pipe(
    [
      input,
      decompressor as NodeJS.ReadWriteStream,
      verifier,
      async (source) => {
        for await (const _ of source) {
          // only the hash matters
        }
      },
    ],
    signal,
  );
  const inspection: Inspection = { input, verifier, settled: Promise.resolve() };
  inspection.settled = done.then(
    () => {},
    (error: unknown) => {
      inspection.error = error ?? new Error('decompression failed');
      input.resume();
    },
  );
  return inspection;
}

function entryType(header: Header, name: string): WalkedEntry['type'] {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
    case 'symlink':
    case 'link':
      return header.type;
    default:
      throw new ArchiveError(
        'UNSUPPORTED_ENTRY_TYPE',
        `archive entry "${name}" is a ${header.type}; image archives hold only files, directories and links`,
      );
  }
}

function limit(why: string): ArchiveError {
  return new ArchiveError('LIMIT_EXCEEDED', `archive refused: ${why}`);
}

function describeTarError(error: unknown): unknown {
  if (error instanceof ArchiveError) return error;
  const message = (error as Error)?.message ?? String(error);
  if (/Unexpected end of data/i.test(message))
    return new ArchiveError('TRUNCATED', 'archive ends in the middle of the tar (truncated)', {
      cause: error,
    });
  if (/Invalid tar header|checksum/i.test(message))
    return new ArchiveError('INVALID_ARCHIVE', `not a valid tar: ${message}`, { cause: error });
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR')
    return new ArchiveError('TRUNCATED', 'gzip archive ends early (truncated)', { cause: error });
  if (code === 'Z_DATA_ERROR')
    return new ArchiveError('CORRUPT_DATA', `corrupt gzip archive: ${message}`, { cause: error });
  return error;
}
