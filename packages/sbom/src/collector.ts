import { type ArchiveSbom, assembleSbom } from './assemble.js';
import type { ImageDescription } from './image-description.js';
import type { LayerDelta } from './layer-delta.js';
import { defaultSbomLimits, type SbomLimits } from './limits.js';
import { layerTarSink } from './tar-sink.js';
import { timestampFromEnvironment } from './timestamp.js';

/** Options of {@link createSbomCollector}. */
export interface SbomCollectorOptions {
  limits?: Partial<SbomLimits>;
}

/**
 * Builds an SBOM as a by-product of writing a docker-archive: `tap` is the writer's `layerTap` (see
 * `@isar/archive`), each layer is scanned as its bytes go into the archive, and `finish` assembles the SBOM
 * once the write is done. No second read of anything.
 */
export interface SbomCollector {
  /** Hands out a sink for one layer's uncompressed tar; a layer tapped again (a restarted write) replaces the old. */
  tap(layer: { diffId: string }): NodeJS.WritableStream;
  /**
   * The SBOM of `image` (its layers in manifest order, matched by diff_id). `timestamp`: by default from
   * `SOURCE_DATE_EPOCH`, `null` never.
   */
  finish(
    image: ImageDescription,
    options?: { timestamp?: Date | null; signal?: AbortSignal },
  ): Promise<ArchiveSbom>;
}

/** A new {@link SbomCollector}: hand its `tap` to `writeDockerArchive`'s `layerTap`, then call `finish`. */
export function createSbomCollector(options: SbomCollectorOptions = {}): SbomCollector {
  const limits: SbomLimits = { ...defaultSbomLimits, ...options.limits };
  const scans = new Map<string, Promise<LayerDelta | undefined>>();
  return {
    tap(layer) {
      const { sink, result } = layerTarSink(layer.diffId, limits);
      scans.set(layer.diffId, result);
      return sink;
    },
    async finish(image, finishOptions = {}) {
      finishOptions.signal?.throwIfAborted();
      // Every tapped layer settles when its write ends or is torn down; an abort need not wait for that.
      const aborted = new Promise<never>((_, reject) => {
        finishOptions.signal?.addEventListener('abort', () => reject(finishOptions.signal?.reason), {
          once: true,
        });
      });
      aborted.catch(() => {});
      const deltas = await Promise.race([
        Promise.all(image.layers.map((layer) => scans.get(layer.diffId))),
        aborted,
      ]);
      const timestamp =
        finishOptions.timestamp === undefined ? timestampFromEnvironment() : finishOptions.timestamp;
      return assembleSbom(image, deltas, timestamp ?? undefined);
    },
  };
}
