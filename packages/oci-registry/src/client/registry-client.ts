import { Readable } from 'node:stream';
import {
  type Descriptor,
  type Digest,
  type Image,
  type ImageConfig,
  type ImageManifest,
  type Index,
  matchPlatform,
  OciSpecError,
  type OpenOptions,
  type Platform,
  type PlatformMatch,
} from '@isar/oci-spec';
import { withAuth } from '../auth/auth-layer.js';
import { foreignBlobLocation, foreignUrls, registryBlobLocation } from '../blob/blob-locations.js';
import { type BlobLocation, type BlobReadOptions, openVerifiedBlob } from '../blob/blob-reader.js';
import {
  type DownloadResult,
  type DownloadToFileOptions,
  downloadBlobToFile,
} from '../blob/download-to-file.js';
import { Limiter } from '../blob/limiter.js';
import { defaultCertDirs } from '../config/certs.js';
import { createCredentialStore } from '../config/credential-store.js';
import { resolveEnvironment } from '../config/environment.js';
import { loadRegistriesConf, type RegistriesConf } from '../config/registries-conf.js';
import { RegistryError } from '../errors/registry-error.js';
import { abortReason } from '../http/abort.js';
import { splitHostPort } from '../http/host.js';
import { withRedirects } from '../http/redirect.js';
import { DEFAULT_RETRY_POLICY, withRetry } from '../http/retry.js';
import { createBaseSend } from '../http/send.js';
import { RegistryTransport } from '../http/transport.js';
import { type FetchedManifest, fetchManifest, headManifest } from '../manifest/manifest-fetcher.js';
import {
  type RegistryImage,
  type RegistryIndex,
  registryImage,
  registryIndex,
} from '../manifest/registry-image.js';
import { type PullSource, pullSources, pushTarget, type RepositoryName } from '../mirror/pull-sources.js';
import {
  type BlobContent,
  blobExists,
  type UploadOptions,
  type UploadOutcome,
  uploadBlob,
} from '../push/blob-upload.js';
import { putManifest } from '../push/manifest-push.js';
import { formatReference } from '../reference/format-reference.js';
import type { Reference } from '../reference/reference.js';
import type { CallOptions, RegistryClientOptions } from './options.js';
import { RegistryApi } from './registry-api.js';

const CONFIG_SIZE_LIMIT = 4 * 1024 * 1024;
const DEFAULT_USER_AGENT = 'isar-oci-registry/0.1';

export interface GetImageOptions extends CallOptions {
  /** Platform to pick from an index (default: this machine's, `linux/<arch>`). */
  platform?: Platform;
}

export interface OpenBlobOptions extends BlobReadOptions {}

export interface PushImageOptions extends CallOptions {
  /** Mount blobs from this repository of the same registry instead of uploading them, when it has them. */
  mountFrom?: RepositoryName;
  /** Upload in PATCH chunks of this size (default: one PUT per blob). */
  chunkSize?: number;
  /** Parallel blob uploads (default: the client's download limit). */
  concurrency?: number;
  onProgress?: (event: { digest: Digest; bytes: number; total: number }) => void;
}

/** What {@link RegistryClient.pushImage} did. */
export interface PushResult {
  readonly descriptor: Descriptor;
  readonly blobs: ReadonlyArray<{ digest: Digest; outcome: UploadOutcome }>;
}

/** A registry client: one undici dispatcher, one credential store, one download limiter. */
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
  /** Closes the dispatcher (open streams are ended). */
  close(): Promise<void>;
}

/** Creates a registry client. Reading configuration files happens here (and throws `CONFIG` errors here). */
export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  const environment = resolveEnvironment(options);
  const conf: RegistriesConf =
    options.registriesConf === false
      ? { files: [], registries: [] }
      : loadRegistriesConf(environment, options.registriesConf);
  const insecureHosts = insecureHostSet(conf, options.insecureRegistries ?? []);
  const isInsecure = (host: string) => insecureHosts.has(host.toLowerCase());
  const timeouts = options.timeouts ?? {};
  const transport = new RegistryTransport({
    environment,
    certDirs: options.certDirs ?? defaultCertDirs(environment),
    isInsecure,
    proxy: options.proxy,
    connectTimeoutMs: timeouts.connectMs ?? 30_000,
    headersTimeoutMs: timeouts.headersMs ?? 60_000,
    bodyTimeoutMs: timeouts.bodyMs ?? 60_000,
    connections: options.connectionsPerOrigin ?? 8,
  });
  const retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const base = createBaseSend(transport, { userAgent: options.userAgent ?? DEFAULT_USER_AGENT });
  const plainSend = withRetry(withRedirects(base), retryPolicy);
  const lookupCredentials = createCredentialStore({
    environment,
    authFile: options.authFile,
    credentials: options.credentials,
  });
  // The API needs the authenticated stack and the stack needs the API's authenticators: tie the knot lazily.
  let api: RegistryApi | undefined;
  const send = withRetry(
    withAuth(withRedirects(base), (endpoint) => (api as RegistryApi).authenticator(endpoint)),
    retryPolicy,
  );
  api = new RegistryApi({ send, plainSend, transport, lookupCredentials });
  const registry = api;
  const limiter = new Limiter(options.maxConcurrentDownloads ?? 4);
  // Configs are small and needed before any layer: they never wait behind layer downloads for a slot.
  const configLimiter = new Limiter(Number.MAX_SAFE_INTEGER);

  /** Tries each source in order; a failing mirror hands over to the next, the primary's error is final. */
  async function fromSources<T>(
    sources: readonly PullSource[],
    signal: AbortSignal | undefined,
    attempt: (source: PullSource) => Promise<T>,
  ): Promise<T> {
    let lastError: unknown;
    for (const source of sources) {
      try {
        return await attempt(source);
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        lastError = error;
        if (error instanceof RegistryError && error.code === 'DIGEST_MISMATCH' && !source.mirror) throw error;
      }
    }
    throw lastError;
  }

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
    return openVerifiedBlob(blobLocations(sources, descriptor), descriptor, opts, limiter);
  }

  /** Sources for blobs of an image read from `preferred`: that one first, then the others allowed by digest. */
  function imageBlobSources(ref: RepositoryName, preferred: PullSource): PullSource[] {
    const others = sourcesFor(ref, true).filter(
      (s) => s.registry !== preferred.registry || s.repository !== preferred.repository,
    );
    return [preferred, ...others];
  }

  async function readConfig(sources: readonly PullSource[], descriptor: Descriptor, signal?: AbortSignal) {
    if (descriptor.size > CONFIG_SIZE_LIMIT) {
      throw new RegistryError(
        'TOO_LARGE',
        `config ${descriptor.digest} is ${descriptor.size} bytes, more than ${CONFIG_SIZE_LIMIT}`,
      );
    }
    const stream = await openVerifiedBlob(
      blobLocations(sources, descriptor),
      descriptor,
      { signal },
      configLimiter,
    );
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    try {
      return { bytes, config: JSON.parse(bytes.toString('utf8')) as ImageConfig };
    } catch (error) {
      throw new RegistryError('PROTOCOL', `config ${descriptor.digest} is not valid JSON`, { cause: error });
    }
  }

  async function imageFromManifest(
    ref: Reference,
    fetched: FetchedManifest & { kind: 'image' },
    choice: { match: PlatformMatch; index: RegistryIndex } | undefined,
    signal?: AbortSignal,
  ): Promise<RegistryImage> {
    const sources = imageBlobSources(ref, fetched.source);
    const manifest = fetched.document as ImageManifest;
    const { bytes, config } = await readConfig(sources, manifest.config, signal);
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
      const blobs = await pushImageBlobs(image, target, opts);
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
        blobs.push(...(await pushImageBlobs(image, target, opts)));
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

  /** Config and layers of one image, `concurrency` at a time; the config from memory, layers streamed. */
  async function pushImageBlobs(image: Image, target: PullSource, opts: PushImageOptions) {
    const limit = new Limiter(opts.concurrency ?? options.maxConcurrentDownloads ?? 4);
    const config = image.manifest.config;
    const jobs: Array<{ descriptor: Descriptor; content: BlobContent }> = [
      { descriptor: config, content: () => bufferStream(image.rawConfig) },
      ...image.manifest.layers.map((layer) => ({
        descriptor: layer,
        content: () => image.openLayer(layer, { signal: opts.signal }),
      })),
    ];
    const seen = new Set<string>();
    const unique = jobs.filter((j) => !seen.has(j.descriptor.digest) && seen.add(j.descriptor.digest));
    return Promise.all(
      unique.map(async ({ descriptor, content }) => {
        const release = await limit.acquire(opts.signal);
        try {
          const outcome = await uploadBlob(registry, target, descriptor, content, {
            signal: opts.signal,
            mountFrom: opts.mountFrom,
            chunkSize: opts.chunkSize,
            onProgress: opts.onProgress
              ? (bytes, total) => opts.onProgress?.({ digest: descriptor.digest, bytes, total })
              : undefined,
          });
          return { digest: descriptor.digest, outcome };
        } finally {
          release();
        }
      }),
    );
  }

  return client;
}

function bufferStream(bytes: Uint8Array): Readable {
  return Readable.from([Buffer.from(bytes)]);
}

/** Hosts that may use plain HTTP / unverified TLS: the option plus registries.conf `insecure` entries. */
function insecureHostSet(conf: RegistriesConf, explicit: readonly string[]): Set<string> {
  const hosts = new Set(explicit.map((h) => h.toLowerCase()));
  for (const registry of conf.registries) {
    if (registry.insecure) {
      const location = registry.location || registry.prefix;
      if (!location.startsWith('*.')) hosts.add((location.split('/')[0] ?? '').toLowerCase());
    }
    for (const mirror of registry.mirrors) {
      if (mirror.insecure) hosts.add((mirror.location.split('/')[0] ?? '').toLowerCase());
    }
  }
  // `host:443` and `host` name the same endpoint.
  for (const host of [...hosts]) {
    const { hostname, port } = splitHostPort(host);
    if (port === 443) hosts.add(hostname);
  }
  return hosts;
}

/** This machine's platform in OCI terms (the default for `getImage`). */
function hostPlatform(): Platform {
  const arch: Record<string, Platform> = {
    x64: { os: 'linux', architecture: 'amd64' },
    arm64: { os: 'linux', architecture: 'arm64' },
    arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
    ia32: { os: 'linux', architecture: '386' },
    ppc64: { os: 'linux', architecture: 'ppc64le' },
    s390x: { os: 'linux', architecture: 's390x' },
    riscv64: { os: 'linux', architecture: 'riscv64' },
    loong64: { os: 'linux', architecture: 'loong64' },
  };
  return arch[process.arch] ?? { os: 'linux', architecture: process.arch };
}
