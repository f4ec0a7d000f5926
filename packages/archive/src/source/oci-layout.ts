import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import {
  type Descriptor,
  formatPlatform,
  type Image,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Index,
  isIndexMediaType,
  isManifestMediaType,
  type OpenOptions,
  type Platform,
  parsePlatform,
} from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { isRecord, parseJsonBytes } from '../internal/json.js';
import { BlobStore } from './blob-store.js';

/** An image read from an OCI layout; its layers are files in the layout, which writers can stream directly. */
export interface LayoutImage extends Image {
  /** os/architecture/variant from the index entry, else from the config. */
  readonly platform: Platform;
  /** Path of a layer blob inside the layout (readers still verify what they read). */
  layerFile(layer: Descriptor): string;
}

/** An image index read from an OCI layout, able to open the images it lists. */
export interface LayoutIndex extends Index {
  openImage(descriptor: Descriptor, options?: OpenOptions): Promise<LayoutImage>;
}

/** What one ref of an OCI image layout holds. */
export interface OciLayout {
  readonly dir: string;
  /** `org.opencontainers.image.ref.name` of the chosen entry of index.json, if any. */
  readonly refName: string | undefined;
  /** The descriptor index.json holds for that ref (an index or a manifest). */
  readonly descriptor: Descriptor;
  /** The image index, when the ref names a multi-platform image. */
  readonly index: LayoutIndex | undefined;
  /** One image per platform (index order), attestation manifests left out; one image for a single manifest. */
  readonly images: readonly LayoutImage[];
  /** The image for a platform (`linux/arm64`, or a Platform); without one, the only image. */
  image(platform?: Platform | string): LayoutImage;
}

/** Options of {@link openLayout}: which ref of index.json to open, and an abort signal. */
export interface OpenLayoutOptions {
  /** Which `org.opencontainers.image.ref.name` to open; optional when index.json holds one entry. */
  ref?: string;
  signal?: AbortSignal;
}

const refNameAnnotation = 'org.opencontainers.image.ref.name';

/**
 * Opens an OCI image layout directory (what `skopeo copy ... oci:<dir>:<ref>` writes). Manifests, indexes and
 * configs are read and verified at once; layers stay on disk and are verified while they are streamed.
 */
export async function openLayout(dir: string, options: OpenLayoutOptions = {}): Promise<OciLayout> {
  options.signal?.throwIfAborted();
  const blobs = new BlobStore(dir);
  const layoutIndexBytes = await readFile(join(dir, 'index.json')).catch((error: unknown) => {
    throw new ArchiveError('INVALID_LAYOUT', `${dir} is not an OCI image layout (no index.json)`, {
      cause: error,
    });
  });
  const layoutIndex = parseJsonBytes<ImageIndex>(layoutIndexBytes, `${dir}/index.json`, 'INVALID_LAYOUT');
  if (!isRecord(layoutIndex) || !Array.isArray(layoutIndex.manifests)) {
    throw new ArchiveError('INVALID_LAYOUT', `${dir}/index.json has no manifests list`);
  }
  const descriptor = chooseEntry(dir, layoutIndex.manifests, options.ref);
  const refName = descriptor.annotations?.[refNameAnnotation];

  const openImage = async (entry: Descriptor, openOptions?: OpenOptions): Promise<LayoutImage> => {
    openOptions?.signal?.throwIfAborted();
    return readImage(blobs, entry);
  };

  if (isIndexMediaType(descriptor.mediaType)) {
    const rawIndex = await blobs.readDocument(descriptor, 'image index');
    const parsed = parseJsonBytes<ImageIndex>(rawIndex, `image index ${descriptor.digest}`, 'INVALID_LAYOUT');
    if (!Array.isArray(parsed.manifests))
      throw new ArchiveError('INVALID_LAYOUT', `image index ${descriptor.digest} has no manifests`);
    const index: LayoutIndex = { descriptor, rawIndex, index: parsed, openImage };
    const platformEntries = parsed.manifests.filter(
      (entry) => isManifestMediaType(entry.mediaType) && !isAttestation(entry),
    );
    const images: LayoutImage[] = [];
    for (const entry of platformEntries) {
      options.signal?.throwIfAborted();
      images.push(await readImage(blobs, entry));
    }
    return layout(dir, refName, descriptor, index, images);
  }
  if (!isManifestMediaType(descriptor.mediaType)) {
    throw new ArchiveError(
      'UNSUPPORTED',
      `${dir}: ${descriptor.digest} has media type ${descriptor.mediaType}, not an image or index`,
    );
  }
  return layout(dir, refName, descriptor, undefined, [await readImage(blobs, descriptor)]);
}

function layout(
  dir: string,
  refName: string | undefined,
  descriptor: Descriptor,
  index: LayoutIndex | undefined,
  images: LayoutImage[],
): OciLayout {
  return {
    dir,
    refName,
    descriptor,
    index,
    images,
    image(platform?: Platform | string): LayoutImage {
      if (platform === undefined) {
        if (images.length === 1) return images[0] as LayoutImage;
        throw new ArchiveError(
          'INVALID_INPUT',
          `${dir} holds ${images.length} platforms (${images.map((i) => formatPlatform(i.platform)).join(', ')}); name one`,
        );
      }
      const wanted = typeof platform === 'string' ? parsePlatform(platform) : platform;
      const found = images.find((image) => samePlatform(image.platform, wanted));
      if (!found) {
        throw new ArchiveError(
          'INVALID_INPUT',
          `${dir} has no ${formatPlatform(wanted)} image (it has ${images.map((i) => formatPlatform(i.platform)).join(', ')})`,
        );
      }
      return found;
    },
  };
}

function chooseEntry(dir: string, entries: Descriptor[], ref: string | undefined): Descriptor {
  if (ref !== undefined) {
    const found = entries.find((entry) => entry.annotations?.[refNameAnnotation] === ref);
    if (!found) throw new ArchiveError('INVALID_LAYOUT', `${dir}/index.json has no ref "${ref}"`);
    return found;
  }
  if (entries.length === 1) return entries[0] as Descriptor;
  const names = entries.map((entry) => entry.annotations?.[refNameAnnotation] ?? entry.digest);
  throw new ArchiveError(
    'INVALID_LAYOUT',
    `${dir}/index.json holds ${entries.length} entries (${names.join(', ')}); name a ref`,
  );
}

async function readImage(blobs: BlobStore, descriptor: Descriptor): Promise<LayoutImage> {
  const rawManifest = await blobs.readDocument(descriptor, 'manifest');
  const manifest = parseJsonBytes<ImageManifest>(
    rawManifest,
    `manifest ${descriptor.digest}`,
    'INVALID_LAYOUT',
  );
  if (!isRecord(manifest) || !isRecord(manifest.config) || !Array.isArray(manifest.layers)) {
    throw new ArchiveError('INVALID_LAYOUT', `manifest ${descriptor.digest} lacks config or layers`);
  }
  const rawConfig = await blobs.readDocument(manifest.config, 'config');
  const config = parseJsonBytes<ImageConfig>(rawConfig, `config ${manifest.config.digest}`, 'INVALID_LAYOUT');
  const platform: Platform = descriptor.platform ?? {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
  return {
    descriptor,
    rawManifest,
    manifest,
    rawConfig,
    config,
    platform,
    layerFile: (layer: Descriptor) => blobs.path(layer),
    async openLayer(layer: Descriptor, options?: OpenOptions): Promise<Readable> {
      options?.signal?.throwIfAborted();
      const stream = blobs.openVerified(layer, 'layer');
      return options?.signal ? addAbortSignal(options.signal, stream) : stream;
    },
  };
}

function isAttestation(entry: Descriptor): boolean {
  return (
    entry.platform?.os === 'unknown' ||
    entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}

function samePlatform(have: Platform, want: Platform): boolean {
  const variant = (platform: Platform) =>
    platform.architecture === 'arm64' && platform.variant === 'v8' ? '' : (platform.variant ?? '');
  return have.os === want.os && have.architecture === want.architecture && variant(have) === variant(want);
}
