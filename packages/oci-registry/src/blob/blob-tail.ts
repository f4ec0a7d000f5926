import type { Descriptor } from '@isar/oci-spec';
import { abortReason, linkedController, throwIfAborted } from '../http/abort.js';
import { abandonBody, readBodyLimited } from '../http/body.js';
import type { BlobLocation } from './blob-reader.js';
import { acceptRangeResponse } from './range.js';

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
        if (response.status !== 206) {
          // A 404, a 200 with the whole blob (Range ignored), a 5xx: no prediction, and nothing to read.
          abandonBody(response);
          continue;
        }
        // The same Content-Range check as a resumed download: starts at `start`, total is the blob's size.
        await acceptRangeResponse(response, start, descriptor);
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
