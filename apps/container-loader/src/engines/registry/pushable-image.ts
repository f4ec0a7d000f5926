import { createReadStream } from 'node:fs';
import type { ArchiveImage } from '@isar/archive';
import { digestOf } from '@isar/oci-registry';
import { type Descriptor, type Image, type ImageManifest, MediaType } from '@isar/oci-spec';
import { LoaderError } from '../../errors.js';
import type { BlobStaging, StagedBlob } from './blob-staging.js';

/** An image ready for `RegistryClient.pushImage`, and whether its manifest is the archive's own. */
export interface PushableImage {
  image: Image;
  /** The manifest was rebuilt from a docker-archive (layers compressed here): its digest is new. */
  rebuilt: boolean;
}

/**
 * Turns an archive image into the `Image` the registry client pushes. An `oci` archive keeps its manifest
 * bytes and blobs exactly, so the registry serves the digest the archive was made from. A docker-archive
 * has no registry manifest: one is written (Docker schema 2, gzip layers; OCI if a layer is zstd) over the
 * staged, compressed layers.
 */
export function pushableImage(image: ArchiveImage, staging: BlobStaging): PushableImage {
  const layerFiles = new Map<string, StagedBlob>();
  const stagedOf = (entry: string): StagedBlob => {
    const staged = staging.get(entry);
    if (!staged) throw new LoaderError('PUSH_FAILED', `layer ${entry} of the archive was not staged`);
    return staged;
  };
  const openLayer = async (layer: Descriptor) => {
    const staged = layerFiles.get(layer.digest);
    if (!staged) throw new LoaderError('PUSH_FAILED', `no staged blob for layer ${layer.digest}`);
    return createReadStream(staged.path);
  };

  if (image.rawManifest && image.manifestDigest && image.manifestMediaType) {
    const manifest = JSON.parse(image.rawManifest.toString('utf8')) as ImageManifest;
    for (const layer of image.layers) layerFiles.set(layer.digest, stagedOf(layer.entry));
    return {
      rebuilt: false,
      image: {
        descriptor: {
          mediaType: image.manifestMediaType,
          digest: image.manifestDigest,
          size: image.rawManifest.length,
        },
        rawManifest: image.rawManifest,
        manifest,
        rawConfig: image.rawConfig,
        config: image.config,
        openLayer,
      },
    };
  }

  const staged = image.layers.map((layer) => stagedOf(layer.entry));
  const oci = staged.some((blob) => blob.compression !== 'gzip');
  const layers: Descriptor[] = staged.map((blob) => {
    layerFiles.set(blob.digest, blob);
    return { mediaType: layerMediaType(blob, oci), digest: blob.digest, size: blob.size };
  });
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: oci ? MediaType.ociManifest : MediaType.dockerManifest,
    config: {
      mediaType: oci ? MediaType.ociConfig : MediaType.dockerConfig,
      digest: image.configDigest,
      size: image.rawConfig.length,
    },
    layers,
  };
  const rawManifest = Buffer.from(JSON.stringify(manifest, null, 3));
  return {
    rebuilt: true,
    image: {
      descriptor: {
        mediaType: manifest.mediaType as string,
        digest: digestOf(rawManifest),
        size: rawManifest.length,
      },
      rawManifest,
      manifest,
      rawConfig: image.rawConfig,
      config: image.config,
      openLayer,
    },
  };
}

function layerMediaType(blob: StagedBlob, oci: boolean): string {
  if (!oci) return MediaType.dockerLayerGzip;
  if (blob.compression === 'zstd') return MediaType.ociLayerZstd;
  return blob.compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayer;
}
