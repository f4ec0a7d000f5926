import type { Descriptor } from '@isar/oci-spec';
import { abortReason, linkedController, throwIfAborted } from '../http/abort.js';
import { readBodyLimited } from '../http/body.js';
import { header } from '../http/types.js';
import type { BlobLocation } from './blob-reader.js';

/**
 * The last `length` bytes of a blob, through a `Range` request, before (or while) the whole blob downloads: a
 * gzip layer's trailer tells its uncompressed size. Unverified, so only good as a prediction. Resolves to
 * `undefined` when no location answers the range with exactly those bytes (a server that ignores `Range`
 * answers 200 with the whole blob, which is not read); only an abort rejects.
 */
export async function readBlobTail(
  locations: readonly BlobLocation[],
  descriptor: Descriptor,
  length: number,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  const start = descriptor.size - length;
  if (!Number.isInteger(length) || length <= 0 || start < 0) return undefined;
  throwIfAborted(signal);
  const { controller, dispose } = linkedController(signal);
  try {
    for (const location of locations) {
      try {
        const response = await location.get(start, controller.signal);
        const range = header(response.headers, 'content-range') ?? '';
        if (response.status !== 206 || !range.startsWith(`bytes ${start}-`)) {
          response.body.destroy();
          continue;
        }
        const bytes = await readBodyLimited(response, length, `tail of blob ${descriptor.digest}`);
        if (bytes.length === length) return bytes;
      } catch {
        if (signal?.aborted) throw abortReason(signal);
      }
    }
    return undefined;
  } finally {
    dispose();
  }
}
