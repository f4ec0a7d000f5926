import type { Digest, ImageConfig, Platform } from '@isar/oci-spec';
import type { ArchiveCompressionKind } from './archive-input.js';

/** One layer of an image in an archive, and how it was proven. */
export interface ArchiveLayer {
  /** Entry holding the layer (after following links). */
  entry: string;
  /** The config's diff_id for this position. */
  diffId: Digest;
  /** sha256 of the entry as stored (the blob digest for OCI blobs, the diff_id for uncompressed layers). */
  digest: Digest;
  /** Bytes of the entry as stored. */
  size: number;
  /** Media type from the OCI manifest, when there is one. */
  mediaType?: string;
  /**
   * `diff_id`: the (decompressed) content hashes to the config's diff_id;
   * `blob`: an OCI blob whose digest matches its manifest (its diff_id is left to the engine, unless `deep`).
   */
  verifiedBy: 'diff_id' | 'blob';
}

/** One image found in an archive. */
export interface ArchiveImage {
  /** Fully qualified `name:tag`s (from manifest.json, or index.json annotations). */
  repoTags: string[];
  platform: Platform;
  configDigest: Digest;
  configEntry: string;
  rawConfig: Buffer;
  config: ImageConfig;
  /** The OCI manifest's digest, when the archive is (also) an OCI layout. */
  manifestDigest?: Digest;
  manifestMediaType?: string;
  rawManifest?: Buffer;
  layers: ArchiveLayer[];
  /** In manifest.json (loadable by `docker load`) or only in the OCI index (other platforms). */
  inDockerManifest: boolean;
}

/** Everything the reader learnt about an archive, every digest checked. */
export interface ArchiveContents {
  /** `docker-archive` (manifest.json only), `oci` (both, as writeOciArchive writes), `oci-layout` (index.json only). */
  format: 'docker-archive' | 'oci' | 'oci-layout';
  compression: ArchiveCompressionKind;
  images: ArchiveImage[];
  /**
   * What index.json points at (OCI formats): descriptors with their annotations, and for an image index (an
   * archive keeping every platform) its bytes, checked against the digest.
   */
  ociIndex?: {
    digest: Digest;
    mediaType: string;
    size: number;
    annotations?: Record<string, string>;
    rawIndex?: Buffer;
  }[];
  /** The `repositories` file, when present. */
  repositories?: Record<string, Record<string, string>>;
  entries: number;
  /** Bytes of the uncompressed tar. */
  tarBytes: number;
  /** Bytes of the archive as read (compressed). */
  archiveBytes: number;
}
