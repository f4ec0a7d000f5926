import { OciSpecError } from './errors.js';

/** The digest algorithms the OCI image spec registers (and registries serve). */
export type DigestAlgorithm = 'sha256' | 'sha512';

/** A content digest as `<algorithm>:<hex>`, e.g. `sha256:3f2a...`. Validated by {@link parseDigest}. */
export type Digest = `${DigestAlgorithm}:${string}`;

const hexLength: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

/** Parses and validates a digest string; throws {@link OciSpecError} naming what is wrong. */
export function parseDigest(value: string): Digest {
  const colon = value.indexOf(':');
  if (colon <= 0)
    throw new OciSpecError('INVALID_DIGEST', `invalid digest "${value}": expected <algorithm>:<hex>`);
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new OciSpecError(
      'INVALID_DIGEST',
      `invalid digest "${value}": unsupported algorithm "${algorithm}" (expected sha256 or sha512)`,
    );
  }
  const want = hexLength[algorithm];
  if (hex.length !== want || !/^[0-9a-f]+$/.test(hex)) {
    throw new OciSpecError(
      'INVALID_DIGEST',
      `invalid digest "${value}": ${algorithm} needs ${want} lowercase hex characters, got "${hex}"`,
    );
  }
  return value as Digest;
}

/** Whether `value` is a valid digest (the check of {@link parseDigest}, without the error). */
export function isDigest(value: string): value is Digest {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

/** The algorithm part of a digest: `sha256:ab...` -> `sha256`. */
export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

/** The hex part of a digest: `sha256:ab...` -> `ab...` (a blob's file name in an OCI layout). */
export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}
