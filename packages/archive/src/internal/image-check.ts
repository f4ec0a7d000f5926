import { type Digest, type Image, parseDigest } from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { sha256Digest } from './verifier.js';

/**
 * Checks that an `Image` is internally consistent before anything is written: the raw manifest and config
 * hash to their descriptors, and the config lists one diff_id per layer. Returns the diff_ids.
 */
export function checkImage(image: Image, options: { diffIds?: boolean } = {}): Digest[] {
  const manifestDigest = sha256Digest(image.rawManifest);
  if (image.descriptor.digest.startsWith('sha256:') && manifestDigest !== image.descriptor.digest) {
    throw new ArchiveError(
      'DIGEST_MISMATCH',
      `image manifest hashes to ${manifestDigest}, descriptor says ${image.descriptor.digest}`,
    );
  }
  const configDigest = sha256Digest(image.rawConfig);
  if (configDigest !== image.manifest.config.digest) {
    throw new ArchiveError(
      'DIGEST_MISMATCH',
      `image config hashes to ${configDigest}, manifest says ${image.manifest.config.digest}`,
    );
  }
  for (const layer of image.manifest.layers) checkDescriptor(layer.digest, layer.size, 'layer');
  if (options.diffIds === false) return [];
  const diffIds = image.config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== image.manifest.layers.length) {
    throw new ArchiveError(
      'INVALID_INPUT',
      `image config lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} diff_ids for ${image.manifest.layers.length} layers`,
    );
  }
  return diffIds.map((diffId) => {
    try {
      return parseDigest(diffId);
    } catch (error) {
      throw new ArchiveError('INVALID_INPUT', `image config has a bad diff_id "${diffId}"`, { cause: error });
    }
  });
}

/** Blob names inside archives are `sha256/<hex>`: anything else is refused before it can name a path. */
export function checkDescriptor(digest: string, size: number, what: string): void {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new ArchiveError('UNSUPPORTED', `${what} digest "${digest}" is not a sha256 digest`);
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ArchiveError('INVALID_INPUT', `${what} ${digest} has a bad size ${size}`);
  }
}
