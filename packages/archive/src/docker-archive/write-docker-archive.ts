import { rm } from 'node:fs/promises';
import { type Digest, digestHex, type Image } from '@isar/oci-spec';
import { isAbortError } from '../internal/abort.js';
import { checkImage } from '../internal/image-check.js';
import { linkedController } from '../internal/linked-signal.js';
import { describeDecompressionError } from '../layer/decompress.js';
import { LayerQueue, type QueuedLayer } from '../layer/layer-queue.js';
import { type LayerTap, tapStage } from '../layer/layer-tap.js';
import { type LayerFileProvider, SizePredictionError } from '../layer/uncompressed-layer.js';
import { type ArchiveCompression, createArchiveCompressor } from '../output/archive-compression.js';
import type { WriteProgress } from '../output/progress.js';
import { parseRepoTags } from '../repo-tag.js';
import { type ArchiveOutput, TarWriter } from '../tar/tar-writer.js';
import { dockerManifestJson, repositoriesJson } from './docker-manifest.js';
import { legacyLayers } from './legacy-layers.js';

/**
 * Options of {@link writeDockerArchive}: the repo tags, the output, compression and how layers are sourced.
 */
export interface DockerArchiveOptions {
  /** `name:tag`s for `manifest.json` and `repositories` (normalised: `debian:bookworm` -> `docker.io/library/debian:bookworm`). */
  repoTags: readonly string[];
  /** A file path (created or truncated) or a writable stream (ended at the end). */
  output: ArchiveOutput;
  signal?: AbortSignal;
  /** `'none'` (default) or `{ zstd: { level, threads } }` for a `.tar.zst`. */
  compression?: ArchiveCompression;
  /** Where a layer's compressed blob already is on disk; enables streaming it without a temporary copy. */
  layerFile?: LayerFileProvider;
  /**
   * Trust gzip ISIZE / zstd frame sizes of layer files to stream them straight into the tar (default: on for a
   * path output, which can be rewritten if a prediction fails; off for a stream output).
   */
  predictLayerSizes?: boolean;
  /** Where layers without a usable size are decompressed to first (default: the OS temp directory). */
  tempDir?: string;
  /** How many layers are prepared (decompressed) ahead of the one being written, including it (default 2). */
  concurrency?: number;
  onProgress?: (progress: WriteProgress) => void;
  /**
   * A sink for each layer's uncompressed tar as it is written (e.g. an SBOM scanner: no second read). It must
   * keep consuming; its back-pressure slows the write. Called again for a layer if the writer starts over.
   */
  layerTap?: LayerTap;
}

/** One layer as {@link writeDockerArchive} wrote it. */
export interface WrittenLayer {
  /** Digest of the compressed blob the layer came from. */
  digest: Digest;
  diffId: Digest;
  /** Uncompressed size: the size of its tar entry. */
  size: number;
  /** Came straight from a file, its size read ahead from the gzip/zstd data; false: spooled to a temp file. */
  streamed: boolean;
}

/** What {@link writeDockerArchive} wrote: tags, config digest, layers and sizes. */
export interface DockerArchiveResult {
  format: 'docker-archive';
  repoTags: string[];
  configDigest: Digest;
  layers: WrittenLayer[];
  tarBytes: number;
  outputBytes: number;
  /** Times the writer started over because a read-ahead size was wrong (0 normally). */
  restarts: number;
}

/**
 * Writes one image as a docker-archive, the format `skopeo copy ... docker-archive:` writes and `docker load` /
 * `podman load` read: `<configHex>.json`, uncompressed `<diffIdHex>.tar` layers, legacy `<id>/{layer.tar,VERSION,
 * json}` folders, `manifest.json` and `repositories`. Entries have fixed owners, modes and mtime 0, in a fixed
 * order, so the same image gives the same bytes on any machine. Every layer is decompressed on the way in and
 * checked against the config's diff_ids.
 */
export async function writeDockerArchive(
  image: Image,
  options: DockerArchiveOptions,
): Promise<DockerArchiveResult> {
  const diffIds = checkImage(image);
  const repoTags = parseRepoTags(options.repoTags);
  const rewritable = typeof options.output === 'string';
  const distrusted = new Set<Digest>();
  for (let restarts = 0; ; restarts++) {
    try {
      const result = await writeOnce(image, diffIds, options, distrusted);
      return { ...result, repoTags: repoTags.map((tag) => tag.full), restarts };
    } catch (error) {
      if (error instanceof SizePredictionError && rewritable && !distrusted.has(error.layerDigest)) {
        distrusted.add(error.layerDigest);
        continue;
      }
      // Never leave a partial archive behind at a path we were given.
      if (typeof options.output === 'string') await rm(options.output, { force: true });
      throw error;
    }
  }
}

async function writeOnce(
  image: Image,
  diffIds: Digest[],
  options: DockerArchiveOptions,
  distrusted: ReadonlySet<Digest>,
): Promise<Omit<DockerArchiveResult, 'repoTags' | 'restarts'>> {
  const repoTags = parseRepoTags(options.repoTags);
  const { controller, dispose } = linkedController(options.signal);
  const signal = controller.signal;
  // A layer repeated in one image (same diff_id) is stored once, as skopeo does.
  const unique: QueuedLayer[] = [];
  const seen = new Set<Digest>();
  image.manifest.layers.forEach((layer, index) => {
    const diffId = diffIds[index] as Digest;
    if (seen.has(diffId)) return;
    seen.add(diffId);
    unique.push({ layer, diffId });
  });
  const queue = new LayerQueue(
    unique,
    {
      image,
      layerFile: options.layerFile ?? (image as { layerFile?: LayerFileProvider }).layerFile?.bind(image),
      predictSizes: options.predictLayerSizes ?? typeof options.output === 'string',
      distrusted,
      signal,
    },
    { window: options.concurrency ?? 2, tempDir: options.tempDir },
  );
  let tar: TarWriter | undefined;
  try {
    tar = new TarWriter({
      output: options.output,
      compressor: await createArchiveCompressor(options.compression, signal),
      signal,
    });
    const written: WrittenLayer[] = [];
    for (const [index, item] of unique.entries()) {
      const prepared = await queue.take(index);
      options.onProgress?.({ type: 'layer-start', index, digest: item.layer.digest, size: prepared.size });
      try {
        const sink = options.layerTap?.({
          index: image.manifest.layers.indexOf(item.layer),
          digest: item.layer.digest,
          diffId: item.diffId,
        });
        const stages = sink ? [...prepared.open(), tapStage(sink)] : prepared.open();
        await tar.addStream(`${digestHex(item.diffId)}.tar`, prepared.size, stages, signal);
      } catch (error) {
        throw describeDecompressionError(error, `layer ${item.layer.digest}`);
      }
      await prepared.dispose();
      written.push({
        digest: item.layer.digest,
        diffId: item.diffId,
        size: prepared.size,
        streamed: prepared.predicted,
      });
      options.onProgress?.({
        type: 'layer-done',
        index,
        digest: item.layer.digest,
        size: prepared.size,
        tarBytes: tar.tarBytes,
      });
    }
    const configHex = digestHex(image.manifest.config.digest);
    await tar.addBytes(`${configHex}.json`, image.rawConfig);
    const legacy = legacyLayers(diffIds, image.rawConfig);
    for (const layer of legacy) {
      await tar.addSymlink(`${layer.id}/layer.tar`, `../${digestHex(layer.diffId)}.tar`);
      await tar.addBytes(`${layer.id}/VERSION`, Buffer.from('1.0'));
      await tar.addBytes(`${layer.id}/json`, layer.json);
    }
    const item = {
      Config: `${configHex}.json`,
      RepoTags: repoTags.map((tag) => tag.full),
      Layers: diffIds.map((diffId) => `${digestHex(diffId)}.tar`),
    };
    await tar.addBytes('manifest.json', dockerManifestJson([item]));
    const top = legacy.at(-1);
    await tar.addBytes(
      'repositories',
      repositoriesJson(top ? repoTags.map((repoTag) => ({ repoTag, id: top.id })) : []),
    );
    const { tarBytes, outputBytes } = await tar.finish();
    return {
      format: 'docker-archive',
      configDigest: image.manifest.config.digest,
      layers: written,
      tarBytes,
      outputBytes,
    };
  } catch (caught) {
    // When the output failed, whatever else failed with it (a layer stream torn down, an abort) is its echo.
    const error = tar?.failure !== undefined && isAbortError(caught) ? tar.failure : caught;
    controller.abort(error);
    await tar?.abort(error);
    throw error;
  } finally {
    await queue.close();
    dispose();
  }
}
