import { Readable } from 'node:stream';
import type { Descriptor, Digest, Image } from '@isar/oci-spec';
import { Limiter } from '../blob/limiter.js';
import type { RegistryApi } from '../client/registry-api.js';
import type { PullSource, RepositoryName } from '../mirror/pull-sources.js';
import { type BlobContent, type UploadOutcome, uploadBlob } from './blob-upload.js';

export interface ImagePushOptions {
  signal?: AbortSignal;
  /** Mount blobs from this repository of the same registry instead of uploading them, when it has them. */
  mountFrom?: RepositoryName;
  /** Upload in PATCH chunks of this size (default: one PUT per blob). */
  chunkSize?: number;
  /** Parallel blob uploads. */
  concurrency?: number;
  onProgress?: (event: { digest: Digest; bytes: number; total: number }) => void;
}

/**
 * Puts the config and layers of one image into `target`, `concurrency` at a time: the config from the bytes the
 * image holds, layers streamed from wherever the image reads them. Blobs shared by several entries go once.
 */
export async function pushImageBlobs(
  api: RegistryApi,
  target: PullSource,
  image: Image,
  opts: ImagePushOptions,
): Promise<Array<{ digest: Digest; outcome: UploadOutcome }>> {
  const limit = new Limiter(opts.concurrency ?? 4);
  const jobs: Array<{ descriptor: Descriptor; content: BlobContent }> = [
    { descriptor: image.manifest.config, content: () => Readable.from([Buffer.from(image.rawConfig)]) },
    ...image.manifest.layers.map((layer) => ({
      descriptor: layer,
      content: () => image.openLayer(layer, { signal: opts.signal }),
    })),
  ];
  const seen = new Set<string>();
  const unique = jobs.filter((j) => !seen.has(j.descriptor.digest) && seen.add(j.descriptor.digest));
  return Promise.all(
    unique.map(async ({ descriptor, content }) => {
      const release = await limit.acquire(opts.signal);
      try {
        const outcome = await uploadBlob(api, target, descriptor, content, {
          signal: opts.signal,
          mountFrom: opts.mountFrom,
          chunkSize: opts.chunkSize,
          onProgress: opts.onProgress
            ? (bytes, total) => opts.onProgress?.({ digest: descriptor.digest, bytes, total })
            : undefined,
        });
        return { digest: descriptor.digest, outcome };
      } finally {
        release();
      }
    }),
  );
}
