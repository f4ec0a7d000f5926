export type { BlobLocation, BlobReadOptions } from './blob/blob-reader.js';
export { DigestVerifier, digestOf } from './blob/digest-verifier.js';
export type { DownloadResult, DownloadToFileOptions } from './blob/download-to-file.js';
export { Limiter } from './blob/limiter.js';
export type { CallOptions, RegistryClientOptions } from './client/options.js';
export { createRegistryClient } from './client/registry-client.js';
export type {
  GetImageOptions,
  OpenBlobOptions,
  PushImageOptions,
  PushResult,
  RegistryClient,
} from './client/registry-client-interface.js';
export { authFilePaths } from './config/auth-file.js';
export { createCredentialStore } from './config/credential-store.js';
export type { Credentials, FoundCredentials } from './config/credentials.js';
export {
  loadRegistriesConf,
  type MirrorConfig,
  type PullFromMirror,
  parseRegistriesConf,
  type RegistriesConf,
  type RegistryConfig,
} from './config/registries-conf.js';
export { redactText, redactUrl } from './errors/redact.js';
export {
  isRegistryError,
  RegistryError,
  type RegistryErrorCode,
  type RegistryErrorDetail,
} from './errors/registry-error.js';
export { nodeHttpTransport } from './http/node-http-transport.js';
export type { ProxySettings } from './http/proxy-rules.js';
export type { RetryEvent, RetryPolicy } from './http/retry.js';
export { undiciTransport } from './http/undici-transport.js';
export type {
  HostTls,
  HttpTransport,
  HttpWire,
  WireRequest,
  WireResponse,
  WireSettings,
} from './http/wire.js';
export type { ManifestDocument } from './manifest/manifest-document.js';
export { type FetchedManifest, MANIFEST_SIZE_LIMIT } from './manifest/manifest-fetcher.js';
export type { RegistryImage, RegistryIndex } from './manifest/registry-image.js';
export { type PullSource, pullSources, type RepositoryName } from './mirror/pull-sources.js';
export type { BlobContent, UploadOptions, UploadOutcome } from './push/blob-upload.js';
export * from './reference/index.js';
