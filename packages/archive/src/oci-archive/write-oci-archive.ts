import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import {
  type Descriptor,
  type Digest,
  digestHex,
  type Image,
  type Index,
  isIndexMediaType,
  type OpenOptions,
} from '@isar/oci-spec';
import { dockerManifestJson, repositoriesJson } from '../docker-archive/docker-manifest.js';
import { ArchiveError } from '../errors.js';
import { isAbortError } from '../internal/abort.js';
import { checkDescriptor, checkImage } from '../internal/image-check.js';
import { linkedController } from '../internal/linked-signal.js';
import { sha256Digest, Verifier } from '../internal/verifier.js';
import { type ArrivingBlob, isArrivingBlob } from '../layer/arriving-blob.js';
import type { LayerFileProvider } from '../layer/uncompressed-layer.js';
import { type ArchiveCompression, createArchiveCompressor } from '../output/archive-compression.js';
import type { WriteProgress } from '../output/progress.js';
import { parseRepoTags } from '../repo-tag.js';
import { type ArchiveOutput, TarWriter } from '../tar/tar-writer.js';
import { ociIndexJson, ociLayoutJson } from './oci-index-json.js';

/** Opens the image a descriptor of an index names (e.g. a registry client or an OCI layout). */
export type ImageResolver = (descriptor: Descriptor, options: OpenOptions) => Promise<Image>;

/**
 * Options of {@link writeOciArchive}: the repo tags, the output, compression, and which platforms to keep.
 */
export interface OciArchiveOptions {
  /** `name:tag`s for index.json annotations, `manifest.json` and `repositories`. */
  repoTags: readonly string[];
  output: ArchiveOutput;
  signal?: AbortSignal;
  compression?: ArchiveCompression;
  /** The index the image was chosen from; required for `keepAllPlatforms`. */
  index?: Index;
  /** Keep the original index and every image it lists (index.json then points at the index). */
  keepAllPlatforms?: boolean;
  /** Opens the other images of the index (default: `index.openImage` when the index has one). */
  resolveImage?: ImageResolver;
  /** Where a layer blob already is on disk (read from there and hashed, instead of `openLayer`). */
  layerFile?: LayerFileProvider;
  onProgress?: (progress: WriteProgress) => void;
}

/** What {@link writeOciArchive} wrote: tags, the digests index.json and manifest.json point at, sizes. */
export interface OciArchiveResult {
  format: 'oci';
  repoTags: string[];
  /** What index.json points at: the image manifest, or the original index with `keepAllPlatforms`. */
  target: Descriptor;
  manifestDigest: Digest;
  configDigest: Digest;
  /** Every blob written, in order, with its size. */
  blobs: Array<{ digest: Digest; size: number; mediaType: string }>;
  tarBytes: number;
  outputBytes: number;
}

/**
 * Writes a digest-preserving archive (the format regctl and docker 25+ write): one tar that is both an OCI
 * image layout (`oci-layout`, `index.json`, `blobs/sha256/<hex>` byte-identical to the registry's) and a docker
 * archive (`manifest.json` pointing into `blobs/`, `repositories`). Blob sizes come from the descriptors, so
 * every blob streams straight through, even while it still arrives ({@link ArrivingBlob}); nothing is
 * decompressed and no temporary file is made.
 */
export async function writeOciArchive(image: Image, options: OciArchiveOptions): Promise<OciArchiveResult> {
  checkImage(image);
  const repoTags = parseRepoTags(options.repoTags);
  const { controller, dispose } = linkedController(options.signal);
  const signal = controller.signal;
  const { index } = options;
  if (index) checkIndex(index, image);
  if (options.keepAllPlatforms && !index) {
    throw new ArchiveError('INVALID_INPUT', 'keepAllPlatforms needs the index the image came from');
  }
  const keepAll = options.keepAllPlatforms === true && index !== undefined;
  const images = keepAll ? await indexImages(index, image, options.resolveImage, signal) : [image];
  const platform = index?.index.manifests.find((entry) => entry.digest === image.descriptor.digest)?.platform;
  const target: Descriptor = keepAll
    ? {
        mediaType: index.descriptor.mediaType ?? index.index.mediaType,
        digest: index.descriptor.digest,
        size: index.descriptor.size,
      }
    : {
        mediaType: image.descriptor.mediaType ?? image.manifest.mediaType,
        digest: image.descriptor.digest,
        size: image.descriptor.size,
        ...(platform ? { platform } : {}),
      };

  let tar: TarWriter | undefined;
  try {
    tar = new TarWriter({
      output: options.output,
      compressor: await createArchiveCompressor(options.compression, signal),
      signal,
    });
    const blobPath = (digest: Digest) => `blobs/sha256/${digestHex(digest)}`;
    await tar.addBytes('oci-layout', ociLayoutJson);
    await tar.addBytes('index.json', ociIndexJson(target, repoTags));
    const item = {
      Config: blobPath(image.manifest.config.digest),
      RepoTags: repoTags.map((tag) => tag.full),
      Layers: image.manifest.layers.map((layer) => blobPath(layer.digest)),
    };
    await tar.addBytes('manifest.json', dockerManifestJson([item]));
    const top = image.manifest.layers.at(-1);
    await tar.addBytes(
      'repositories',
      repositoriesJson(top ? repoTags.map((repoTag) => ({ repoTag, id: digestHex(top.digest) })) : []),
    );
    await tar.addDirectory('blobs');
    await tar.addDirectory('blobs/sha256');

    const written = new Map<Digest, { digest: Digest; size: number; mediaType: string }>();
    const addDocument = async (descriptor: Descriptor, bytes: Uint8Array) => {
      if (written.has(descriptor.digest)) return;
      await tar?.addBytes(blobPath(descriptor.digest), bytes);
      written.set(descriptor.digest, {
        digest: descriptor.digest,
        size: bytes.length,
        mediaType: descriptor.mediaType,
      });
    };
    if (keepAll) await addDocument(target, index.rawIndex);
    let layerIndex = 0;
    for (const each of images) {
      const layerFile =
        options.layerFile ?? (each as { layerFile?: LayerFileProvider }).layerFile?.bind(each);
      await addDocument(
        { ...each.descriptor, mediaType: each.descriptor.mediaType ?? each.manifest.mediaType ?? '' },
        each.rawManifest,
      );
      await addDocument(each.manifest.config, each.rawConfig);
      for (const layer of each.manifest.layers) {
        if (written.has(layer.digest)) continue;
        const index = layerIndex++;
        options.onProgress?.({ type: 'layer-start', index, digest: layer.digest, size: layer.size });
        const file = await layerFile?.(layer, { signal });
        const verifiedBySource = isArrivingBlob(file) && file.verifiesDigest === true;
        const verifier = new Verifier({
          what: `layer ${layer.digest}`,
          digest: layer.digest,
          size: layer.size,
          // Image.openLayer verifies the digest itself, and so does an arriving blob that says so (awaited
          // below); a file or any other arriving blob is hashed here.
          sizeOnly: file === undefined || verifiedBySource,
        });
        const source =
          file === undefined
            ? await each.openLayer(layer, { signal })
            : isArrivingBlob(file)
              ? file.open(signal)
              : createReadStream(file, { highWaterMark: 1 << 20 });
        await tar.addStream(blobPath(layer.digest), layer.size, [source, verifier], signal);
        if (verifiedBySource && isArrivingBlob(file)) await file.complete();
        written.set(layer.digest, { digest: layer.digest, size: layer.size, mediaType: layer.mediaType });
        options.onProgress?.({
          type: 'layer-done',
          index,
          digest: layer.digest,
          size: layer.size,
          tarBytes: tar.tarBytes,
        });
      }
    }
    const { tarBytes, outputBytes } = await tar.finish();
    return {
      format: 'oci',
      repoTags: repoTags.map((tag) => tag.full),
      target,
      manifestDigest: image.descriptor.digest,
      configDigest: image.manifest.config.digest,
      blobs: [...written.values()],
      tarBytes,
      outputBytes,
    };
  } catch (caught) {
    // When the output failed, whatever else failed with it (a blob stream torn down, an abort) is its echo.
    const error = tar?.failure !== undefined && isAbortError(caught) ? tar.failure : caught;
    controller.abort(error);
    await tar?.abort(error);
    // Never leave a partial archive behind at a path we were given.
    if (typeof options.output === 'string') await rm(options.output, { force: true });
    throw error;
  } finally {
    dispose();
  }
}

function checkIndex(index: Index, image: Image): void {
  const digest = sha256Digest(index.rawIndex);
  if (digest !== index.descriptor.digest) {
    throw new ArchiveError(
      'DIGEST_MISMATCH',
      `image index hashes to ${digest}, descriptor says ${index.descriptor.digest}`,
    );
  }
  if (!index.index.manifests.some((entry) => entry.digest === image.descriptor.digest)) {
    throw new ArchiveError(
      'INVALID_INPUT',
      `image ${image.descriptor.digest} is not listed in index ${index.descriptor.digest}`,
    );
  }
}

/** Every image of the index, in index order; the chosen one is reused, the others resolved. */
async function indexImages(
  index: Index,
  chosen: Image,
  resolve: ImageResolver | undefined,
  signal: AbortSignal,
): Promise<Image[]> {
  const resolver = resolve ?? (index as Partial<{ openImage: ImageResolver }>).openImage?.bind(index);
  const images: Image[] = [];
  for (const entry of index.index.manifests) {
    checkDescriptor(entry.digest, entry.size, 'index entry');
    if (entry.digest === chosen.descriptor.digest) {
      images.push(chosen);
      continue;
    }
    if (isIndexMediaType(entry.mediaType)) {
      throw new ArchiveError(
        'UNSUPPORTED',
        `index ${index.descriptor.digest} nests another index (${entry.digest})`,
      );
    }
    if (!resolver) {
      throw new ArchiveError(
        'INVALID_INPUT',
        'keepAllPlatforms needs resolveImage (or an index with openImage)',
      );
    }
    const image = await resolver(entry, { signal });
    // Other entries may be artifacts (attestations, signatures) without diff_ids: check digests only.
    checkImage(image, { diffIds: false });
    if (image.descriptor.digest !== entry.digest) {
      throw new ArchiveError(
        'DIGEST_MISMATCH',
        `resolved image ${image.descriptor.digest} for index entry ${entry.digest}`,
      );
    }
    images.push(image);
  }
  return images;
}
