import { posix } from 'node:path';
import type { Digest, ImageConfig, Platform } from '@isar/oci-spec';
import { ArchiveError } from '../errors.js';
import { isRecord } from '../internal/json.js';
import { parseRepoTag } from '../repo-tag.js';
import type { ArchiveLayer } from './archive-contents.js';
import type { WalkedEntry } from './tar-walk.js';

export function configDiffIds(config: ImageConfig, where: string, layers: number): Digest[] {
  const diffIds = isRecord(config) && isRecord(config.rootfs) ? config.rootfs.diff_ids : undefined;
  if (!Array.isArray(diffIds) || diffIds.length !== layers || !diffIds.every((d) => typeof d === 'string')) {
    throw new ArchiveError(
      'INVALID_ARCHIVE',
      `${where}: config lists ${Array.isArray(diffIds) ? diffIds.length : 'no'} diff_ids for ${layers} layers`,
    );
  }
  return diffIds;
}

export function configPlatform(config: ImageConfig): Platform {
  return {
    os: String(config.os),
    architecture: String(config.architecture),
    ...(config.variant ? { variant: String(config.variant) } : {}),
  };
}

/** How a layer entry proves its diff_id; throws when it cannot. */
export function verifyLayer(
  entry: WalkedEntry,
  diffId: Digest,
  deep: boolean,
  where: string,
): ArchiveLayer['verifiedBy'] {
  if (entry.digest === diffId || entry.uncompressedDigest === diffId) return 'diff_id';
  if (entry.inspectionError) {
    const cause = entry.inspectionError as Error;
    throw new ArchiveError(
      'CORRUPT_DATA',
      `${where}: layer "${entry.name}" does not decompress: ${cause.message}`,
      { cause },
    );
  }
  if (entry.name.startsWith('blobs/') && !deep && entry.compression) return 'blob';
  throw new ArchiveError(
    'DIFF_ID_MISMATCH',
    `${where}: layer "${entry.name}" hashes to ${entry.uncompressedDigest ?? entry.digest}, config says ${diffId}`,
  );
}

/** manifest.json names entries relative to the archive root; refuse anything that would leave it. */
export function normalizeReference(name: string, where: string): string {
  const normalized = posix.normalize(name);
  if (normalized.startsWith('/') || normalized === '..' || normalized.startsWith('../')) {
    throw new ArchiveError('UNSAFE_ENTRY_NAME', `${where} names "${name}", outside the archive`);
  }
  return normalized.replace(/^\.\//, '');
}

/** Repo tags go to engines' command lines later: anything that is not a clean name:tag is refused. */
export function repoTagOf(tag: string): string {
  try {
    return parseRepoTag(tag).full;
  } catch (error) {
    throw new ArchiveError(
      'INVALID_ARCHIVE',
      `archive names an image "${tag.slice(0, 300)}": ${(error as Error).message}`,
      { cause: error },
    );
  }
}
