import type { ArchiveContents } from '@isar/archive';
import type { PlannedImage } from '../archive/image-plan.js';
import type { EngineName } from '../config/settings.js';
import type { ImageName } from '../inputs/image-name.js';

/** An archive that passed verification, with whatever the engine prepared while it streamed past. */
export interface PreparedArchive {
  path: string;
  contents: ArchiveContents;
  /** Removes what the engine staged for this archive (temp files); safe to call twice. */
  dispose(): Promise<void>;
}

/** What one name ended up as in the engine, confirmed by looking it up again after the load. */
export interface LoadedImage {
  /** Fully qualified `registry/repository:tag` as listed or carried by the archive. */
  name: string;
  /** Where it is now: the engine's name for it, or `<registry>/<repository>:<tag>` for a registry. */
  target: string;
  /** Image ID (config digest) in docker/podman; manifest digest in a registry. */
  digest: string;
  /** The registry engine rebuilt the manifest (docker-archive layers compressed): a new digest. */
  newDigest?: boolean;
}

/**
 * Where images go. Engines are reached the way their own tools are (the docker/podman CLI with the
 * environment passed through, a registry over HTTP), so tests point them at private instances.
 */
export interface Engine {
  readonly name: EngineName;
  /** Checks once, before any image, that the engine answers; throws `ENGINE_UNAVAILABLE` if not. */
  probe(signal?: AbortSignal): Promise<void>;
  /** How the engine names an image (`debian:bookworm` in docker, `127.0.0.1:5000/library/debian:bookworm`...). */
  targetName(name: ImageName): string;
  /** The ID/digest the engine holds under that name, or `undefined` when it does not have it. */
  lookup(name: ImageName, signal?: AbortSignal): Promise<string | undefined>;
  /** Verifies the archive (and stages what the engine needs from it in the same pass). */
  prepare(path: string, signal?: AbortSignal): Promise<PreparedArchive>;
  /**
   * Loads the planned images and confirms each is present under its name afterwards; throws when the load or
   * the confirmation fails. Never leaves a name pointing at a partly loaded image.
   */
  load(archive: PreparedArchive, plan: readonly PlannedImage[], signal?: AbortSignal): Promise<LoadedImage[]>;
  close(): Promise<void>;
}
