import { Readable } from 'node:stream';
import type { Descriptor, Digest } from '@isar/oci-spec';
import { repositoryScope } from '../auth/scope.js';
import { DigestVerifier } from '../blob/digest-verifier.js';
import type { RegistryApi } from '../client/registry-api.js';
import { RegistryError } from '../errors/registry-error.js';
import { errorFromResponse } from '../errors/response-error.js';
import { discardBody } from '../http/body.js';
import { type HttpResponse, header } from '../http/types.js';
import type { PullSource, RepositoryName } from '../mirror/pull-sources.js';

/** Opens the blob's bytes afresh (called again when an upload is restarted). */
export type BlobContent = () => Readable | Promise<Readable>;

/** Options of {@link RegistryClient.pushBlob}: cross-repository mount, chunked upload, progress, restarts. */
export interface UploadOptions {
  signal?: AbortSignal;
  /** Try a cross-repository mount from this repository first (same registry only). */
  mountFrom?: RepositoryName;
  /** Upload in PATCH chunks of this many bytes instead of one PUT (default: monolithic). */
  chunkSize?: number;
  onProgress?: (bytes: number, total: number) => void;
  /** Whole-upload restarts after a retryable failure (default 2). */
  restarts?: number;
}

/** How a pushed blob got there: already present, mounted from another repository, or uploaded. */
export type UploadOutcome = 'exists' | 'mounted' | 'uploaded';

/** HEADs a blob: its size when the repository has it, `undefined` on 404. */
export async function blobExists(
  api: RegistryApi,
  target: PullSource,
  digest: Digest,
  actions: ReadonlyArray<'pull' | 'push'>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const response = await api.request(target, { method: 'HEAD', path: `blobs/${digest}`, actions, signal });
  await discardBody(response);
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw await errorFromResponse(response, `blob ${digest}`);
  const size = Number(header(response.headers, 'content-length'));
  return Number.isFinite(size) ? size : -1;
}

/**
 * Puts a blob into a repository the cheapest way available: nothing if it is there (HEAD), a cross-repository
 * mount if `mountFrom` has it, else an upload session (POST) finished by one PUT (monolithic) or PATCH chunks
 * and a closing PUT, both with `?digest=`. The content is hashed on the way out and must match the descriptor;
 * the registry's `Docker-Content-Digest` must match too. Retryable failures restart the session.
 */
export async function uploadBlob(
  api: RegistryApi,
  target: PullSource,
  descriptor: Descriptor,
  content: BlobContent,
  options: UploadOptions = {},
): Promise<UploadOutcome> {
  const { signal } = options;
  const existing = await blobExists(api, target, descriptor.digest, ['pull', 'push'], signal);
  if (existing !== undefined) return 'exists';
  const restarts = options.restarts ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      return await uploadOnce(api, target, descriptor, content, options);
    } catch (error) {
      const retryable = error instanceof RegistryError && error.retryable;
      if (signal?.aborted || !retryable || attempt >= restarts) throw error;
    }
  }
}

async function uploadOnce(
  api: RegistryApi,
  target: PullSource,
  descriptor: Descriptor,
  content: BlobContent,
  options: UploadOptions,
): Promise<UploadOutcome> {
  const { signal } = options;
  const what = `upload of blob ${descriptor.digest} to ${target.registry}/${target.repository}`;
  const mount =
    options.mountFrom && options.mountFrom.registry === target.registry ? options.mountFrom : undefined;
  const query = mount
    ? `?mount=${encodeURIComponent(descriptor.digest)}&from=${encodeURIComponent(mount.repository)}`
    : '';
  const started = await api.request(target, {
    method: 'POST',
    path: `blobs/uploads/${query}`,
    headers: { 'content-length': '0' },
    actions: ['pull', 'push'],
    extraScopes: mount ? [repositoryScope(mount.repository, ['pull'])] : undefined,
    signal,
  });
  if (started.status === 201 && mount) {
    await discardBody(started);
    return 'mounted';
  }
  if (started.status !== 202) throw await errorFromResponse(started, what, uploadCode(started));
  let location = await nextLocation(api, target, started, what);
  await discardBody(started);

  let finished: HttpResponse;
  if (options.chunkSize && descriptor.size > options.chunkSize) {
    const verifier = new DigestVerifier(descriptor);
    const stream = verified(content, verifier, descriptor, options.onProgress);
    let offset = 0;
    for await (const chunk of chunked(stream, options.chunkSize)) {
      const patched = await api.request(target, {
        url: location,
        method: 'PATCH',
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(chunk.length),
          'content-range': `${offset}-${offset + chunk.length - 1}`,
        },
        body: chunk,
        actions: ['pull', 'push'],
        signal,
      });
      if (patched.status !== 202) throw await errorFromResponse(patched, what, uploadCode(patched));
      const range = header(patched.headers, 'range');
      if (range && range !== `0-${offset + chunk.length - 1}`) {
        await discardBody(patched);
        throw new RegistryError(
          'PROTOCOL',
          `${what}: registry has range ${range} after ${offset + chunk.length} bytes`,
        );
      }
      location = await nextLocation(api, target, patched, what);
      await discardBody(patched);
      offset += chunk.length;
    }
    verifier.finish();
    finished = await api.request(target, {
      url: withDigest(location, descriptor.digest),
      method: 'PUT',
      headers: { 'content-length': '0' },
      actions: ['pull', 'push'],
      signal,
    });
  } else {
    // One PUT with the whole stream; every attempt of the retry layer reopens and re-verifies the content.
    let verifier = new DigestVerifier(descriptor);
    finished = await api.request(target, {
      url: withDigest(location, descriptor.digest),
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(descriptor.size) },
      body: () => {
        verifier = new DigestVerifier(descriptor);
        return verified(content, verifier, descriptor, options.onProgress);
      },
      actions: ['pull', 'push'],
      signal,
    });
    if (finished.status === 201) verifier.finish();
  }
  if (finished.status !== 201) throw await errorFromResponse(finished, what, uploadCode(finished));
  await discardBody(finished);
  const claimed = header(finished.headers, 'docker-content-digest');
  if (claimed && claimed !== descriptor.digest) {
    throw new RegistryError('DIGEST_MISMATCH', `${what}: registry stored it as ${claimed}`, {
      retryable: false,
    });
  }
  return 'uploaded';
}

function uploadCode(response: HttpResponse) {
  return response.status === 400 ? { code: 'UPLOAD_FAILED' as const } : undefined;
}

async function nextLocation(
  api: RegistryApi,
  target: PullSource,
  response: HttpResponse,
  what: string,
): Promise<URL> {
  const location = header(response.headers, 'location');
  if (!location) {
    await discardBody(response);
    throw new RegistryError('PROTOCOL', `${what}: registry sent no upload Location`, { retryable: false });
  }
  return api.resolveLocation(target, location);
}

function withDigest(location: URL, digest: Digest): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}

/**
 * The content as a stream that hashes and counts bytes on their way to the registry, failing as soon as they
 * exceed the descriptor's size.
 */
function verified(
  content: BlobContent,
  verifier: DigestVerifier,
  descriptor: Descriptor,
  onProgress?: (bytes: number, total: number) => void,
): Readable {
  return Readable.from(
    (async function* () {
      const stream = await content();
      for await (const chunk of stream) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        verifier.update(buf);
        onProgress?.(verifier.received, descriptor.size);
        yield buf;
      }
    })(),
    { objectMode: false },
  );
}

/** Regroups a stream into buffers of exactly `size` bytes (the last may be shorter); holds one chunk at most. */
async function* chunked(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const data of stream) {
    let buf = data as Buffer;
    while (buf.length > 0) {
      const take = Math.min(size - length, buf.length);
      parts.push(buf.subarray(0, take));
      length += take;
      buf = buf.subarray(take);
      if (length === size) {
        yield Buffer.concat(parts, length);
        parts = [];
        length = 0;
      }
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
