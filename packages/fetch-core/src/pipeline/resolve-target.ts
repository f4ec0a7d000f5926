import type { Reference, RegistryClient } from '@isar/oci-registry';
import type { Digest } from '@isar/oci-spec';
import {
  type ChecksumPolicy,
  type ChecksumVerdict,
  checkChecksum,
  needsTagResolution,
} from '../policy/checksum-policy.js';
import type { DockerUrl } from '../url/docker-url.js';

/** What to pull, decided before any image data moves. */
export interface ResolvedTarget {
  /** The URL's reference pinned to the digest to pull: content is always pulled by digest. */
  reference: Reference & { digest: Digest };
  /** The top digest: what the tag resolved to, or the pinned digest. */
  indexDigest: Digest;
  /** The digest the tag points at now, when it was asked (no digest, or `;tag=` with a digest). */
  tagDigest: Digest | undefined;
  verdict: ChecksumVerdict & { kind: 'ok' | 'warn' };
}

/**
 * Resolves the tag with a HEAD request when the URL needs it (no digest to pull by, or a digest to check the
 * tag against), applies the checksum policy, and throws its error (`MISSING_CHECKSUM`, `CHECKSUM_MISMATCH`).
 */
export async function resolveTarget(
  url: DockerUrl,
  client: RegistryClient,
  policy: ChecksumPolicy,
  signal?: AbortSignal,
): Promise<ResolvedTarget> {
  let tagDigest: Digest | undefined;
  if (needsTagResolution(url)) {
    const { digest: _pinned, ...byTag } = url.reference;
    tagDigest = (await client.resolve(byTag, { signal })).digest;
  }
  const verdict = checkChecksum(url, tagDigest, policy);
  if (verdict.kind === 'error') throw verdict.error;
  return {
    reference: { ...url.reference, digest: verdict.digest },
    indexDigest: verdict.digest,
    tagDigest,
    verdict,
  };
}
