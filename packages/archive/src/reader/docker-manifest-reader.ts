import { posix } from 'node:path';
import type { Digest, ImageConfig } from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { isRecord } from '../internal/json.js';
import type { ArchiveImage, ArchiveLayer } from './archive-contents.js';
import type { EntryTable } from './entry-table.js';
import { configDiffIds, configPlatform, normalizeReference, repoTagOf, verifyLayer } from './image-checks.js';

interface DockerManifestItem {
  Config?: unknown;
  RepoTags?: unknown;
  Layers?: unknown;
}

/** The images manifest.json lists, merged with the OCI images they are (same config and layers). */
export function readDockerImages(archive: EntryTable, ociImages: ArchiveImage[]): ArchiveImage[] {
  const items = archive.json<DockerManifestItem[]>('manifest.json', 'manifest.json');
  if (!Array.isArray(items) || items.length === 0)
    throw new ArchiveError('INVALID_ARCHIVE', 'manifest.json lists no image');
  return items.map((item, position) => {
    const where = `manifest.json item ${position}`;
    if (
      !isRecord(item) ||
      typeof item.Config !== 'string' ||
      !Array.isArray(item.Layers) ||
      !item.Layers.every((l) => typeof l === 'string')
    ) {
      throw new ArchiveError('INVALID_ARCHIVE', `${where} lacks Config or Layers`);
    }
    const repoTags = item.RepoTags === null || item.RepoTags === undefined ? [] : item.RepoTags;
    if (!Array.isArray(repoTags) || !repoTags.every((t) => typeof t === 'string')) {
      throw new ArchiveError('INVALID_ARCHIVE', `${where} has bad RepoTags`);
    }
    const configEntry = archive.file(normalizeReference(item.Config, where), `${where} Config`);
    const named = /^([0-9a-f]{64})\.json$/.exec(posix.basename(configEntry.name));
    if (named && configEntry.digest !== `sha256:${named[1]}`) {
      throw new ArchiveError(
        'DIGEST_MISMATCH',
        `${where}: config "${configEntry.name}" hashes to ${configEntry.digest}`,
      );
    }
    const config = archive.json<ImageConfig>(configEntry.name, `${where} Config`);
    const diffIds = configDiffIds(config, where, item.Layers.length);
    const layers: ArchiveLayer[] = (item.Layers as string[]).map((name, index) => {
      const entry = archive.file(normalizeReference(name, where), `${where} layer`);
      const diffId = diffIds[index] as Digest;
      return {
        entry: entry.name,
        diffId,
        digest: entry.digest as Digest,
        size: entry.size,
        verifiedBy: verifyLayer(entry, diffId, false, where),
      };
    });
    const oci = ociImages.find(
      (image) =>
        image.configEntry === configEntry.name &&
        image.layers.map((l) => l.entry).join() === layers.map((l) => l.entry).join(),
    );
    if (oci) {
      oci.inDockerManifest = true;
      oci.repoTags = [...new Set([...repoTags.map(repoTagOf), ...oci.repoTags])];
      return oci;
    }
    return {
      repoTags: repoTags.map(repoTagOf),
      platform: configPlatform(config),
      configDigest: configEntry.digest as Digest,
      configEntry: configEntry.name,
      rawConfig: configEntry.bytes as Buffer,
      config,
      layers,
      inDockerManifest: true,
    };
  });
}
