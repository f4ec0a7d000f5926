import type { Readable } from 'node:stream';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from './types.js';

/** Options of {@link Image.openLayer}: `signal` aborts the open and the stream. */
export interface OpenOptions {
  signal?: AbortSignal;
}

/**
 * One single-platform image, lazily: manifest and config are small and held as the exact bytes that were
 * hashed; layers are opened as streams of the blob as stored (compressed) only when a sink asks for them.
 * Sources (a registry, an OCI layout, an archive) produce it; sinks (archive writers, a registry push) consume it.
 */
export interface Image {
  /** Descriptor of the manifest itself (digest of `rawManifest`). */
  readonly descriptor: Descriptor;
  readonly rawManifest: Uint8Array;
  readonly manifest: ImageManifest;
  readonly rawConfig: Uint8Array;
  readonly config: ImageConfig;
  /** Opens the stored bytes of one of `manifest.layers`. Implementations verify digest and size. */
  openLayer(layer: Descriptor, options?: OpenOptions): Promise<Readable>;
}

/** A multi-platform index with the exact bytes it was served as. */
export interface Index {
  readonly descriptor: Descriptor;
  readonly rawIndex: Uint8Array;
  readonly index: ImageIndex;
}
