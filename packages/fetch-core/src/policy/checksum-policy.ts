import type { Digest } from '@isar/oci-spec';
import { FetchCoreError } from '../errors.js';
import type { DockerUrl } from '../url/docker-url.js';
import { srcUriLine, urlWithDigest } from '../url/format-docker-url.js';
import { redactDockerUrl } from '../url/redact.js';

/** `BB_STRICT_CHECKSUM` values: `1` = a missing digest is an error, `0` = a warning, `ignore` = silent. */
export type ChecksumPolicy = '1' | '0' | 'ignore';

/** bitbake's default for `BB_STRICT_CHECKSUM`: a URL without digest is fetched with a warning. */
export const DEFAULT_CHECKSUM_POLICY: ChecksumPolicy = '0';

/** Strict parser for a flag value: `1`, `0`, `ignore`; empty or absent means the default `0`. */
export function parseChecksumPolicy(value: string | undefined): ChecksumPolicy {
  if (value === undefined || value === '') return DEFAULT_CHECKSUM_POLICY;
  if (value === '1' || value === '0' || value === 'ignore') return value;
  throw new FetchCoreError('INVALID_POLICY', `invalid checksum policy "${value}" (expected 1, 0 or ignore)`);
}

/** As bitbake reads `BB_STRICT_CHECKSUM`: `1` and `ignore` mean themselves, anything else is `0`. */
export function checksumPolicyFromEnv(value: string | undefined): ChecksumPolicy {
  return value === '1' || value === 'ignore' ? value : DEFAULT_CHECKSUM_POLICY;
}

/** Whether the tag must be resolved at the registry: no digest to pull by, or a digest to check the tag against. */
export function needsTagResolution(url: Pick<DockerUrl, 'digest' | 'tagExplicit'>): boolean {
  return url.digest === undefined || url.tagExplicit;
}

/**
 * What to do about a URL's checksum. `digest` is what to pull by: the pinned one, or the one the tag resolved
 * to. `srcUriLine` is the recipe line that pins `digest` (also for `ok` without a pin, so a caller can fire
 * bitbake's `MissingChecksumEvent` under `ignore`, as upstream does).
 */
export type ChecksumVerdict =
  | { readonly kind: 'ok'; readonly digest: Digest; readonly pinned: boolean; readonly srcUriLine?: string }
  | { readonly kind: 'warn'; readonly digest: Digest; readonly srcUriLine: string; readonly message: string }
  | {
      readonly kind: 'error';
      readonly digest: Digest;
      readonly srcUriLine: string;
      readonly error: FetchCoreError;
    };

/**
 * Applies the checksum policy, as upstream's fetcher does. `resolved` is the digest of the tag's top manifest
 * (the index for a multi-arch image); it may be omitted only when {@link needsTagResolution} is false.
 * - digest pinned, tag not given: ok (the image is pulled by digest, the tag only names it).
 * - digest pinned and `;tag=` given: ok when the tag still resolves to it, else a `CHECKSUM_MISMATCH` error
 *   naming both digests and the line that would pin the new one (whatever the policy).
 * - no digest: policy `1` -> `MISSING_CHECKSUM` error, `0` -> warning, `ignore` -> ok; all carry the line
 *   `SRC_URI = "<url>;digest=<resolved>"`.
 */
export function checkChecksum(
  url: DockerUrl,
  resolved: Digest | undefined,
  policy: ChecksumPolicy,
): ChecksumVerdict {
  if (url.digest !== undefined && !url.tagExplicit) return { kind: 'ok', digest: url.digest, pinned: true };
  if (resolved === undefined) {
    throw new TypeError(`checkChecksum: the tag of ${redactDockerUrl(url.url)} must be resolved first`);
  }
  const line = srcUriLine(urlWithDigest(url, resolved));
  const shown = redactDockerUrl(url.url);
  if (url.digest !== undefined) {
    if (url.digest === resolved) return { kind: 'ok', digest: url.digest, pinned: true };
    const error = new FetchCoreError(
      'CHECKSUM_MISMATCH',
      `Checksum mismatch for '${shown}': tag '${url.tag}' now points at ${resolved}, but the recipe pins ${url.digest}; if the new image is intended, use this SRC_URI in the recipe: ${line}`,
      { srcUriLine: line },
    );
    return { kind: 'error', digest: url.digest, srcUriLine: line, error };
  }
  if (policy === '1') {
    const error = new FetchCoreError(
      'MISSING_CHECKSUM',
      `Missing checksum for '${shown}' and BB_STRICT_CHECKSUM is 1, use this SRC_URI in the recipe: ${line}`,
      { srcUriLine: line },
    );
    return { kind: 'error', digest: resolved, srcUriLine: line, error };
  }
  if (policy === 'ignore') return { kind: 'ok', digest: resolved, pinned: false, srcUriLine: line };
  return {
    kind: 'warn',
    digest: resolved,
    srcUriLine: line,
    message: `Missing checksum for '${shown}', consider using this SRC_URI in the recipe: ${line}`,
  };
}
