import { DEFAULT_TAG, formatReference, parseReference, type Reference } from '@isar/oci-registry';

/** An image name with a tag, normalised once (`debian:bookworm` -> `docker.io/library/debian:bookworm`). */
export interface ImageName {
  readonly reference: Reference & { readonly tag: string };
  /** Fully qualified `registry/repository:tag`: what podman stores and what reports print. */
  readonly full: string;
}

/**
 * Parses `name[:tag]` as image.list and archive RepoTags spell it. Digests cannot name what an engine stores
 * under a tag, so they are refused. Throws the registry package's `InvalidReferenceError` naming the bad part.
 */
export function parseImageName(value: string): ImageName {
  const parsed = parseReference(value);
  if (parsed.digest !== undefined) {
    throw new TypeError(`"${value}" names a digest; image.list needs <name>:<tag>`);
  }
  const reference = {
    registry: parsed.registry,
    repository: parsed.repository,
    tag: parsed.tag ?? DEFAULT_TAG,
  };
  return { reference, full: formatReference(reference) };
}
