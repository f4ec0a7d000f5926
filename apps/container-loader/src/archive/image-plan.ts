import type { ArchiveContents, ArchiveImage } from '@isar/archive';
import { describeError, LoaderError } from '../errors.js';
import { type ImageName, parseImageName } from '../inputs/image-name.js';

/** One name an engine must hold after the load, and the image of the archive that must be behind it. */
export interface PlannedImage {
  name: ImageName;
  image: ArchiveImage;
  /** The archive does not carry this name (image.list renamed it): tag the image after loading. */
  retag: boolean;
}

/**
 * The images an engine loads from an archive: those in manifest.json (what `docker load` reads), or, for a
 * bare OCI layout, those of index.json. Other platforms kept in an `oci` archive's index are not loaded.
 */
export function loadableImages(contents: ArchiveContents): ArchiveImage[] {
  const docker = contents.images.filter((image) => image.inDockerManifest);
  return docker.length > 0 ? docker : contents.images;
}

/** The parsed RepoTags of an image; a tag the reader passed but we cannot parse is an archive problem. */
export function imageNames(image: ArchiveImage): ImageName[] {
  return image.repoTags.map((tag) => {
    try {
      return parseImageName(tag);
    } catch (error) {
      throw new LoaderError('ARCHIVE_INVALID', `archive names an image "${tag}": ${describeError(error)}`, {
        cause: error,
      });
    }
  });
}

/**
 * Decides which names the load must produce. With a name from image.list: the image carrying that name, or
 * the archive's only image (then tagged, as a renamed list entry expects). Without one (a scanned archive):
 * every name the archive carries.
 */
export function planImages(contents: ArchiveContents, expected: ImageName | undefined): PlannedImage[] {
  const images = loadableImages(contents);
  if (expected === undefined) {
    const planned = images.flatMap((image) =>
      imageNames(image).map((name) => ({ name, image, retag: false })),
    );
    if (planned.length === 0) {
      throw new LoaderError(
        'NAME_MISMATCH',
        'the archive names no image (no RepoTags or ref.name annotation): list it in image.list with a name',
      );
    }
    return dedupe(planned);
  }
  const carrier = images.find((image) => imageNames(image).some((name) => name.full === expected.full));
  if (carrier) return [{ name: expected, image: carrier, retag: false }];
  const [only, ...others] = images;
  if (only && others.length === 0) return [{ name: expected, image: only, retag: true }];
  const held = images.flatMap((image) => image.repoTags).join(', ') || 'no names';
  throw new LoaderError(
    'NAME_MISMATCH',
    `the archive holds ${images.length} images (${held}), none named ${expected.full}`,
  );
}

function dedupe(planned: PlannedImage[]): PlannedImage[] {
  const seen = new Set<string>();
  return planned.filter((p) => !seen.has(p.name.full) && seen.add(p.name.full));
}
