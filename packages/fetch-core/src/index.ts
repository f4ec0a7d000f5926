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
export {
  type ChecksumPolicy,
  type ChecksumVerdict,
  checkChecksum,
  checksumPolicyFromEnv,
  DEFAULT_CHECKSUM_POLICY,
  needsTagResolution,
  parseChecksumPolicy,
} from './policy/checksum-policy.js';
export { DOCKER_SCHEME, DOCKER_URL_PARAMETERS, type DockerUrl, parseDockerUrl } from './url/docker-url.js';
export { type DockerUrlParts, formatDockerUrl, srcUriLine, urlWithDigest } from './url/format-docker-url.js';
export { redactDockerUrl } from './url/redact.js';
