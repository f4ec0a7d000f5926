import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { type Digest, isDigest } from '@isar/oci-spec';
import { publishAtomically } from '../store/atomic-file.js';
import type { ArchiveFormat } from './fetch-options.js';

/**
 * What we know about a published archive, kept next to it as `<archive>.isar-fetch.json` (bitbake's own
 * `<file>.done` stamps use another suffix). It makes a repeat fetch of a digest-pinned URL a cache hit with no
 * network and no reading of the archive: the record is written only after the archive was renamed into place,
 * and it names the archive's size, mtime and inode, so an archive replaced or truncated by anything else
 * (another tool, a copy from elsewhere) no longer matches and is fetched again.
 */
export interface PublishedRecord {
  version: 1;
  format: ArchiveFormat;
  reference: string;
  indexDigest: Digest;
  manifestDigest: Digest;
  platform: string;
  /**
   * The `docker://` URL it was fetched with, as the SBOM names it (`formatDockerUrl`). Absent in records of
   * older versions.
   */
  url?: string;
  /**
   * The registry's layer digests, in manifest order: a docker-archive keeps only the uncompressed diff_ids, so
   * an SBOM made from the archive later takes the digests from here. Absent in records of older versions.
   */
  layers?: Digest[];
  /** Of the archive file, as `stat` saw it right after the rename. */
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Where the record of a published archive lives: `<archive>.isar-fetch.json`, next to it. */
export function recordPathOf(archivePath: string): string {
  return `${archivePath}.isar-fetch.json`;
}

/** The record of `archivePath`, when it exists and still describes the file there; else undefined. */
export async function readValidRecord(archivePath: string): Promise<PublishedRecord | undefined> {
  let record: Partial<PublishedRecord>;
  try {
    record = JSON.parse(await readFile(recordPathOf(archivePath), 'utf8')) as Partial<PublishedRecord>;
  } catch {
    return undefined;
  }
  if (
    record.version !== 1 ||
    (record.format !== 'docker-archive' && record.format !== 'oci') ||
    typeof record.reference !== 'string' ||
    typeof record.platform !== 'string' ||
    typeof record.indexDigest !== 'string' ||
    !isDigest(record.indexDigest) ||
    typeof record.manifestDigest !== 'string' ||
    !isDigest(record.manifestDigest) ||
    (record.url !== undefined && typeof record.url !== 'string') ||
    (record.layers !== undefined &&
      !(Array.isArray(record.layers) && record.layers.every((d) => typeof d === 'string' && isDigest(d))))
  ) {
    return undefined;
  }
  try {
    const info = await stat(archivePath);
    if (!info.isFile() || info.size !== record.size || info.mtimeMs !== record.mtimeMs) return undefined;
    if (info.ino !== record.ino) return undefined;
  } catch {
    return undefined;
  }
  return record as PublishedRecord;
}

/** Writes the record of a freshly published archive (atomically, so a reader sees all of it or none). */
export async function writeRecord(
  archivePath: string,
  fields: Omit<PublishedRecord, 'version' | 'size' | 'mtimeMs' | 'ino'>,
): Promise<PublishedRecord> {
  const info = await stat(archivePath);
  const record: PublishedRecord = {
    version: 1,
    ...fields,
    size: info.size,
    mtimeMs: info.mtimeMs,
    ino: info.ino,
  };
  await publishAtomically(recordPathOf(archivePath), (temp) =>
    writeFile(temp, `${JSON.stringify(record, null, 2)}\n`),
  );
  return record;
}

/** Removes the record before the archive is replaced, so no moment pairs an old record with a new file. */
export async function removeRecord(archivePath: string): Promise<void> {
  await unlink(recordPathOf(archivePath)).catch(() => {});
}
