import { Readable } from 'node:stream';
import type { Descriptor, Digest, Image } from '@isar/oci-spec';
import { Limiter } from '../blob/limiter.js';
import type { RegistryApi } from '../client/registry-api.js';
import { linkedController } from '../http/abort.js';
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
  // The first failing upload stops its siblings, and the push settles only when none is still running: a
  // rejected push must not leave requests in flight against the registry.
  const { controller, dispose } = linkedController(opts.signal);
  const signal = controller.signal;
  const jobs: Array<{ descriptor: Descriptor; content: BlobContent }> = [
    { descriptor: image.manifest.config, content: () => Readable.from([Buffer.from(image.rawConfig)]) },
    ...image.manifest.layers.map((layer) => ({
      descriptor: layer,
      content: () => image.openLayer(layer, { signal }),
    })),
  ];
  const seen = new Set<string>();
  const unique = jobs.filter((j) => !seen.has(j.descriptor.digest) && seen.add(j.descriptor.digest));
  let firstError: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    unique.map(async ({ descriptor, content }) => {
      try {
        const release = await limit.acquire(signal);
        try {
          const outcome = await uploadBlob(api, target, descriptor, content, {
            signal,
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
      } catch (error) {
        firstError ??= { error };
        controller.abort(error);
        throw error;
      }
    }),
  );
  dispose();
  if (firstError) throw firstError.error;
  return settled.map(
    (result) => (result as PromiseFulfilledResult<{ digest: Digest; outcome: UploadOutcome }>).value,
  );
}
