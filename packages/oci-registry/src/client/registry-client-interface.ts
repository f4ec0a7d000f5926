import type { Readable } from 'node:stream';
import type { Descriptor, Digest, Image, Index, Platform } from '@isar/oci-spec';
import type { BlobReadOptions } from '../blob/blob-reader.js';
import type { DownloadResult, DownloadToFileOptions } from '../blob/download-to-file.js';
import type { FetchedManifest } from '../manifest/manifest-fetcher.js';
import type { RegistryImage, RegistryIndex } from '../manifest/registry-image.js';
import type { RepositoryName } from '../mirror/pull-sources.js';
import type { BlobContent, UploadOptions, UploadOutcome } from '../push/blob-upload.js';
import type { ImagePushOptions } from '../push/image-push.js';
import type { Reference } from '../reference/reference.js';
import type { CallOptions } from './options.js';

/** Options of {@link RegistryClient.getImage}: which platform to take from an index. */
export interface GetImageOptions extends CallOptions {
  /** Platform to pick from an index (default: this machine's, `linux/<arch>`). */
  platform?: Platform;
}

/** Options of {@link RegistryClient.openBlob} (see {@link BlobReadOptions}). */
export interface OpenBlobOptions extends BlobReadOptions {}

/** Options of {@link RegistryClient.pushImage} and {@link RegistryClient.pushIndex}. */
export type PushImageOptions = ImagePushOptions;

/** What {@link RegistryClient.pushImage} did. */
export interface PushResult {
  readonly descriptor: Descriptor;
  readonly blobs: ReadonlyArray<{ digest: Digest; outcome: UploadOutcome }>;
}

/** A registry client: one set of connections (its HTTP transport's), one credential store, one download limiter. */
export interface RegistryClient {
  /** Resolves a tag (or digest) to the descriptor of its top manifest/index, by HEAD when the registry allows. */
  resolve(ref: Reference, options?: CallOptions): Promise<Descriptor>;
  /** Fetches the manifest or index a reference names (by digest when it has one), verified. */
  getManifest(ref: Reference, options?: CallOptions): Promise<FetchedManifest>;
  /** Fetches an index; `UNSUPPORTED_MEDIA_TYPE` if the reference names a single-platform manifest. */
  getIndex(ref: Reference, options?: CallOptions): Promise<RegistryIndex>;
  /** The image for one platform: chosen from the index if there is one, with manifest and config fetched. */
  getImage(ref: Reference, options?: GetImageOptions): Promise<RegistryImage>;
  /** Opens a blob as a verified stream (see `BlobReadOptions` for resuming at an offset). */
  openBlob(repo: RepositoryName, descriptor: Descriptor, options?: OpenBlobOptions): Promise<Readable>;
  /** Downloads a blob to a file through `<path>.partial`, resuming what an earlier run left there. */
  downloadBlobToFile(
    repo: RepositoryName,
    descriptor: Descriptor,
    path: string,
    options?: DownloadToFileOptions,
  ): Promise<DownloadResult>;
  /**
   * A blob's last `length` bytes through a `Range` request, unverified (a prediction, e.g. a gzip trailer);
   * `undefined` when no source serves the range.
   */
  readBlobTail(
    repo: RepositoryName,
    descriptor: Descriptor,
    length: number,
    options?: CallOptions,
  ): Promise<Uint8Array | undefined>;
  /** Whether the repository has the blob (HEAD). */
  hasBlob(repo: RepositoryName, digest: Digest, options?: CallOptions): Promise<boolean>;
  /** Puts a blob into a repository: exists, mount, or upload (monolithic or chunked). */
  pushBlob(
    repo: RepositoryName,
    descriptor: Descriptor,
    content: BlobContent,
    options?: UploadOptions,
  ): Promise<UploadOutcome>;
  /** PUTs manifest bytes under `ref`'s tag (or digest when it has no tag). */
  pushManifest(
    ref: Reference,
    bytes: Uint8Array,
    mediaType: string,
    options?: CallOptions,
  ): Promise<Descriptor>;
  /** Pushes an image (config, layers, manifest) under `ref`'s tag or, without a tag, its manifest digest. */
  pushImage(image: Image, ref: Reference, options?: PushImageOptions): Promise<PushResult>;
  /** Pushes the images of an index by digest, then the index under `ref`. */
  pushIndex(
    index: Index,
    images: readonly Image[],
    ref: Reference,
    options?: PushImageOptions,
  ): Promise<PushResult>;
  /** Closes the connections (open streams are ended). */
  close(): Promise<void>;
}
