import type { ArrivingBlob, LayerFile } from '@isar/archive';
import type { DownloadResult, RegistryClient, RepositoryName } from '@isar/oci-registry';
import type { Descriptor, Digest } from '@isar/oci-spec';
import type { BlobCache } from '../store/blob-cache.js';
import { readGrowingFile } from '../store/growing-file.js';
import type { FetchProgress } from './fetch-progress.js';

export interface LayerDownloadTotals {
  /** Bytes that came over the network in this run. */
  bytesDownloaded: number;
  /** Bytes that were already on disk: cached blobs and resumed partial files. */
  bytesFromCache: number;
}

/** One layer's download: its promise, whether the blob was already cached, and how it stands. */
interface LayerState {
  readonly fill: Promise<string>;
  /** The cached file when the blob was complete in the cache before this run started it. */
  readonly cached: Promise<string | undefined>;
  done: boolean;
  failure?: unknown;
}

/**
 * The layers of one image, fetched into the blob cache in manifest order, `concurrency` at a time (the
 * registry client's limiter is a second bound). The archive writer takes the layers in that same order through
 * {@link layerFile}: a cached blob as its file, any other as an {@link ArrivingBlob} it reads while the download
 * still writes it, so writing overlaps with downloading from the first byte on. Starting every layer at once
 * would make them share the bandwidth and finish together, late. The first failure aborts the other downloads.
 */
export class LayerDownloads {
  readonly #states = new Map<Digest, LayerState>();
  readonly #controller = new AbortController();
  readonly #totals: LayerDownloadTotals = { bytesDownloaded: 0, bytesFromCache: 0 };
  #failure: unknown;
  #detach: () => void = () => {};

  constructor(
    private readonly client: RegistryClient,
    private readonly repository: RepositoryName,
    private readonly cache: BlobCache,
    private readonly options: {
      signal?: AbortSignal;
      onProgress?: (event: FetchProgress) => void;
      /**
       * Blobs transferring at once (default 1). One at a time gives the layer the writer is on the whole line:
       * at internet speed two at a time let the writer fall behind (the second layer arrived while the first
       * was still written), a tail of 2.6-3.2 s after the last byte on the bench against 0.13 s; on a local
       * registry it makes no difference (bench/LIMITS.md).
       */
      concurrency?: number;
    },
  ) {
    const { signal } = options;
    if (signal) {
      const abort = () => this.#controller.abort(signal.reason);
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
      this.#detach = () => signal.removeEventListener('abort', abort);
    }
  }

  /** Queues every layer not queued yet (each unique digest once), in the order given. */
  start(layers: readonly Descriptor[]): void {
    for (const layer of layers) {
      if (this.#states.has(layer.digest)) continue;
      const cached = this.cache.lookup(layer).catch(() => undefined);
      const fill = this.#slot().then((release) => this.#fill(layer).finally(release));
      const state: LayerState = { fill, cached, done: false };
      fill.then(
        () => {
          state.done = true;
        },
        (error: unknown) => {
          state.failure = error;
          // Only a failure that came first is a cause. Once the downloads are aborted (a sibling failed, the
          // writer failed and cancelled us, the caller aborted), every other download fails with that abort:
          // recording it would report the abort instead of what caused it.
          if (this.#controller.signal.aborted) return;
          this.#failure = error;
          this.#controller.abort(error);
        },
      );
      this.#states.set(layer.digest, state);
    }
  }

  /**
   * The `layerFile` option of the archive writers: a started layer's cached file, or the blob as it arrives in
   * the cache.
   */
  layerFile = async (layer: Descriptor): Promise<LayerFile | undefined> => {
    const state = this.#states.get(layer.digest);
    if (!state) return undefined;
    const cached = await state.cached;
    if (cached !== undefined) return cached;
    return this.#arriving(layer, state);
  };

  #arriving(layer: Descriptor, state: LayerState): ArrivingBlob {
    const finalPath = this.cache.pathOf(layer.digest);
    return {
      kind: 'arriving',
      // downloadBlobToFile hashes what it writes and fails the fill on a mismatch.
      verifiesDigest: true,
      open: (signal) =>
        readGrowingFile(
          {
            partialPath: this.cache.partialPathOf(layer.digest),
            finalPath,
            size: layer.size,
            state: () => ({ done: state.done, failure: state.failure }),
          },
          signal,
        ),
      readTail: (length, signal) =>
        this.client.readBlobTail(this.repository, layer, length, {
          signal: AbortSignal.any([signal, this.#controller.signal]),
        }),
      complete: () => state.fill,
    };
  }

  /**
   * The download failure that came first, before anything was aborted, if any: the real cause when the archive
   * writer fails with an abort. Never an abort caused by {@link cancel} or by the caller's signal.
   */
  get failure(): unknown {
    return this.#failure;
  }

  /** Waits for every download; rejects with the first failure. */
  async settle(): Promise<LayerDownloadTotals> {
    try {
      await Promise.all([...this.#states.values()].map((state) => state.fill));
      return { ...this.#totals };
    } finally {
      this.#detach();
    }
  }

  /** Stops whatever still runs (the writer failed) and waits until nothing writes into the cache any more. */
  async cancel(reason: unknown): Promise<void> {
    this.#controller.abort(reason);
    await Promise.allSettled([...this.#states.values()].map((state) => state.fill));
    this.#detach();
  }

  readonly #waiting: Array<() => void> = [];
  #active = 0;

  /** A first-come-first-served slot among `concurrency`; resolves to its release. */
  #slot(): Promise<() => void> {
    const limit = Math.max(1, this.options.concurrency ?? 1);
    return new Promise((resolve) => {
      const grant = () => {
        this.#active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#active--;
          this.#waiting.shift()?.();
        });
      };
      if (this.#active < limit) grant();
      else this.#waiting.push(grant);
    });
  }

  async #fill(layer: Descriptor): Promise<string> {
    const { onProgress } = this.options;
    const signal = this.#controller.signal;
    const filled = await this.cache.fill(
      layer,
      (path, fillSignal): Promise<DownloadResult> =>
        this.client.downloadBlobToFile(this.repository, layer, path, {
          signal: fillSignal,
          onProgress: onProgress
            ? (bytes, size) => onProgress({ type: 'layer-progress', digest: layer.digest, bytes, size })
            : undefined,
        }),
      {
        signal,
        onWait: (wait) =>
          onProgress?.({ type: 'waiting', what: 'blob', target: this.cache.pathOf(layer.digest), ...wait }),
      },
    );
    const result = filled.download;
    if (result === undefined) {
      this.#totals.bytesFromCache += layer.size;
      onProgress?.({ type: 'layer-cached', digest: layer.digest, size: layer.size });
    } else {
      this.#totals.bytesDownloaded += result.bytesDownloaded;
      this.#totals.bytesFromCache += result.resumedFrom;
      onProgress?.({
        type: 'layer-downloaded',
        digest: layer.digest,
        size: layer.size,
        bytesDownloaded: result.bytesDownloaded,
        resumedFrom: result.resumedFrom,
      });
    }
    return filled.path;
  }
}
