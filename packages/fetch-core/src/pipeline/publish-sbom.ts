import { open, writeFile } from 'node:fs/promises';
import type { RegistryImage } from '@isar/oci-registry';
import { formatPlatform } from '@isar/oci-spec';
import type { ArchiveSbom, ImageDescription, SbomCollector } from '@isar/sbom';
import { publishAtomically, removeStaleTempFiles } from '../store/atomic-file.js';
import { acquireLock } from '../store/file-lock.js';
import { archiveLockPath } from '../store/lock-paths.js';
import type { DockerUrl } from '../url/docker-url.js';
import { formatDockerUrl } from '../url/format-docker-url.js';
import type { ArchiveTarget } from './download-and-write.js';
import { type PublishedRecord, readValidRecord } from './published-record.js';

/** Where the SBOM of an archive goes: beside it, `<archive>.cdx.json`. */
export function sbomPathOf(archivePath: string): string {
  return `${archivePath}.cdx.json`;
}

/**
 * Publishes the SBOM the collector gathered while the docker-archive was written (no second read), or, without
 * a collector (the oci format keeps layers compressed), reads the written archive once more for it. Either way
 * with what only the fetcher knows: the registry's manifest and index digests, the URL. An SBOM that cannot
 * be made never fails the fetch (the archive is what was asked for): the reason is returned instead.
 */
export async function publishSbom(
  plan: ArchiveTarget,
  image: RegistryImage,
  indexDigest: string,
  collector: SbomCollector | undefined,
  signal?: AbortSignal,
): Promise<{ path?: string; error?: unknown }> {
  try {
    const { parseRepoTag } = await import('@isar/archive');
    const repoTag = parseRepoTag(`${plan.url.containerName}:${plan.url.tag}`);
    const diffIds = image.config.rootfs.diff_ids;
    const manifestDigest = image.descriptor.digest;
    const description: ImageDescription = {
      repository: repoTag.name,
      tag: repoTag.tag,
      repoTags: [repoTag.full],
      manifestDigest,
      configDigest: image.manifest.config.digest,
      // A single-platform image's "index" digest is its manifest's: not an index.
      ...(indexDigest !== manifestDigest ? { indexDigest } : {}),
      platform: {
        os: image.platform.os,
        architecture: image.platform.architecture,
        ...(image.platform.variant ? { variant: image.platform.variant } : {}),
      },
      sourceUrl: formatDockerUrl(plan.url),
      layers: image.manifest.layers.map((layer, index) => ({
        digest: layer.digest,
        diffId: diffIds[index] ?? '',
      })),
    };
    const sbom = collector
      ? await collector.finish(description, signal ? { signal } : {})
      : await readSbom(plan.path, description, signal);
    const path = sbomPathOf(plan.path);
    await publishAtomically(path, (temp) => writeFile(temp, sbom.json, signal ? { signal } : {}));
    return { path };
  } catch (error) {
    signal?.throwIfAborted();
    return { error };
  }
}

/** The SBOM of an archive already written, read again (oci: its layers are inflated for the scan). */
async function readSbom(archive: string, description: ImageDescription, signal?: AbortSignal) {
  const { describeArchive } = await import('@isar/sbom');
  return describeArchive(archive, {
    ...(signal ? { signal } : {}),
    source: {
      ...(description.sourceUrl ? { url: description.sourceUrl } : {}),
      ...(description.manifestDigest ? { manifestDigest: description.manifestDigest } : {}),
      ...(description.indexDigest ? { indexDigest: description.indexDigest } : {}),
    },
  });
}

/** Options of {@link describeFetchedArchive}. */
export interface DescribeFetchedOptions {
  signal?: AbortSignal;
  /** Which image of a multi-image archive (`linux/arm64`, or a repo tag); default the one `docker load` takes. */
  image?: string;
  /** The `docker://` URL the image came from; default the one the archive's record names. */
  url?: string;
  /** metadata.timestamp: by default from `SOURCE_DATE_EPOCH`, omitted without it; `null` never. */
  timestamp?: Date | null;
  /**
   * Where the fetch's facts come from: by default `<archive>.isar-fetch.json`, used only while it still
   * describes the file there (size, mtime, inode); `null` for none.
   */
  record?: PublishedRecord | null;
}

/**
 * The SBOM of an archive on disk (one read, `@isar/sbom`'s `describeArchive`), with what only the fetch knew and
 * a docker-archive does not keep, taken from the archive's published record: the registry's manifest and index
 * digests, the `docker://` URL and the registry's layer digests (records of older versions have no URL and no
 * layers). For an archive `fetch` wrote this is the SBOM `fetch` wrote beside it, byte for byte. The record is
 * used only for the image it was written for (same platform; for an oci archive, same manifest digest).
 */
export async function describeFetchedArchive(
  archive: string,
  options: DescribeFetchedOptions = {},
): Promise<ArchiveSbom> {
  const sbomLibrary = await import('@isar/sbom');
  const { signal } = options;
  const record =
    options.record === undefined ? await readValidRecord(archive) : (options.record ?? undefined);
  const timestamp =
    options.timestamp === undefined ? (sbomLibrary.timestampFromEnvironment() ?? null) : options.timestamp;
  const read = await sbomLibrary.describeArchive(archive, {
    ...(signal ? { signal } : {}),
    ...(options.image !== undefined ? { image: options.image } : {}),
    timestamp,
  });
  const image = withFetchFacts(read.image, record, options.url);
  if (image === read.image) return read;
  let json: string;
  try {
    json = sbomLibrary.buildCycloneDx(image, read.inventory, timestamp ? { timestamp } : {});
  } catch (error) {
    throw new sbomLibrary.SbomError(
      'BUILD_FAILED',
      `the CycloneDX document could not be built: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { json, image, inventory: read.inventory };
}

/**
 * The archive's own description of its image with the fetch's facts put in, as {@link publishSbom} describes
 * it; the same object when there is nothing to add.
 */
function withFetchFacts(
  image: ImageDescription,
  record: PublishedRecord | undefined,
  url: string | undefined,
): ImageDescription {
  const applies =
    record !== undefined &&
    record.platform === formatPlatform(image.platform) &&
    (image.manifestDigest === undefined || image.manifestDigest === record.manifestDigest);
  const sourceUrl = url ?? (applies ? record.url : undefined);
  if (!applies) return sourceUrl === undefined ? image : { ...image, sourceUrl };
  const digests = record.layers;
  const layers =
    digests?.length === image.layers.length
      ? image.layers.map((layer, index) => ({ ...layer, digest: digests[index] ?? layer.digest }))
      : image.layers;
  const { indexDigest: archiveIndex, sourceUrl: _none, ...rest } = image;
  // A single-platform image's "index" digest is its manifest's: not an index (publishSbom says the same).
  const indexDigest = record.indexDigest !== record.manifestDigest ? record.indexDigest : archiveIndex;
  return {
    ...rest,
    manifestDigest: record.manifestDigest,
    ...(indexDigest ? { indexDigest } : {}),
    ...(sourceUrl ? { sourceUrl } : {}),
    layers,
  };
}

/** Largest SBOM read back to see which image it describes; a larger one is made again. */
const MAX_SBOM_CHECK_BYTES = 64 * 1024 * 1024;

/** Whether `path` is an SBOM (as isar-fetch writes them) of the image with manifest digest `manifestDigest`. */
async function sbomDescribes(path: string, manifestDigest: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_SBOM_CHECK_BYTES) return false;
    const bom = JSON.parse(await handle.readFile('utf8')) as {
      metadata?: { component?: { properties?: { name?: unknown; value?: unknown }[] } };
    };
    const properties = bom.metadata?.component?.properties;
    return (
      Array.isArray(properties) &&
      properties.some((p) => p?.name === 'isar:image:manifest-digest' && p.value === manifestDigest)
    );
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Options of {@link ensureSbom}. */
export interface EnsureSbomOptions {
  /** `FetchOptions.sbom`: wanted by default beside a docker-archive, beside an oci archive only when true. */
  sbom?: boolean;
  signal?: AbortSignal;
  /** The caller holds the archive's lock (`<archive>.isar-fetch.lock`); else it is taken to write the SBOM. */
  locked?: boolean;
}

/**
 * For a cache hit: the archive is there, published by an earlier run that may have written no SBOM (`--no-sbom`,
 * an older version) or one of an earlier archive at that path. When an SBOM is wanted and `<archive>.cdx.json` is
 * not one of this archive's image (by manifest digest), it is made by reading the archive
 * ({@link describeFetchedArchive}: the same document a fresh fetch writes, when the record names URL and layers)
 * and published atomically, under the archive's lock. Like {@link publishSbom}, never fails the fetch: returns
 * the SBOM's path, nothing when none is wanted, or the reason it could not be made.
 */
export async function ensureSbom(
  target: { url: DockerUrl; path: string },
  record: PublishedRecord,
  options: EnsureSbomOptions = {},
): Promise<{ path?: string; error?: unknown }> {
  const { signal } = options;
  if (!(options.sbom ?? record.format === 'docker-archive')) return {};
  const path = sbomPathOf(target.path);
  try {
    if (await sbomDescribes(path, record.manifestDigest)) return { path };
    const lock = options.locked
      ? undefined
      : await acquireLock(archiveLockPath(target.path), signal ? { signal } : {});
    try {
      // Under the lock: another process may have written it, or replaced the archive, meanwhile.
      const current = await readValidRecord(target.path);
      if (current?.manifestDigest !== record.manifestDigest || current.format !== record.format) {
        return { error: new Error(`${target.path} was replaced while its SBOM was to be made`) };
      }
      if (await sbomDescribes(path, current.manifestDigest)) return { path };
      // Ours to clean: temp files of a publish that was killed (no live writer while we hold the lock).
      await removeStaleTempFiles(target.path);
      const sbom = await describeFetchedArchive(target.path, {
        record: current,
        url: formatDockerUrl(target.url),
        ...(signal ? { signal } : {}),
      });
      await publishAtomically(path, (temp) => writeFile(temp, sbom.json, signal ? { signal } : {}));
      return { path };
    } finally {
      await lock?.release();
    }
  } catch (error) {
    signal?.throwIfAborted();
    return { error };
  }
}
