import type { RegistryClient, RegistryImage, RepositoryName } from '@isar/oci-registry';
import type { Descriptor } from '@isar/oci-spec';
import type { SbomCollector } from '@isar/sbom';
import { publishAtomically } from '../store/atomic-file.js';
import type { BlobCache } from '../store/blob-cache.js';
import type { DockerUrl } from '../url/docker-url.js';
import type { ArchiveFormat, FetchOptions } from './fetch-options.js';
import { LayerDownloads, type LayerDownloadTotals } from './layer-downloads.js';
import { removeRecord } from './published-record.js';
import { writeArchive, type zstdSettings } from './write-archive.js';

/** Where an archive goes and what it is made of. */
export interface ArchiveTarget {
  url: DockerUrl;
  path: string;
  format: ArchiveFormat;
}

/** Damaged bytes, as the archive writer reports them while it re-verifies every blob and layer. */
export function isDamagedContent(error: unknown): boolean {
  const code = (error as { code?: unknown; name?: unknown } | undefined)?.code;
  return (
    (error as { name?: unknown } | undefined)?.name === 'ArchiveError' &&
    typeof code === 'string' &&
    ['DIGEST_MISMATCH', 'SIZE_MISMATCH', 'DIFF_ID_MISMATCH', 'CORRUPT_DATA', 'TRUNCATED'].includes(code)
  );
}

/**
 * Layers into the blob cache (or straight from the registry without one) and the archive into a temp file that
 * is then renamed over the archive path.
 */
export async function downloadAndWrite(
  plan: ArchiveTarget,
  client: RegistryClient,
  image: RegistryImage,
  repository: RepositoryName,
  layers: readonly Descriptor[],
  cache: BlobCache | undefined,
  zstd: ReturnType<typeof zstdSettings>,
  options: FetchOptions,
  collector?: SbomCollector,
): Promise<LayerDownloadTotals> {
  const { signal, onProgress } = options;
  const downloads = cache
    ? new LayerDownloads(client, repository, cache, {
        ...(signal ? { signal } : {}),
        ...(options.downloadConcurrency ? { concurrency: options.downloadConcurrency } : {}),
        ...(onProgress ? { onProgress } : {}),
      })
    : undefined;
  downloads?.start(layers);
  try {
    let totals: LayerDownloadTotals | undefined;
    await publishAtomically(
      plan.path,
      async (temp) => {
        // No moment may pair the old record with the new archive.
        await removeRecord(plan.path);
        const tarBytes = await writeArchive(image, {
          format: plan.format,
          output: temp,
          repoTag: `${plan.url.containerName}:${plan.url.tag}`,
          zstd,
          ...(downloads ? { layerFile: downloads.layerFile } : {}),
          ...(collector ? { layerTap: (layer) => collector.tap(layer) } : {}),
          ...(signal ? { signal } : {}),
          onProgress: (event) => {
            onProgress?.({
              type: 'write-layer',
              digest: event.digest,
              index: event.index,
              done: event.type === 'layer-done',
            });
          },
        });
        // The writer may finish reading a blob before its download has verified and stored it: the archive is
        // published only once every blob is safely in the cache.
        totals = await downloads?.settle();
        return tarBytes;
      },
      { syncWhileWriting: true },
    );
    return totals ?? { bytesDownloaded: layers.reduce((sum, l) => sum + l.size, 0), bytesFromCache: 0 };
  } catch (error) {
    // A failed download aborts the writer: report the download's error, not the abort it caused.
    await downloads?.cancel(error);
    throw downloads?.failure ?? error;
  }
}
