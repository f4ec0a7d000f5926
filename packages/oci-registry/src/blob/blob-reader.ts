import type { Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Descriptor } from '@isar/oci-spec';
import { RegistryError } from '../errors/registry-error.js';
import { abortReason, linkedController } from '../http/abort.js';
import { abandonBody } from '../http/body.js';
import type { HttpResponse } from '../http/types.js';
import { DigestVerifier } from './digest-verifier.js';
import type { Limiter } from './limiter.js';
import { acceptRangeResponse } from './range.js';

/** One place a blob can be fetched from (a registry source, or a foreign-layer URL without credentials). */
export interface BlobLocation {
  /** Shown in errors and progress (`127.0.0.1:5000/library/debian`, a foreign URL). */
  readonly describe: string;
  /** GETs the blob from byte `start` on (`Range: bytes=start-` when `start > 0`). */
  get(start: number, signal: AbortSignal): Promise<HttpResponse>;
}

/**
 * Options of a verified blob stream: abort signal, resuming at an offset with the prefix's hash, progress.
 */
export interface BlobReadOptions {
  signal?: AbortSignal;
  /**
   * Start at this byte (a caller resuming a partial file from an earlier run). Needs `hash`: a hash of the same
   * algorithm that has consumed exactly the first `offset` bytes, so the whole blob is still verified.
   */
  offset?: number;
  hash?: Hash;
  /** Called with (bytes so far including `offset`, total size) as data arrives. */
  onProgress?: (bytes: number, total: number) => void;
  /** Called when a mid-body failure is resumed from `position` (diagnostics, tests). */
  onResume?: (position: number, reason: unknown) => void;
}

/** Resumes allowed without progress in between, and in all. */
const MAX_RESUMES_WITHOUT_PROGRESS = 5;
const MAX_RESUMES_TOTAL = 100;
/** Default of {@link openVerifiedBlob}'s `stallMs`: two idle timeouts of 60 s. */
export const DEFAULT_STALL_MS = 120_000;

/**
 * Bytes a blob stream reads ahead of its consumer. With the default 16 KiB, less than one network chunk, every
 * chunk waited for the consumer before the next was taken from the connection (bench/LIMITS.md).
 */
const readAheadBytes = 1 << 20;

/**
 * Opens a blob as a verified stream. The promise settles once the first location answered (so "not found" or
 * "denied" reject here, not in the stream). The stream is hashed and size-capped as it flows; a mid-body failure
 * is resumed with `Range` at the same location; the stream errors at its end on a digest mismatch instead of
 * ending. A slot of `limiter` is held from the first request until the stream ends or is destroyed: consume or
 * destroy every stream you open. A transfer that brings no new byte for `stallMs` (across resumes: a resume
 * that stalls too counts against it) fails with `NETWORK`; each attempt's own idleness is cut by the
 * transport's body timeout, so the total is at most `stallMs` plus one idle timeout.
 */
export async function openVerifiedBlob(
  locations: readonly BlobLocation[],
  descriptor: Descriptor,
  options: BlobReadOptions,
  limiter: Limiter,
  stallMs: number = DEFAULT_STALL_MS,
): Promise<Readable> {
  const offset = options.offset ?? 0;
  if (offset < 0 || offset > descriptor.size || !Number.isInteger(offset)) {
    throw new RangeError(`offset ${offset} is outside blob ${descriptor.digest} of ${descriptor.size} bytes`);
  }
  if (offset > 0 && !options.hash) {
    throw new TypeError('openBlob: an offset needs the hash of the bytes before it (options.hash)');
  }
  if (locations.length === 0) throw new TypeError('openBlob: no location to fetch from');
  const link = linkedController(options.signal);
  const signal = link.controller.signal;
  let release: (() => void) | undefined;
  let first: { location: BlobLocation; response: HttpResponse; skip: number } | undefined;
  try {
    release = await limiter.acquire(signal);
    let lastError: unknown;
    for (const location of locations) {
      try {
        const response = await location.get(offset, signal);
        const skip = await acceptRangeResponse(response, offset, descriptor);
        first = { location, response, skip };
        break;
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        lastError = error;
      }
    }
    if (!first) throw lastError;
  } catch (error) {
    release?.();
    link.dispose();
    throw error;
  }
  const verifier = new DigestVerifier(
    descriptor,
    offset > 0 ? { hash: options.hash as Hash, length: offset } : undefined,
  );
  const readable = Readable.from(
    chunks(first.location, first.response, first.skip, verifier, descriptor, options, signal, stallMs),
    { objectMode: false, highWaterMark: readAheadBytes },
  );
  const finish = () => {
    // Stops a transfer still in flight (consumer destroyed us) and frees the slot.
    link.controller.abort(new DOMException('blob stream closed', 'AbortError'));
    link.dispose();
    release?.();
  };
  readable.once('close', finish);
  return readable;
}

async function* chunks(
  location: BlobLocation,
  firstResponse: HttpResponse,
  firstSkip: number,
  verifier: DigestVerifier,
  descriptor: Descriptor,
  options: BlobReadOptions,
  signal: AbortSignal,
  stallMs: number,
): AsyncGenerator<Buffer> {
  let response = firstResponse;
  let skip = firstSkip;
  let resumesWithoutProgress = 0;
  let resumesTotal = 0;
  let lastResumeAt = -1;
  let lastProgress = Date.now();
  const stalled = (position: number, cause: unknown) =>
    new RegistryError(
      'NETWORK',
      `blob ${descriptor.digest} from ${location.describe}: no progress for ${((Date.now() - lastProgress) / 1000).toFixed(1)} s at byte ${position} (${resumesTotal} resumes)`,
      { cause },
    );
  for (;;) {
    let failure: unknown;
    try {
      for await (const chunk of response.body) {
        let buf = chunk as Buffer;
        if (skip > 0) {
          if (buf.length <= skip) {
            skip -= buf.length;
            continue;
          }
          buf = buf.subarray(skip);
          skip = 0;
        }
        verifier.update(buf);
        if (buf.length > 0) lastProgress = Date.now();
        options.onProgress?.(verifier.received, descriptor.size);
        yield buf;
      }
      if (verifier.received === descriptor.size) break;
      failure = new RegistryError(
        'SIZE_MISMATCH',
        `blob ${descriptor.digest}: body ended after ${verifier.received} of ${descriptor.size} bytes`,
      );
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      if (error instanceof RegistryError && !error.retryable) throw error;
      failure = error;
    } finally {
      abandonBody(response);
    }
    const position = verifier.received;
    resumesWithoutProgress = position > lastResumeAt ? 1 : resumesWithoutProgress + 1;
    lastResumeAt = position;
    if (++resumesTotal > MAX_RESUMES_TOTAL || resumesWithoutProgress > MAX_RESUMES_WITHOUT_PROGRESS) {
      throw new RegistryError(
        'NETWORK',
        `blob ${descriptor.digest} from ${location.describe}: gave up after ${resumesTotal - 1} resumes at byte ${position}`,
        { cause: failure },
      );
    }
    const left = stallMs - (Date.now() - lastProgress);
    if (left <= 0) throw stalled(position, failure);
    options.onResume?.(position, failure);
    // The resume request (its retries and its wait for headers) gets only what is left of the stall budget.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(stalled(position, failure)), left);
    try {
      response = await location.get(position, AbortSignal.any([signal, deadline.signal]));
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      if (deadline.signal.aborted) throw deadline.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
    skip = await acceptRangeResponse(response, position, descriptor);
  }
  verifier.finish();
}
