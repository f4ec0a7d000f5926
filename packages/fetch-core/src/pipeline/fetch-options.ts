import type { RegistryClient, RegistryClientOptions } from '@isar/oci-registry';
import type { Digest } from '@isar/oci-spec';
import type { ChecksumPolicy } from '../policy/checksum-policy.js';
import type { FetchProgress } from './fetch-progress.js';

/** The archive written into DL_DIR: what Isar ships today, or the digest-preserving OCI + docker tar. */
export type ArchiveFormat = 'docker-archive' | 'oci';

/** Every {@link ArchiveFormat}, for option parsing. */
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['docker-archive', 'oci'];

/** zstd settings of the published `.zst` (Isar's `ZSTD_DEFAULTS`: `--threads=<ncpu, at least 2> -3`). */
export interface ZstdSettings {
  /** 1..22, default 3. */
  level?: number;
  /** Worker threads, >= 1; default: the CPU count (at least 2, at most 8). */
  threads?: number;
}

/** Options of {@link fetchImage}: where (DL_DIR), for which Debian architecture, in which format, and how. */
export interface FetchOptions {
  /** Isar's `DL_DIR`: the archive goes to `<dlDir>/container-images/<arch>/...`. */
  dlDir: string;
  /** Debian architecture (`PACKAGE_ARCH`): amd64, arm64, armhf, armel, i386, ... */
  arch: string;
  /** Default `docker-archive`. */
  format?: ArchiveFormat;
  zstd?: ZstdSettings;
  /** `BB_STRICT_CHECKSUM`: `1` error, `0` warning (default), `ignore` silent, for a URL without digest. */
  policy?: ChecksumPolicy;
  /**
   * Where verified blobs are kept and shared between tags, recipes and formats; `false` keeps none (layers
   * then stream from the registry, and an interrupted download starts over). Default
   * `<dlDir>/container-images/blobs` (blobs in `sha256/<hex>`).
   */
  blobCache?: string | false;
  /**
   * Layer blobs downloading at once, started in manifest order so the archive writer can begin with the first
   * while the next ones arrive (default 1: the layer being written gets the whole line, so at internet speed
   * the archive is done almost as soon as the last byte is in; see bench/LIMITS.md).
   */
  downloadConcurrency?: number;
  /**
   * Never open a connection (bitbake's `BB_NO_NETWORK`): answer from DL_DIR (a pinned URL's archive, or a tag's
   * archive as last published) or fail with `OFFLINE`.
   */
  offline?: boolean;
  /**
   * Write `<archive>.cdx.json`, a CycloneDX SBOM of the image (`@isar/sbom`), beside the archive. A
   * docker-archive's is a by-product of writing it (layers scanned as they pass into it; no second read):
   * default true. The oci format keeps layers compressed, so its SBOM costs a second read of the archive:
   * default false.
   */
  sbom?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: FetchProgress) => void;
  /** Options of the registry client created for this fetch (auth file, registries.conf, insecure hosts...). */
  registry?: RegistryClientOptions;
  /** A client to use instead (the caller keeps and closes it); `registry` is then ignored. */
  client?: RegistryClient;
}

/** What {@link fetchImage} did. */
export interface FetchResult {
  /** Absolute path of the published `.zst`. */
  path: string;
  /** The same, relative to DL_DIR (Isar's `localfile`). */
  localFile: string;
  /** What was pulled: `<registry>/<repository>:<tag>@<digest>`. */
  reference: string;
  /** The tag's top digest (the index of a multi-arch image), or the pinned digest. */
  indexDigest: Digest;
  /** The platform's image manifest. */
  manifestDigest: Digest;
  /** `linux/arm/v7` style: the platform of the image that was chosen. */
  platform: string;
  format: ArchiveFormat;
  /** True when an existing archive was valid and nothing was written. */
  cacheHit: boolean;
  /** Layer bytes that came over the network in this run. */
  bytesDownloaded: number;
  /** Layer bytes served by the blob cache (including a partial download of an earlier run that was resumed). */
  bytesFromCache: number;
  /** Wall time of the whole fetch. */
  seconds: number;
  /** The missing-checksum warning (policy `0`), as upstream words it. */
  warning?: string;
  /** The `SRC_URI = "...;digest=..."` line that pins what was fetched, when the URL had no digest. */
  srcUriLine?: string;
}
