import {
  type Descriptor,
  type Digest,
  digestAlgorithm,
  isDigest,
  isSchema1MediaType,
  manifestAccept,
} from '@isar/oci-spec';
import { digestOf } from '../blob/digest-verifier.js';
import type { RegistryApi } from '../client/registry-api.js';
import { RegistryError } from '../errors/registry-error.js';
import { errorFromResponse } from '../errors/response-error.js';
import { discardBody, readBodyLimited } from '../http/body.js';
import { header } from '../http/types.js';
import type { PullSource } from '../mirror/pull-sources.js';
import { isValidTag } from '../reference/grammar.js';
import { type ManifestDocument, parseManifestDocument } from './manifest-document.js';

/** Manifests (and indexes) larger than this are refused, as by containers/image and Distribution. */
export const MANIFEST_SIZE_LIMIT = 4 * 1024 * 1024;

/** A manifest as fetched: its exact bytes, their descriptor, the parsed document and where it came from. */
export type FetchedManifest = ManifestDocument & {
  readonly descriptor: Descriptor;
  readonly bytes: Uint8Array;
  readonly source: PullSource;
};

/**
 * A manifest reference goes into a URL path: it must be a tag (`[\w][\w.-]{0,127}`) or a digest of the strict
 * grammar. Anything else (`sha256:../../x`) would name another path on the registry, and, not being a digest,
 * would not be verified.
 */
function checkManifestReference(reference: string): void {
  if (!isDigest(reference) && !isValidTag(reference)) {
    throw new RegistryError('PROTOCOL', `"${reference}" is neither a tag nor a valid digest`, {
      retryable: false,
    });
  }
}

/**
 * GETs a manifest by tag or digest with our Accept list. By digest, the bytes must hash to it; by tag, they must
 * hash to `Docker-Content-Digest` when the registry sends one (in that header's algorithm).
 */
export async function fetchManifest(
  api: RegistryApi,
  source: PullSource,
  reference: string,
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  checkManifestReference(reference);
  const what = `manifest ${source.registry}/${source.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  const response = await api.request(source, {
    method: 'GET',
    path: `manifests/${reference}`,
    headers: { accept: manifestAccept },
    actions: ['pull'],
    signal,
  });
  if (response.status !== 200) throw await errorFromResponse(response, what);
  const contentType = header(response.headers, 'content-type');
  const bytes = await readBodyLimited(response, MANIFEST_SIZE_LIMIT, what);
  const where = { method: 'GET', url: response.url };
  // Schema 1 first: its signed form never hashes to its digest, and the user needs to hear "schema 1".
  if (isSchema1MediaType(contentType?.split(';')[0]?.trim()) || looksLikeSchema1(bytes)) {
    parseManifestDocument(bytes, contentType, what);
  }
  // Verify the bytes before parsing them: a corrupted document must say "digest mismatch", not "bad JSON".
  let digest: Digest;
  if (isDigest(reference)) {
    digest = reference;
    const actual = digestOf(bytes, digestAlgorithm(digest));
    if (actual !== digest) {
      throw new RegistryError('DIGEST_MISMATCH', `${what} hashes to ${actual}`, {
        ...where,
        retryable: false,
      });
    }
  } else {
    const claimed = header(response.headers, 'docker-content-digest');
    if (claimed && isDigest(claimed)) {
      const actual = digestOf(bytes, digestAlgorithm(claimed));
      if (actual !== claimed) {
        throw new RegistryError(
          'DIGEST_MISMATCH',
          `${what} hashes to ${actual} but the registry says Docker-Content-Digest ${claimed}`,
          { ...where, retryable: false },
        );
      }
      digest = claimed;
    } else {
      digest = digestOf(bytes);
    }
  }
  const document = parseManifestDocument(bytes, contentType, what);
  return {
    ...document,
    descriptor: { mediaType: document.mediaType, digest, size: bytes.length },
    bytes,
    source,
  };
}

/**
 * HEADs a manifest: the cheap way to resolve a tag (no body; Docker Hub does not count HEADs against the pull
 * limit). Returns `undefined` when the registry does not send `Docker-Content-Digest`, so the caller falls back to
 * a GET.
 */
export async function headManifest(
  api: RegistryApi,
  source: PullSource,
  reference: string,
  signal?: AbortSignal,
): Promise<Descriptor | undefined> {
  checkManifestReference(reference);
  const what = `manifest ${source.registry}/${source.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  const response = await api.request(source, {
    method: 'HEAD',
    path: `manifests/${reference}`,
    headers: { accept: manifestAccept },
    actions: ['pull'],
    signal,
  });
  await discardBody(response);
  if (response.status !== 200) throw await errorFromResponse(response, what);
  const mediaType = header(response.headers, 'content-type')?.split(';')[0]?.trim();
  if (isSchema1MediaType(mediaType)) {
    throw new RegistryError('UNSUPPORTED_SCHEMA1', `${what} is a schema 1 manifest`, {
      method: 'HEAD',
      url: response.url,
      retryable: false,
      hint: 'Docker schema 1 manifests are obsolete and not supported; re-push the image with a current tool',
    });
  }
  const digest = header(response.headers, 'docker-content-digest');
  const size = Number(header(response.headers, 'content-length'));
  if (!digest || !isDigest(digest) || !mediaType || !Number.isInteger(size) || size <= 0) return undefined;
  if (isDigest(reference) && digest !== reference) {
    throw new RegistryError('DIGEST_MISMATCH', `${what}: registry answered with digest ${digest}`, {
      method: 'HEAD',
      url: response.url,
      retryable: false,
    });
  }
  if (size > MANIFEST_SIZE_LIMIT) {
    throw new RegistryError('TOO_LARGE', `${what} is ${size} bytes, more than ${MANIFEST_SIZE_LIMIT}`, {
      method: 'HEAD',
      url: response.url,
    });
  }
  return { mediaType, digest, size };
}

function looksLikeSchema1(bytes: Uint8Array): boolean {
  try {
    return (
      (JSON.parse(Buffer.from(bytes).toString('utf8')) as { schemaVersion?: unknown }).schemaVersion === 1
    );
  } catch {
    return false;
  }
}
