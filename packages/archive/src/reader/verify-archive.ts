import { type Digest, formatPlatform } from '@isar/oci-spec';
import type { ArchiveContents } from './archive-contents.js';
import { type ReadArchiveOptions, readArchive } from './read-archive.js';

/** What {@link verifyArchive} reports about each image. */
export interface VerifiedImage {
  repoTags: string[];
  /** `linux/arm/v7` style. */
  platform: string;
  configDigest: Digest;
  /** Registry manifest digest, for the oci format. */
  manifestDigest?: Digest;
  layers: number;
  /** Bytes of its layers as stored in the archive. */
  layerBytes: number;
  /** Layers proven by diff_id (decompressed hash) and by blob digest only. */
  verifiedByDiffId: number;
  verifiedByBlobDigest: number;
  /** Listed in manifest.json, so `docker load` / `podman load` import it. */
  loadable: boolean;
}

/** What {@link verifyArchive} proved: the archive's format and compression, its images, and its size. */
export interface VerifyReport {
  format: ArchiveContents['format'];
  compression: ArchiveContents['compression'];
  images: VerifiedImage[];
  /** Digests index.json points at (the registry index digest when all platforms were kept). */
  indexDigests: Digest[];
  entries: number;
  tarBytes: number;
  archiveBytes: number;
}

/**
 * Checks an archive end to end (every blob digest, every docker-archive layer's diff_id; with `deep`, the
 * diff_ids of compressed OCI layers too) and reports what it holds. Throws an ArchiveError on any problem.
 */
export async function verifyArchive(
  input: string | NodeJS.ReadableStream,
  options: ReadArchiveOptions = {},
): Promise<VerifyReport> {
  const contents = await readArchive(input, options);
  return {
    format: contents.format,
    compression: contents.compression,
    images: contents.images.map((image) => ({
      repoTags: image.repoTags,
      platform: formatPlatform(image.platform),
      configDigest: image.configDigest,
      ...(image.manifestDigest ? { manifestDigest: image.manifestDigest } : {}),
      layers: image.layers.length,
      layerBytes: image.layers.reduce((sum, layer) => sum + layer.size, 0),
      verifiedByDiffId: image.layers.filter((layer) => layer.verifiedBy === 'diff_id').length,
      verifiedByBlobDigest: image.layers.filter((layer) => layer.verifiedBy === 'blob').length,
      loadable: image.inDockerManifest,
    })),
    indexDigests: (contents.ociIndex ?? []).map((entry) => entry.digest),
    entries: contents.entries,
    tarBytes: contents.tarBytes,
    archiveBytes: contents.archiveBytes,
  };
}
