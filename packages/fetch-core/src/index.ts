export {
  DEBIAN_ARCHITECTURES,
  type DebianArch,
  debianArchToPlatform,
  isDebianArch,
} from './arch/debian-arch.js';
export {
  CACHE_SUBDIR,
  type CacheKey,
  cacheFilePath,
  localFile,
  resolveInside,
  unpackName,
} from './cache/local-file.js';
export { FetchCoreError, type FetchCoreErrorCode, type FetchCoreErrorOptions } from './errors.js';
export { defaultBlobCacheDir, fetchImage, fetchImage as fetch } from './pipeline/fetch-image.js';
export {
  ARCHIVE_FORMATS,
  type ArchiveFormat,
  type FetchOptions,
  type FetchResult,
  type ZstdSettings,
} from './pipeline/fetch-options.js';
export type { FetchProgress } from './pipeline/fetch-progress.js';
export {
  type DescribeFetchedOptions,
  describeFetchedArchive,
  sbomPathOf,
} from './pipeline/publish-sbom.js';
export { type PublishedRecord, readValidRecord, recordPathOf } from './pipeline/published-record.js';
export { type ResolveOptions, type ResolveResult, resolveImage } from './pipeline/resolve-image.js';
export { type UnpackOptions, type UnpackResult, unpackImage } from './pipeline/unpack-image.js';
export { type VerifyOptions, type VerifyReport, verifyFetchedArchive } from './pipeline/verify-fetched.js';
export { defaultZstdSettings, zstdSettings } from './pipeline/write-archive.js';
export {
  type ChecksumPolicy,
  type ChecksumVerdict,
  checkChecksum,
  checksumPolicyFromEnv,
  DEFAULT_CHECKSUM_POLICY,
  needsTagResolution,
  parseChecksumPolicy,
} from './policy/checksum-policy.js';
export { publishAtomically } from './store/atomic-file.js';
export { BlobCache, type BlobDownloader, type BlobFill } from './store/blob-cache.js';
export { acquireLock, type HeldLock, type LockOptions, type LockWait } from './store/file-lock.js';
export { archiveLockPath } from './store/lock-paths.js';
export { DOCKER_SCHEME, DOCKER_URL_PARAMETERS, type DockerUrl, parseDockerUrl } from './url/docker-url.js';
export { type DockerUrlParts, formatDockerUrl, srcUriLine, urlWithDigest } from './url/format-docker-url.js';
export { redactDockerUrl } from './url/redact.js';
