import { type Digest, parseDigest } from '@isar/oci-spec';
import type { RegistryApi } from '../client/registry-api.js';
import type { Send } from '../http/types.js';
import type { PullSource } from '../mirror/pull-sources.js';
import type { BlobLocation } from './blob-reader.js';

function rangeHeaders(start: number): Record<string, string> {
  return start > 0 ? { range: `bytes=${start}-` } : {};
}

/**
 * A blob in a registry repository (a mirror or the primary), fetched with that registry's credentials. The
 * digest becomes part of the URL path: anything but a digest of the strict grammar is refused before a request.
 */
export function registryBlobLocation(api: RegistryApi, source: PullSource, digest: Digest): BlobLocation {
  return {
    describe: `${source.registry}/${source.repository}`,
    get: async (start, signal) =>
      api.request(source, {
        method: 'GET',
        path: `blobs/${parseDigest(digest)}`,
        headers: rangeHeaders(start),
        actions: ['pull'],
        signal,
      }),
  };
}

/**
 * A foreign (non-distributable) layer URL from a descriptor's `urls`: fetched without any registry credentials,
 * through the same retries and redirects. Only http(s) URLs are used.
 */
export function foreignBlobLocation(plainSend: Send, url: URL): BlobLocation {
  return {
    describe: url.origin,
    get: (start, signal) => plainSend({ method: 'GET', url, headers: rangeHeaders(start), signal }),
  };
}

/** The usable foreign URLs of a descriptor, in order. */
export function foreignUrls(urls: readonly string[] | undefined): URL[] {
  const out: URL[] = [];
  for (const raw of urls ?? []) {
    try {
      const url = new URL(raw);
      if (url.protocol === 'https:' || url.protocol === 'http:') out.push(url);
    } catch {
      // An unparsable URL is skipped; the registry remains as the fallback.
    }
  }
  return out;
}
