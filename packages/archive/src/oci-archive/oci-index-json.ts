import { type Descriptor, MediaType } from '@isar/oci-spec';
import type { RepoTag } from '../repo-tag.js';

export const refNameAnnotation = 'org.opencontainers.image.ref.name';
export const containerdNameAnnotation = 'io.containerd.image.name';

/** `oci-layout`: the marker file of an OCI image layout. */
export const ociLayoutJson = Buffer.from('{"imageLayoutVersion":"1.0.0"}');

/**
 * The layout's `index.json`: one entry per repo tag, each pointing at the archived image (or at the original
 * index when all platforms are kept), annotated with the tag (`org.opencontainers.image.ref.name`, what
 * `skopeo ... oci-archive:<file>:<tag>` looks up) and the full name (`io.containerd.image.name`, what
 * containerd and docker 25 use). Without repo tags, one unannotated entry.
 */
export function ociIndexJson(target: Descriptor, repoTags: readonly RepoTag[]): Buffer {
  const base: Descriptor = {
    mediaType: target.mediaType,
    digest: target.digest,
    size: target.size,
    ...(target.platform ? { platform: target.platform } : {}),
  };
  const manifests =
    repoTags.length === 0
      ? [base]
      : repoTags.map((tag) => ({
          ...base,
          annotations: { [containerdNameAnnotation]: tag.full, [refNameAnnotation]: tag.tag },
        }));
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
}
