import {
  type Descriptor,
  type Digest,
  type ImageManifest,
  matchPlatform,
  OciSpecError,
  type OpenOptions,
  type Platform,
  type PlatformMatch,
} from '@isar/oci-spec';
import { withAuth } from '../auth/auth-layer.js';
import { foreignBlobLocation, foreignUrls, registryBlobLocation } from '../blob/blob-locations.js';
import { type BlobLocation, type BlobReadOptions, openVerifiedBlob } from '../blob/blob-reader.js';
import { readBlobTail } from '../blob/blob-tail.js';
import { downloadBlobToFile } from '../blob/download-to-file.js';
import { Limiter } from '../blob/limiter.js';
import { defaultCertDirs } from '../config/certs.js';
import { createCredentialStore } from '../config/credential-store.js';
import { resolveEnvironment } from '../config/environment.js';
import { loadRegistriesConf, type RegistriesConf } from '../config/registries-conf.js';
import { RegistryError } from '../errors/registry-error.js';
import { withRedirects } from '../http/redirect.js';
import { DEFAULT_RETRY_POLICY, withRetry } from '../http/retry.js';
import { createBaseSend } from '../http/send.js';
import { RegistryTransport } from '../http/transport.js';
import { undiciTransport } from '../http/undici-transport.js';
import { readConfig } from '../manifest/config-reader.js';
import { type FetchedManifest, fetchManifest, headManifest } from '../manifest/manifest-fetcher.js';
import {
  type RegistryImage,
  type RegistryIndex,
  registryImage,
  registryIndex,
} from '../manifest/registry-image.js';
import { fromSources } from '../mirror/from-sources.js';
import { insecureHostCheck } from '../mirror/insecure-hosts.js';
import { type PullSource, pullSources, pushTarget, type RepositoryName } from '../mirror/pull-sources.js';
import { blobExists, type UploadOutcome, uploadBlob } from '../push/blob-upload.js';
import { pushImageBlobs } from '../push/image-push.js';
import { putManifest } from '../push/manifest-push.js';
import { formatReference } from '../reference/format-reference.js';
import type { Reference } from '../reference/reference.js';
import { hostPlatform } from './host-platform.js';
import type { CallOptions, RegistryClientOptions } from './options.js';
import { RegistryApi } from './registry-api.js';
import type { PushImageOptions, RegistryClient } from './registry-client-interface.js';

const DEFAULT_USER_AGENT = 'isar-oci-registry/0.1';

/** Creates a registry client. Reading configuration files happens here (and throws `CONFIG` errors here). */
export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const environment = resolveEnvironment(options);
  const conf: RegistriesConf =
    options.registriesConf === false
      ? { files: [], registries: [] }
      : loadRegistriesConf(environment, options.registriesConf);
  const isInsecure = insecureHostCheck(conf, options.insecureRegistries ?? []);
  const timeouts = options.timeouts ?? {};
  const bodyTimeoutMs = timeouts.bodyMs ?? 60_000;
  const stallMs = timeouts.stallMs ?? 2 * bodyTimeoutMs;
  const transport = new RegistryTransport({
    environment,
    certDirs: options.certDirs ?? defaultCertDirs(environment),
    isInsecure,
    proxy: options.proxy,
    connectTimeoutMs: timeouts.connectMs ?? 30_000,
    headersTimeoutMs: timeouts.headersMs ?? 60_000,
    bodyTimeoutMs: bodyTimeoutMs,
    connections: options.connectionsPerOrigin ?? 8,
    httpTransport: options.httpTransport ?? undiciTransport,
  });
  const retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const base = createBaseSend(transport, { userAgent: options.userAgent ?? DEFAULT_USER_AGENT });
  const plainSend = withRetry(withRedirects(base), retryPolicy);
  const lookupCredentials = createCredentialStore({
    environment,
    authFile: options.authFile,
    credentials: options.credentials,
    ...(conf.credentialHelpers ? { credentialHelpers: conf.credentialHelpers } : {}),
  });
  // The API needs the authenticated stack and the stack needs the API's authenticators: tie the knot lazily.
  let api: RegistryApi | undefined;
  const send = withRetry(
    withAuth(withRedirects(base), (endpoint) => (api as RegistryApi).authenticator(endpoint)),
    retryPolicy,
  );
  api = new RegistryApi({ send, plainSend, probeSend: base, transport, lookupCredentials });
  const registry = api;
  const limiter = new Limiter(options.maxConcurrentDownloads ?? 4);
  // Configs are small and needed before any layer: they never wait behind layer downloads for a slot.
  const configLimiter = new Limiter(Number.MAX_SAFE_INTEGER);

  const sourcesFor = (ref: RepositoryName & { digest?: Digest }, byDigest: boolean) =>
    pullSources(conf, ref, byDigest, isInsecure);

  function manifestReference(ref: Reference): string {
    const reference = ref.digest ?? ref.tag;
    if (!reference) throw new TypeError(`reference ${formatReference(ref)} has neither tag nor digest`);
    return reference;
  }

  async function getManifest(ref: Reference, opts: CallOptions = {}): Promise<FetchedManifest> {
    const reference = manifestReference(ref);
    return fromSources(sourcesFor(ref, ref.digest !== undefined), opts.signal, (source) =>
      fetchManifest(registry, source, reference, opts.signal),
    );
  }

  function blobLocations(sources: readonly PullSource[], descriptor: Descriptor): BlobLocation[] {
    return [
      ...foreignUrls(descriptor.urls).map((url) => foreignBlobLocation(plainSend, url)),
      ...sources.map((source) => registryBlobLocation(registry, source, descriptor.digest)),
    ];
  }

  function openBlobFrom(sources: readonly PullSource[], descriptor: Descriptor, opts: BlobReadOptions = {}) {
    return openVerifiedBlob(blobLocations(sources, descriptor), descriptor, opts, limiter, stallMs);
  }

  /** Sources for blobs of an image read from `preferred`: that one first, then the others allowed by digest. */
  function imageBlobSources(ref: RepositoryName, preferred: PullSource): PullSource[] {
    const others = sourcesFor(ref, true).filter(
      (s) => s.registry !== preferred.registry || s.repository !== preferred.repository,
    );
    return [preferred, ...others];
  }

  async function imageFromManifest(
    ref: Reference,
    fetched: FetchedManifest & { kind: 'image' },
    choice: { match: PlatformMatch; index: RegistryIndex } | undefined,
    signal?: AbortSignal,
  ): Promise<RegistryImage> {
    const sources = imageBlobSources(ref, fetched.source);
    const manifest = fetched.document as ImageManifest;
    const { bytes, config } = await readConfig(
      blobLocations(sources, manifest.config),
      manifest.config,
      configLimiter,
      signal,
    );
    const platform: Platform = choice?.match.platform ?? {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    };
    return registryImage({
      reference: ref,
      descriptor: fetched.descriptor,
      rawManifest: fetched.bytes,
      manifest,
      rawConfig: bytes,
      config,
      platform,
      platformMatch: choice?.match,
      index: choice?.index,
      source: fetched.source,
      openBlob: (descriptor: Descriptor, openOptions?: OpenOptions) =>
        openBlobFrom(sources, descriptor, { signal: openOptions?.signal }),
    });
  }

  const withConcurrency = (opts: PushImageOptions) => ({
    ...opts,
    concurrency: opts.concurrency ?? options.maxConcurrentDownloads ?? 4,
  });

  const client: RegistryClient = {
    async resolve(ref, opts = {}) {
      const reference = manifestReference(ref);
      return fromSources(sourcesFor(ref, ref.digest !== undefined), opts.signal, async (source) => {
        const headed = await headManifest(registry, source, reference, opts.signal);
        return headed ?? (await fetchManifest(registry, source, reference, opts.signal)).descriptor;
      });
    },

    getManifest,

    async getIndex(ref, opts = {}) {
      const fetched = await getManifest(ref, opts);
      if (fetched.kind !== 'index') {
        throw new RegistryError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${formatReference(ref)} is a single-platform manifest (${fetched.mediaType}), not an index`,
          { retryable: false },
        );
      }
      return registryIndex(ref, fetched.descriptor, fetched.bytes, fetched.document, fetched.source);
    },

    async getImage(ref, opts = {}) {
      const { signal } = opts;
      const top = await getManifest(ref, opts);
      if (top.kind === 'image') return imageFromManifest(ref, top, undefined, signal);
      const index = registryIndex(ref, top.descriptor, top.bytes, top.document, top.source);
      const wanted = opts.platform ?? hostPlatform();
      let match: PlatformMatch;
      try {
        match = matchPlatform(wanted, top.document.manifests);
      } catch (error) {
        if (error instanceof OciSpecError) {
          throw new RegistryError(
            error.code === 'NO_MATCHING_PLATFORM' ? 'NO_MATCHING_PLATFORM' : 'CONFIG',
            `${formatReference(ref)}: ${error.message}`,
            { cause: error, retryable: false },
          );
        }
        throw error;
      }
      const child = await fetchManifest(registry, top.source, match.descriptor.digest, signal);
      if (child.kind !== 'image') {
        throw new RegistryError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${formatReference(ref)}: index entry ${match.descriptor.digest} is not an image manifest`,
          { retryable: false },
        );
      }
      if (child.descriptor.size !== match.descriptor.size) {
        throw new RegistryError(
          'SIZE_MISMATCH',
          `${formatReference(ref)}: manifest ${match.descriptor.digest} is ${child.descriptor.size} bytes, the index says ${match.descriptor.size}`,
          { retryable: false },
        );
      }
      return imageFromManifest(ref, child, { match, index }, signal);
    },

    openBlob(repo, descriptor, opts = {}) {
      return openBlobFrom(sourcesFor(repo, true), descriptor, opts);
    },

    downloadBlobToFile(repo, descriptor, path, opts = {}) {
      const sources = sourcesFor(repo, true);
      return downloadBlobToFile((o) => openBlobFrom(sources, descriptor, o), descriptor, path, opts);
    },

    readBlobTail(repo, descriptor, length, opts = {}) {
      return readBlobTail(blobLocations(sourcesFor(repo, true), descriptor), descriptor, length, opts.signal);
    },

    async hasBlob(repo, digest, opts = {}) {
      const target = pushTarget(conf, repo, isInsecure);
      return (await blobExists(registry, target, digest, ['pull'], opts.signal)) !== undefined;
    },

    pushBlob(repo, descriptor, content, opts = {}) {
      return uploadBlob(registry, pushTarget(conf, repo, isInsecure), descriptor, content, opts);
    },

    pushManifest(ref, bytes, mediaType, opts = {}) {
      return putManifest(
        registry,
        pushTarget(conf, ref, isInsecure),
        manifestReference(ref),
        bytes,
        mediaType,
        opts.signal,
      );
    },

    async pushImage(image, ref, opts = {}) {
      const target = pushTarget(conf, ref, isInsecure);
      const blobs = await pushImageBlobs(registry, target, image, withConcurrency(opts));
      const tagOrDigest = ref.tag ?? image.descriptor.digest;
      const descriptor = await putManifest(
        registry,
        target,
        tagOrDigest,
        image.rawManifest,
        image.descriptor.mediaType,
        opts.signal,
      );
      return { descriptor, blobs };
    },

    async pushIndex(index, images, ref, opts = {}) {
      const target = pushTarget(conf, ref, isInsecure);
      const blobs: Array<{ digest: Digest; outcome: UploadOutcome }> = [];
      for (const image of images) {
        blobs.push(...(await pushImageBlobs(registry, target, image, withConcurrency(opts))));
        await putManifest(
          registry,
          target,
          image.descriptor.digest,
          image.rawManifest,
          image.descriptor.mediaType,
          opts.signal,
        );
      }
      const descriptor = await putManifest(
        registry,
        target,
        ref.tag ?? index.descriptor.digest,
        index.rawIndex,
        index.descriptor.mediaType,
        opts.signal,
      );
      return { descriptor, blobs };
    },

    async close() {
      await transport.close();
    },
  };

  return client;
}
