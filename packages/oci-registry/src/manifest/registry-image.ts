import type { Readable } from 'node:stream';
import type {
  Descriptor,
  Image,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Index,
  OpenOptions,
  Platform,
  PlatformMatch,
} from '@isar/oci-spec';
import type { PullSource } from '../mirror/pull-sources.js';
import type { Reference } from '../reference/reference.js';

/** A single-platform image read from a registry (lazy: layers are opened as verified streams on demand). */
export interface RegistryImage extends Image {
  /** The reference that was asked for. */
  readonly reference: Reference;
  /** The platform of this image: the index entry's when chosen from an index, else the config's. */
  readonly platform: Platform;
  /** How the platform was chosen from the index (absent for a single-platform reference). */
  readonly platformMatch: PlatformMatch | undefined;
  /** The index the image was chosen from, when the reference named one. */
  readonly index: RegistryIndex | undefined;
  /** Where the manifest was read (a mirror or the primary). */
  readonly source: PullSource;
}

/** An index (or Docker manifest list) read from a registry, with its exact bytes. */
export interface RegistryIndex extends Index {
  readonly reference: Reference;
  readonly source: PullSource;
}

export interface RegistryImageParts {
  readonly reference: Reference;
  readonly descriptor: Descriptor;
  readonly rawManifest: Uint8Array;
  readonly manifest: ImageManifest;
  readonly rawConfig: Uint8Array;
  readonly config: ImageConfig;
  readonly platform: Platform;
  readonly platformMatch: PlatformMatch | undefined;
  readonly index: RegistryIndex | undefined;
  readonly source: PullSource;
  readonly openBlob: (descriptor: Descriptor, options?: OpenOptions) => Promise<Readable>;
}

export function registryImage(parts: RegistryImageParts): RegistryImage {
  const { openBlob, ...fields } = parts;
  return {
    ...fields,
    openLayer(layer: Descriptor, options?: OpenOptions): Promise<Readable> {
      return openBlob(layer, options);
    },
  };
}

export function registryIndex(
  reference: Reference,
  descriptor: Descriptor,
  rawIndex: Uint8Array,
  index: ImageIndex,
  source: PullSource,
): RegistryIndex {
  return { reference, descriptor, rawIndex, index, source };
}
