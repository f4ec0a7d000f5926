import { type Descriptor, type Digest, digestAlgorithm, isDigest } from '@isar/oci-spec';
import { digestOf } from '../blob/digest-verifier.js';
import type { RegistryApi } from '../client/registry-api.js';
import { RegistryError } from '../errors/registry-error.js';
import { errorFromResponse } from '../errors/response-error.js';
import { discardBody } from '../http/body.js';
import { header } from '../http/types.js';
import { MANIFEST_SIZE_LIMIT } from '../manifest/manifest-fetcher.js';
import type { PullSource } from '../mirror/pull-sources.js';

/**
 * PUTs manifest bytes (exactly as given: their digest is the image's identity) under a tag or a digest. Pushing
 * by digest requires the bytes to hash to it; the registry's `Docker-Content-Digest` must agree with ours.
 */
export async function putManifest(
  api: RegistryApi,
  target: PullSource,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
  signal?: AbortSignal,
): Promise<Descriptor> {
  const what = `manifest ${target.registry}/${target.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  if (bytes.length > MANIFEST_SIZE_LIMIT) {
    throw new RegistryError(
      'TOO_LARGE',
      `${what} is ${bytes.length} bytes, more than ${MANIFEST_SIZE_LIMIT}`,
    );
  }
  const digest: Digest = isDigest(reference) ? reference : digestOf(bytes);
  if (isDigest(reference) && digestOf(bytes, digestAlgorithm(reference)) !== reference) {
    throw new RegistryError(
      'DIGEST_MISMATCH',
      `${what}: the bytes do not hash to the digest they are pushed under`,
      {
        retryable: false,
      },
    );
  }
  const response = await api.request(target, {
    method: 'PUT',
    path: `manifests/${reference}`,
    headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
    body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    actions: ['pull', 'push'],
    signal,
  });
  if (response.status !== 201) {
    throw await errorFromResponse(
      response,
      what,
      response.status === 400 ? { code: 'UPLOAD_FAILED' } : undefined,
    );
  }
  await discardBody(response);
  const claimed = header(response.headers, 'docker-content-digest');
  if (claimed && isDigest(claimed) && claimed !== digestOf(bytes, digestAlgorithm(claimed))) {
    throw new RegistryError(
      'DIGEST_MISMATCH',
      `${what}: registry stored it as ${claimed}, we sent ${digest}`,
      {
        retryable: false,
      },
    );
  }
  return { mediaType, digest, size: bytes.length };
}
