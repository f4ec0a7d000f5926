import { copyFile, link, rename, stat, unlink } from 'node:fs/promises';
import { cacheFilePath, resolveInside, unpackName } from '../cache/local-file.js';
import { FetchCoreError } from '../errors.js';
import { tempPathFor } from '../store/atomic-file.js';
import { makeDirectory } from '../store/make-directory.js';
import { type DockerUrl, parseDockerUrl } from '../url/docker-url.js';
import { redactDockerUrl } from '../url/redact.js';
import { sbomPathOf } from './publish-sbom.js';

/** Options of {@link unpackImage}: the same DL_DIR and arch as the fetch, and the recipe's work directory. */
export interface UnpackOptions {
  dlDir: string;
  arch: string;
  /** The recipe's `WORKDIR`: the archive appears there as `<localname>:<tag>.zst`. */
  workdir: string;
}

/** What {@link unpackImage} did: where the archive now is, where it came from, linked or copied. */
export interface UnpackResult {
  /** Absolute path of the file in the work directory. */
  path: string;
  /** The cache file it came from. */
  source: string;
  /** `link` when hard-linked (no copy), `copy` across file systems. */
  method: 'link' | 'copy';
  /**
   * `<localname>:<tag>.cdx.json` beside it, when the fetch wrote the archive's SBOM (docker-archive). Without
   * one, an SBOM left there by an earlier unpack is removed: it described another archive.
   */
  sbom?: string;
}

/**
 * Isar's unpack: hard-links the cached archive into the work directory as `<localname>:<tag>.zst`, or copies it
 * when a link is impossible (another file system). An existing file there is replaced atomically (link or copy
 * to a temp name, then rename), so a reader never sees a missing or half-copied file. The archive's SBOM goes
 * along as `<localname>:<tag>.cdx.json`; when the cache has none, one left by an earlier unpack is removed.
 */
export async function unpackImage(url: string | DockerUrl, options: UnpackOptions): Promise<UnpackResult> {
  const parsed = typeof url === 'string' ? parseDockerUrl(url) : url;
  const source = cacheFilePath(options.dlDir, parsed, options.arch);
  const path = resolveInside(options.workdir, unpackName(parsed), parsed.url);
  try {
    if (!(await stat(source)).isFile()) throw new Error('not a regular file');
  } catch (error) {
    throw new FetchCoreError(
      'NOT_FETCHED',
      `${redactDockerUrl(parsed.url)} is not in the download cache for ${options.arch}: ${source} is missing`,
      { cause: error, hint: 'run "isar-fetch fetch" with the same URL, --dl-dir and --arch first' },
    );
  }
  await makeDirectory(options.workdir);
  const method = await placeFile(source, path);
  // The SBOM the fetch wrote beside the archive goes along, as `<localname>:<tag>.cdx.json`.
  const sbomSource = sbomPathOf(source);
  const sbom = `${path.replace(/\.zst$/, '')}.cdx.json`;
  const hasSbom = await stat(sbomSource).then(
    (info) => info.isFile(),
    () => false,
  );
  if (hasSbom) await placeFile(sbomSource, sbom);
  else await removeStale(sbom);
  return { path, source, method, ...(hasSbom ? { sbom } : {}) };
}

/** Removes a file that no longer belongs there; one that is already gone is fine. */
async function removeStale(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Hard-links `source` to `path`, or copies it when a link is impossible; replaces what is there atomically
 * (link or copy to a temp name, then rename).
 */
async function placeFile(source: string, path: string): Promise<UnpackResult['method']> {
  const temp = tempPathFor(path);
  let method: UnpackResult['method'] = 'link';
  try {
    try {
      await link(source, temp);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EXDEV: another file system; EPERM/EMLINK/ENOTSUP: links refused or exhausted there.
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error;
      method = 'copy';
      await copyFile(source, temp);
    }
    await rename(temp, path);
    // rename() between two links of one file does nothing and leaves the temp name: drop it.
    await unlink(temp).catch(() => {});
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  return method;
}
