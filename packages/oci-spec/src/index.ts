export {
  type Digest,
  type DigestAlgorithm,
  digestAlgorithm,
  digestHex,
  isDigest,
  parseDigest,
} from './digest.js';
export { OciSpecError, type OciSpecErrorCode } from './errors.js';
export type { Image, Index, OpenOptions } from './image.js';
export {
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  type KnownMediaType,
  type LayerCompression,
  layerCompression,
  MediaType,
  manifestAccept,
} from './media-types.js';
export { formatPlatform, parsePlatform } from './platform.js';
export {
  isAttestationManifest,
  matchPlatform,
  normalizePlatform,
  type PlatformMatch,
  platformDistance,
} from './platform-match.js';
export type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from './types.js';
