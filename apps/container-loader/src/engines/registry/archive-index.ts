import type { ArchiveContents, ArchiveImage } from '@isar/archive';
import { type Digest, type ImageIndex, type Index, isIndexMediaType } from '@isar/oci-spec';

/** An image index an archive carries whole, and its images in index order. */
export interface ArchiveIndex {
  index: Index;
  images: ArchiveImage[];
}

/**
 * The image index an archive keeps around `image` (an `oci` archive written with every platform), when the
 * archive holds every image the index lists: then the registry can get the whole multi-platform image under the
 * tag, with the index's own digest. An index listing something the archive does not carry as an image
 * (attestations, nested indexes) is not pushable as is: `undefined`, and the single image is pushed instead.
 */
export function archiveIndexOf(contents: ArchiveContents, image: ArchiveImage): ArchiveIndex | undefined {
  if (!image.manifestDigest) return undefined;
  const byDigest = new Map(contents.images.map((each) => [each.manifestDigest, each]));
  for (const entry of contents.ociIndex ?? []) {
    if (!entry.rawIndex || !isIndexMediaType(entry.mediaType)) continue;
    const parsed = JSON.parse(entry.rawIndex.toString('utf8')) as ImageIndex;
    const listed = parsed.manifests.map((descriptor) => byDigest.get(descriptor.digest as Digest));
    if (!parsed.manifests.some((descriptor) => descriptor.digest === image.manifestDigest)) continue;
    if (listed.some((each) => each === undefined)) return undefined;
    return {
      index: {
        descriptor: { mediaType: entry.mediaType, digest: entry.digest, size: entry.size },
        rawIndex: entry.rawIndex,
        index: parsed,
      },
      images: listed as ArchiveImage[],
    };
  }
  return undefined;
}
