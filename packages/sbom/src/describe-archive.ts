import { type ArchiveContents, type ArchiveImage, type ReadLimits, readArchive } from '@isar/archive';
import { type ArchiveSbom, assembleSbom } from './assemble.js';
import { SbomError } from './errors.js';
import type { ImageDescription } from './image-description.js';
import type { LayerDelta } from './layer-delta.js';
import { layerSink } from './layer-sink.js';
import { defaultSbomLimits, type SbomLimits } from './limits.js';
import { timestampFromEnvironment } from './timestamp.js';

/** Options of {@link describeArchive}: which image, what the archive does not record, limits, abort signal. */
export interface DescribeArchiveOptions {
  signal?: AbortSignal;
  limits?: Partial<SbomLimits>;
  /** Limits of the archive reader (see `@isar/archive`). */
  readLimits?: Partial<ReadLimits>;
  /**
   * Which image of the archive (`linux/arm64`, or a repo tag); by default the one `docker load` takes (first
   * in manifest.json), else the first.
   */
  image?: string;
  /** What the archive does not record: where the image came from, its manifest and index digests. */
  source?: { url?: string; manifestDigest?: string; indexDigest?: string };
  /** metadata.timestamp: by default from `SOURCE_DATE_EPOCH`, omitted without it; `null` never. */
  timestamp?: Date | null;
}

/** Entries that can hold a layer: docker-archive `<hex>.tar` (or `<id>/layer.tar`) and OCI blobs. */
function mayBeLayer(name: string): boolean {
  return name.endsWith('.tar') || name.startsWith('blobs/');
}

/**
 * Describes an image archive (docker-archive or oci, plain, .zst or .gz) as CycloneDX 1.6 JSON, in one read:
 * the archive reader proves every digest while each layer is scanned for the package databases of the final
 * filesystem. Never holds a layer in memory; what is kept is bounded by `limits`.
 */
export async function describeArchive(
  input: string | NodeJS.ReadableStream,
  options: DescribeArchiveOptions = {},
): Promise<ArchiveSbom> {
  const limits: SbomLimits = { ...defaultSbomLimits, ...options.limits };
  const scans = new Map<string, Promise<LayerDelta | undefined>>();
  const contents = await readArchive(input, {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.readLimits ? { limits: options.readLimits } : {}),
    onEntry: (entry) => {
      if (entry.type !== 'file' || !mayBeLayer(entry.name) || scans.has(entry.name)) return undefined;
      const { sink, result } = layerSink(entry.name, limits, options.signal);
      scans.set(entry.name, result);
      return sink;
    },
  });
  const chosen = chooseImage(contents, options.image);
  const deltas = await Promise.all(chosen.layers.map((layer) => scans.get(layer.entry)));
  const image = describeImage(contents, chosen, options.source);
  const timestamp = options.timestamp === undefined ? timestampFromEnvironment() : options.timestamp;
  return assembleSbom(image, deltas, timestamp ?? undefined);
}

function chooseImage(contents: ArchiveContents, wanted: string | undefined): ArchiveImage {
  const images = contents.images;
  const platformText = (image: ArchiveImage) =>
    [image.platform.os, image.platform.architecture, image.platform.variant].filter(Boolean).join('/');
  const chosen =
    wanted === undefined
      ? (images.find((image) => image.inDockerManifest) ?? images[0])
      : images.find(
          (image) =>
            platformText(image) === wanted ||
            image.repoTags.some((tag) => tag === wanted || tag.endsWith(`/${wanted}`)),
        );
  if (!chosen) {
    throw wanted === undefined
      ? new SbomError('NO_IMAGE', 'the archive holds no image')
      : new SbomError(
          'INVALID_INPUT',
          `no image "${wanted}" in the archive (has: ${images.map(platformText).join(', ')})`,
        );
  }
  return chosen;
}

function describeImage(
  contents: ArchiveContents,
  image: ArchiveImage,
  source: DescribeArchiveOptions['source'],
): ImageDescription {
  const first = image.repoTags[0];
  const colon = first ? first.lastIndexOf(':') : -1;
  const indexDigest = source?.indexDigest ?? contents.ociIndex?.find((entry) => entry.rawIndex)?.digest;
  const manifestDigest = source?.manifestDigest ?? image.manifestDigest;
  return {
    ...(first && colon > 0 ? { repository: first.slice(0, colon), tag: first.slice(colon + 1) } : {}),
    repoTags: [...image.repoTags],
    ...(manifestDigest ? { manifestDigest } : {}),
    configDigest: image.configDigest,
    ...(indexDigest ? { indexDigest } : {}),
    platform: {
      os: image.platform.os,
      architecture: image.platform.architecture,
      ...(image.platform.variant ? { variant: image.platform.variant } : {}),
    },
    ...(source?.url ? { sourceUrl: source.url } : {}),
    layers: image.layers.map((layer) => ({
      digest: layer.digest,
      diffId: layer.diffId,
      ...(layer.mediaType ? { mediaType: layer.mediaType } : {}),
    })),
  };
}
