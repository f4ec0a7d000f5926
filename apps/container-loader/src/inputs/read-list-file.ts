import { open } from 'node:fs/promises';
import { LoaderError } from '../errors.js';

/**
 * Largest image list read: 1 MiB is some ten thousand images. The list may be any file (a FIFO, a device,
 * `/dev/zero`): it is read in pieces and refused once it grows past this, never held whole first.
 */
export const MAX_LIST_BYTES = 1 << 20;

/** The text of an image list, read up to {@link MAX_LIST_BYTES}; a USAGE error when it cannot be read. */
export async function readListFile(path: string, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    for (;;) {
      signal?.throwIfAborted();
      const chunk = Buffer.allocUnsafe(64 * 1024);
      // No position: a FIFO or a device has none; a regular file is read from its start all the same.
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > MAX_LIST_BYTES) {
        throw new LoaderError(
          'USAGE',
          `image list ${path} is larger than ${MAX_LIST_BYTES} bytes (1 MiB): not an image list`,
        );
      }
      chunks.push(chunk.subarray(0, bytesRead));
    }
  } catch (error) {
    if (error instanceof LoaderError || signal?.aborted) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new LoaderError('USAGE', `cannot read image list ${path} (${reason})`, { cause: error });
  } finally {
    await handle?.close();
  }
  return Buffer.concat(chunks, total).toString('utf8');
}
