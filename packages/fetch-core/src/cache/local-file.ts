import { isAbsolute, relative, resolve, sep } from 'node:path';
import { debianArchToPlatform } from '../arch/debian-arch.js';
import { FetchCoreError } from '../errors.js';
import type { DockerUrl } from '../url/docker-url.js';
import { redactDockerUrl } from '../url/redact.js';

/** The folder under `DL_DIR` that holds fetched images, as in Isar. */
export const CACHE_SUBDIR = 'container-images';

/** Linux NAME_MAX: one path component of more bytes cannot be created. */
const NAME_MAX_BYTES = 255;

/** The parts of a {@link DockerUrl} the cache paths are made of. */
export type CacheKey = Pick<DockerUrl, 'url' | 'localName' | 'tag' | 'digest'>;

function unsafe(url: string, what: string): never {
  throw new FetchCoreError('UNSAFE_PATH', `refusing ${what} for "${redactDockerUrl(url)}"`);
}

/** A single file name: no separators, not `.`/`..`, no NUL, short enough for the file system. */
function assertFileName(url: string, name: string): void {
  if (name === '' || name === '.' || name === '..') unsafe(url, `the file name "${name}"`);
  if (/[/\\\0]/.test(name)) unsafe(url, `the file name "${name}": it contains a path separator`);
  const bytes = Buffer.byteLength(name);
  if (bytes > NAME_MAX_BYTES) {
    unsafe(url, `the file name "${name.slice(0, 40)}...": ${bytes} bytes is longer than ${NAME_MAX_BYTES}`);
  }
}

/** A relative path of plain components (no empty, `.` or `..` ones), so it cannot leave its base. */
function assertContained(url: string, path: string): void {
  if (
    isAbsolute(path) ||
    path.split('/').some((c) => c === '' || c === '.' || c === '..' || c.includes('\\'))
  ) {
    unsafe(url, `the path "${path}": it would leave the cache directory`);
  }
}

/**
 * The cache file of `url` for a Debian `arch`, relative to `DL_DIR`, exactly as Isar names it:
 * `container-images/<arch>/[<variant>/]<localname>_<digest with ':' -> '-' | tag>.zst`, where arch and
 * variant are the OCI names of our mapping (`arm/v7` for armhf, `386` for i386, `ppc64le` for ppc64el).
 * Throws `UNKNOWN_ARCH`, or `UNSAFE_PATH` for a result that is not a plain file inside the cache.
 */
export function localFile(url: CacheKey, arch: string): string {
  const platform = debianArchToPlatform(arch);
  const suffix = url.digest !== undefined ? url.digest.replace(':', '-') : url.tag;
  const name = `${url.localName}_${suffix}.zst`;
  assertFileName(url.url, name);
  const dirs = [CACHE_SUBDIR, platform.architecture, ...(platform.variant ? [platform.variant] : [])];
  for (const dir of dirs) assertFileName(url.url, dir);
  const path = [...dirs, name].join('/');
  assertContained(url.url, path);
  return path;
}

/** The name upstream's unpack gives the file in `WORKDIR`: `<localname>:<tag>.zst`. */
export function unpackName(url: Pick<DockerUrl, 'url' | 'localName' | 'tag'>): string {
  const name = `${url.localName}:${url.tag}.zst`;
  assertFileName(url.url, name);
  return name;
}

/**
 * Joins a relative path from {@link localFile} or {@link unpackName} to its base directory (`DL_DIR`,
 * `WORKDIR`) and checks that the result is still inside it.
 */
export function resolveInside(baseDir: string, relativePath: string, url = ''): string {
  const base = resolve(baseDir);
  const full = resolve(base, relativePath);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    unsafe(url, `the path "${relativePath}": it would leave "${baseDir}"`);
  }
  return full;
}

/** Absolute cache file path: `<dlDir>/` + {@link localFile}. */
export function cacheFilePath(dlDir: string, url: CacheKey, arch: string): string {
  return resolveInside(dlDir, localFile(url, arch), url.url);
}
