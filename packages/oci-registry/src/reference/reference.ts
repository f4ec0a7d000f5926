import type { Digest } from '@isar/oci-spec';

/**
 * A parsed, normalised image reference. Nothing below the CLI handles raw image strings: parse once with
 * `parseReference` (or fetch-core's `docker://` URL parser) and pass this around.
 */
export interface Reference {
  /** Registry as users name it, normalised: `docker.io` for Docker Hub, `quay.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Repository path inside the registry, normalised: `library/debian`, `libpod/alpine`. */
  readonly repository: string;
  /** Tag, when the reference names one (a digest-only reference may have none). */
  readonly tag?: string;
  /** Digest, when the reference pins one; content is then always fetched by digest. */
  readonly digest?: Digest;
}

/** The registry Docker Hub's names resolve to. */
export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API is actually served. */
export const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';
/** The tag a reference without tag or digest means, as in docker and skopeo. */
export const DEFAULT_TAG = 'latest';
