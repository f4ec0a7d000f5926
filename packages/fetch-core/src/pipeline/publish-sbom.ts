import { writeFile } from 'node:fs/promises';
import type { RegistryImage } from '@isar/oci-registry';
import type { ImageDescription, SbomCollector } from '@isar/sbom';
import { publishAtomically } from '../store/atomic-file.js';
import { formatDockerUrl } from '../url/format-docker-url.js';
import type { ArchiveTarget } from './download-and-write.js';

/** Where the SBOM of an archive goes: beside it, `<archive>.cdx.json`. */
export function sbomPathOf(archivePath: string): string {
  return `${archivePath}.cdx.json`;
}

/**
 * Publishes the SBOM the collector gathered while the docker-archive was written (no second read), or, without
 * a collector (the oci format keeps layers compressed), reads the written archive once more for it. Either way
 * with what only the fetcher knows: the registry's manifest and index digests, the URL. An SBOM that cannot
 * be made never fails the fetch (the archive is what was asked for): the reason is returned instead.
 */
export async function publishSbom(
  plan: ArchiveTarget,
  image: RegistryImage,
  indexDigest: string,
  collector: SbomCollector | undefined,
  signal?: AbortSignal,
): Promise<{ path?: string; error?: unknown }> {
  try {
    const { parseRepoTag } = await import('@isar/archive');
    const repoTag = parseRepoTag(`${plan.url.containerName}:${plan.url.tag}`);
    const diffIds = image.config.rootfs.diff_ids;
    const manifestDigest = image.descriptor.digest;
    const description: ImageDescription = {
      repository: repoTag.name,
      tag: repoTag.tag,
      repoTags: [repoTag.full],
      manifestDigest,
      configDigest: image.manifest.config.digest,
      // A single-platform image's "index" digest is its manifest's: not an index.
      ...(indexDigest !== manifestDigest ? { indexDigest } : {}),
      platform: {
        os: image.platform.os,
        architecture: image.platform.architecture,
        ...(image.platform.variant ? { variant: image.platform.variant } : {}),
      },
      sourceUrl: formatDockerUrl(plan.url),
      layers: image.manifest.layers.map((layer, index) => ({
        digest: layer.digest,
        diffId: diffIds[index] ?? '',
      })),
    };
    const sbom = collector
      ? await collector.finish(description, signal ? { signal } : {})
      : await readSbom(plan.path, description, signal);
    const path = sbomPathOf(plan.path);
    await publishAtomically(path, (temp) => writeFile(temp, sbom.json, signal ? { signal } : {}));
    return { path };
  } catch (error) {
    signal?.throwIfAborted();
    return { error };
  }
}

/** The SBOM of an archive already written, read again (oci: its layers are inflated for the scan). */
async function readSbom(archive: string, description: ImageDescription, signal?: AbortSignal) {
  const { describeArchive } = await import('@isar/sbom');
  return describeArchive(archive, {
    ...(signal ? { signal } : {}),
    source: {
      ...(description.sourceUrl ? { url: description.sourceUrl } : {}),
      ...(description.manifestDigest ? { manifestDigest: description.manifestDigest } : {}),
      ...(description.indexDigest ? { indexDigest: description.indexDigest } : {}),
    },
  });
}
