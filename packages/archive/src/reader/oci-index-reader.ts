import {
  type Descriptor,
  type Digest,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  isIndexMediaType,
  isManifestMediaType,
} from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { isRecord } from '../internal/json.js';
import { containerdNameAnnotation } from '../oci-archive/oci-index-json.js';
import type { ArchiveContents, ArchiveImage } from './archive-contents.js';
import type { EntryTable } from './entry-table.js';
import { configDiffIds, configPlatform, repoTagOf, verifyLayer } from './image-checks.js';

/** The images an archive's index.json leads to (nested indexes followed), every blob checked. */
export function readOciImages(
  archive: EntryTable,
  deep: boolean,
): { images: ArchiveImage[]; top: NonNullable<ArchiveContents['ociIndex']> } {
  const layoutIndex = archive.json<ImageIndex>('index.json', 'index.json');
  if (!isRecord(layoutIndex) || !Array.isArray(layoutIndex.manifests)) {
    throw new ArchiveError('INVALID_ARCHIVE', 'index.json has no manifests list');
  }
  const images: ArchiveImage[] = [];
  /** The bytes of every image index met, by digest (index.json's own entries are handed back). */
  const indexBytes = new Map<string, Buffer>();
  const visit = (descriptor: Descriptor, repoTags: string[], depth: number): void => {
    const what = isIndexMediaType(descriptor.mediaType) ? 'image index' : 'manifest';
    if (isIndexMediaType(descriptor.mediaType)) {
      if (depth > 2) throw new ArchiveError('UNSUPPORTED', `image index ${descriptor.digest} nests too deep`);
      const { bytes, value } = archive.blobJson<ImageIndex>(descriptor, what);
      indexBytes.set(descriptor.digest, bytes);
      if (!Array.isArray(value.manifests))
        throw new ArchiveError('INVALID_ARCHIVE', `image index ${descriptor.digest} has no manifests`);
      for (const child of value.manifests) visit(child, repoTags, depth + 1);
      return;
    }
    if (!isManifestMediaType(descriptor.mediaType)) {
      archive.blob(descriptor, 'blob');
      return;
    }
    const { bytes, value: manifest } = archive.blobJson<ImageManifest>(descriptor, what);
    if (!isRecord(manifest.config) || !Array.isArray(manifest.layers)) {
      throw new ArchiveError('INVALID_ARCHIVE', `manifest ${descriptor.digest} lacks config or layers`);
    }
    const config = archive.blobJson<ImageConfig>(manifest.config, 'config');
    const layerEntries = manifest.layers.map((layer) => archive.blob(layer, 'layer'));
    const isAttestation = descriptor.platform?.os === 'unknown' || config.value?.os === 'unknown';
    if (isAttestation) return;
    const where = `manifest ${descriptor.digest}`;
    const diffIds = configDiffIds(config.value, where, manifest.layers.length);
    images.push({
      repoTags,
      platform: descriptor.platform ?? configPlatform(config.value),
      configDigest: manifest.config.digest,
      configEntry: `blobs/sha256/${manifest.config.digest.slice(7)}`,
      rawConfig: config.bytes,
      config: config.value,
      manifestDigest: descriptor.digest,
      manifestMediaType: descriptor.mediaType,
      rawManifest: bytes,
      layers: layerEntries.map((entry, index) => ({
        entry: entry.name,
        diffId: diffIds[index] as Digest,
        digest: entry.digest as Digest,
        size: entry.size,
        mediaType: manifest.layers[index]?.mediaType,
        verifiedBy: verifyLayer(entry, diffIds[index] as Digest, deep, where),
      })),
      inDockerManifest: false,
    });
  };
  const top: NonNullable<ArchiveContents['ociIndex']> = [];
  for (const descriptor of layoutIndex.manifests) {
    const name = descriptor?.annotations?.[containerdNameAnnotation];
    const repoTags = name ? [repoTagOf(name)] : [];
    visit(descriptor, repoTags, 0);
    const rawIndex = indexBytes.get(descriptor.digest);
    top.push({
      digest: descriptor.digest,
      mediaType: descriptor.mediaType,
      size: descriptor.size,
      ...(descriptor.annotations ? { annotations: descriptor.annotations } : {}),
      ...(rawIndex ? { rawIndex } : {}),
    });
  }
  // The same image under several tags appears once, with all its tags.
  const merged = new Map<string, ArchiveImage>();
  for (const image of images) {
    const key = image.manifestDigest as string;
    const known = merged.get(key);
    if (known) known.repoTags = [...new Set([...known.repoTags, ...image.repoTags])];
    else merged.set(key, image);
  }
  return { images: [...merged.values()], top };
}
