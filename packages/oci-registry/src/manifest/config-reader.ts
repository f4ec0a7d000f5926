import type { Descriptor, ImageConfig } from '@isar/oci-spec';
import { type BlobLocation, openVerifiedBlob } from '../blob/blob-reader.js';
import type { Limiter } from '../blob/limiter.js';
import { RegistryError } from '../errors/registry-error.js';

/** Image configs larger than this are refused (containers/image uses the same limit). */
export const CONFIG_SIZE_LIMIT = 4 * 1024 * 1024;

/** Reads an image config blob (verified like any blob) and parses it; its exact bytes are kept. */
export async function readConfig(
  locations: readonly BlobLocation[],
  descriptor: Descriptor,
  limiter: Limiter,
  signal?: AbortSignal,
): Promise<{ bytes: Buffer; config: ImageConfig }> {
  if (descriptor.size > CONFIG_SIZE_LIMIT) {
    throw new RegistryError(
      'TOO_LARGE',
      `config ${descriptor.digest} is ${descriptor.size} bytes, more than ${CONFIG_SIZE_LIMIT}`,
    );
  }
  const stream = await openVerifiedBlob(locations, descriptor, { signal }, limiter);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  try {
    return { bytes, config: JSON.parse(bytes.toString('utf8')) as ImageConfig };
  } catch (error) {
    throw new RegistryError('PROTOCOL', `config ${descriptor.digest} is not valid JSON`, { cause: error });
  }
}
