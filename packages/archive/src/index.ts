export {
  type DockerArchiveOptions,
  type DockerArchiveResult,
  type WrittenLayer,
  writeDockerArchive,
} from './docker-archive/write-docker-archive.js';
export { ArchiveError, type ArchiveErrorCode, isArchiveError } from './errors.js';
export { type ArrivingBlob, isArrivingBlob } from './layer/arriving-blob.js';
export type { LayerTap, TappedLayer } from './layer/layer-tap.js';
export type { LayerFile, LayerFileProvider } from './layer/uncompressed-layer.js';
export {
  type ImageResolver,
  type OciArchiveOptions,
  type OciArchiveResult,
  writeOciArchive,
} from './oci-archive/write-oci-archive.js';
export type { ArchiveCompression, ZstdOutputOptions } from './output/archive-compression.js';
export type { WriteProgress } from './output/progress.js';
export type { ArchiveContents, ArchiveImage, ArchiveLayer } from './reader/archive-contents.js';
export type { ArchiveCompressionKind } from './reader/archive-input.js';
export { defaultReadLimits, type ReadLimits } from './reader/limits.js';
export { openArchiveEntry } from './reader/open-archive-entry.js';
export { openArchiveTar } from './reader/open-archive-tar.js';
export { type ReadArchiveOptions, readArchive } from './reader/read-archive.js';
export type { ArchiveEntryInfo } from './reader/tar-walk.js';
export { type VerifiedImage, type VerifyReport, verifyArchive } from './reader/verify-archive.js';
export { parseRepoTag, parseRepoTags, type RepoTag } from './repo-tag.js';
export {
  type LayoutImage,
  type LayoutIndex,
  type OciLayout,
  type OpenLayoutOptions,
  openLayout,
} from './source/oci-layout.js';
export type { ArchiveOutput } from './tar/tar-writer.js';
export {
  createZstdCompressor,
  defaultZstdJobSize,
  defaultZstdLevel,
  defaultZstdThreads,
  type ZstdCompressorOptions,
} from './zstd/zstd-compressor.js';
export { createZstdDecompressor, type ZstdDecompressorOptions } from './zstd/zstd-decompressor.js';
