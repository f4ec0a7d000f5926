import { availableParallelism } from 'node:os';
import type { ArchiveCompression, LayerFileProvider, LayerTap, WriteProgress } from '@isar/archive';
import type { RegistryImage } from '@isar/oci-registry';
import { FetchCoreError } from '../errors.js';
import type { ArchiveFormat, ZstdSettings } from './fetch-options.js';

/** Isar's `ZSTD_DEFAULTS`: `--threads=<ncpu, at least 2> -3` (capped at 8 workers: more do not pay here). */
export function defaultZstdSettings(): Required<ZstdSettings> {
  return { level: 3, threads: Math.min(8, Math.max(2, availableParallelism())) };
}

/** Checks and completes zstd settings; out-of-range values are an `INVALID_OPTION` error. */
export function zstdSettings(settings: ZstdSettings = {}): Required<ZstdSettings> {
  const defaults = defaultZstdSettings();
  const level = settings.level ?? defaults.level;
  const threads = settings.threads ?? defaults.threads;
  if (!Number.isInteger(level) || level < 1 || level > 22) {
    throw new FetchCoreError('INVALID_OPTION', `zstd level must be an integer from 1 to 22, got ${level}`);
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > 200) {
    throw new FetchCoreError(
      'INVALID_OPTION',
      `zstd threads must be an integer from 1 to 200, got ${threads}`,
    );
  }
  return { level, threads };
}

export interface WriteArchiveOptions {
  format: ArchiveFormat;
  /** The temp file the archive is written to (published by the caller). */
  output: string;
  /** `name:tag` as Isar names the image (`debian:bookworm`), normalised by the writer. */
  repoTag: string;
  zstd: Required<ZstdSettings>;
  /** Cached blob files; without it layers stream from the registry. */
  layerFile?: LayerFileProvider;
  signal?: AbortSignal;
  onProgress?: (event: WriteProgress) => void;
  /** Sees each layer's uncompressed tar as a docker-archive is written (the SBOM scanner). */
  layerTap?: LayerTap;
}

/** Writes the image as a zstd-compressed archive of the chosen format; resolves to the tar's size. */
export async function writeArchive(image: RegistryImage, options: WriteArchiveOptions): Promise<number> {
  // Loaded on first use: a cache hit (most fetches in a warm DL_DIR) never needs the writers.
  const { writeDockerArchive, writeOciArchive } = await import('@isar/archive');
  const compression: ArchiveCompression = {
    zstd: { level: options.zstd.level, threads: options.zstd.threads },
  };
  const common = {
    repoTags: [options.repoTag],
    output: options.output,
    compression,
    ...(options.layerFile ? { layerFile: options.layerFile } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  if (options.format === 'oci') {
    const result = await writeOciArchive(image, {
      ...common,
      ...(image.index ? { index: image.index } : {}),
    });
    return result.tarBytes;
  }
  const result = await writeDockerArchive(image, {
    ...common,
    ...(options.layerTap ? { layerTap: options.layerTap } : {}),
  });
  return result.tarBytes;
}
