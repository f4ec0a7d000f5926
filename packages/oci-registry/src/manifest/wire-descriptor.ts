import { type Descriptor, parseDigest } from '@isar/oci-spec';
import { RegistryError } from '../errors/registry-error.js';

/** What {@link checkWireDescriptor} shows of a hostile value in a message: JSON (escaped, one line), short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

/**
 * Checks a descriptor as it came from the wire (a manifest's config and layers, an index's manifests) before
 * anything uses it: the digest must match the strict digest grammar (it becomes a URL path, a file name and the
 * value content is verified against), the size must be a whole number of bytes a file can have, the media type
 * a string. Anything else is a `PROTOCOL` error naming `what` ("config of manifest ...", "layer 2 of ...").
 */
export function checkWireDescriptor(value: unknown, what: string): Descriptor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryError('PROTOCOL', `${what} is not a descriptor object`, { retryable: false });
  }
  const descriptor = value as Record<string, unknown>;
  const digest = descriptor.digest;
  try {
    if (typeof digest !== 'string') throw new TypeError('not a string');
    parseDigest(digest);
  } catch (error) {
    throw new RegistryError('PROTOCOL', `${what} has an invalid digest ${shown(digest)}`, {
      cause: error,
      retryable: false,
    });
  }
  const size = descriptor.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new RegistryError('PROTOCOL', `${what} ${digest} has an invalid size ${shown(size)}`, {
      retryable: false,
    });
  }
  if (typeof descriptor.mediaType !== 'string') {
    throw new RegistryError('PROTOCOL', `${what} ${digest} has no media type`, { retryable: false });
  }
  return value as Descriptor;
}
