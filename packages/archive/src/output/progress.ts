import type { Digest } from '@isar/oci-spec';

/** Progress of a writer, one event per layer start and end (sizes are uncompressed for docker-archive). */
export type WriteProgress =
  | { type: 'layer-start'; index: number; digest: Digest; size: number }
  | { type: 'layer-done'; index: number; digest: Digest; size: number; tarBytes: number };
