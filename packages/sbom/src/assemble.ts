import { buildCycloneDx } from './cyclonedx.js';
import { SbomError } from './errors.js';
import { FinalTree } from './final-tree.js';
import type { ImageDescription } from './image-description.js';
import { type Inventory, takeInventory } from './inventory.js';
import type { LayerDelta } from './layer-delta.js';

/** What {@link describeArchive} and an {@link SbomCollector} found: the SBOM as JSON text and its facts. */
export interface ArchiveSbom {
  /** CycloneDX 1.6 JSON, ending with a newline. */
  json: string;
  image: ImageDescription;
  inventory: Inventory;
}

/**
 * The SBOM of an image from its layers' deltas, bottom first (undefined: a layer that was not read), applied
 * in that order. Shared by the archive reader path and the writer's tap, so both give the same bytes.
 */
export function assembleSbom(
  image: ImageDescription,
  deltas: readonly (LayerDelta | undefined)[],
  timestamp: Date | undefined,
): ArchiveSbom {
  const tree = new FinalTree();
  const problems: string[] = [];
  deltas.forEach((delta, index) => {
    if (!delta) {
      problems.push(
        `layer ${index} (${image.layers[index]?.digest}) was not recognised as a tar and was not read`,
      );
      return;
    }
    problems.push(...delta.problems);
    tree.apply(delta);
  });
  const inventory = takeInventory(tree);
  inventory.warnings.unshift(...problems);
  let json: string;
  try {
    json = buildCycloneDx(image, inventory, timestamp ? { timestamp } : {});
  } catch (error) {
    throw new SbomError(
      'BUILD_FAILED',
      `the CycloneDX document could not be built: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return { json, image, inventory };
}
