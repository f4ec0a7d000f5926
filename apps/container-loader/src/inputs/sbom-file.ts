import { open } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';

/** What the report says about an image's SBOM (CycloneDX JSON) when one is shipped with it. */
export interface ImageSbom {
  /** Absolute path of the SBOM file. */
  path: string;
  /** OS packages it lists: components of type `library` with a `pkg:deb/` or `pkg:apk/` purl. */
  packages?: number;
  /** Why it could not be read (too large, not JSON, not CycloneDX); the image's result is unaffected. */
  unreadable?: string;
}

/**
 * Largest SBOM read: a Debian image with a thousand packages has an SBOM of about 1 MiB. A larger file is
 * reported as unreadable, never read whole.
 */
export const MAX_SBOM_BYTES = 64 * 1024 * 1024;

const SBOM_SUFFIX = '.cdx.json';

/**
 * Where an archive's SBOM may be, in order:
 * 1. beside it as `<archive file name>.cdx.json` (`isar-fetch fetch` in DL_DIR: `foo.zst.cdx.json`);
 * 2. beside it as `<name>:<tag>.cdx.json` (`isar-fetch unpack` in WORKDIR: the archive's name without `.zst`);
 * 3. in the Isar package's `sbom/` next to its `images/` (`/usr/share/<pkg>/sbom/<name>:<tag>.cdx.json`, how the
 *    layer's loader classes install it), by the archive's path relative to the images directory.
 */
export function sbomCandidates(imagesDir: string, archive: string): string[] {
  const withoutZst = (path: string) => (path.endsWith('.zst') ? path.slice(0, -'.zst'.length) : path);
  const inImages = relative(imagesDir, archive);
  const candidates = [`${archive}${SBOM_SUFFIX}`, `${withoutZst(archive)}${SBOM_SUFFIX}`];
  // Only for an archive inside the images directory (image.list refuses `..`; a scan finds nothing else).
  if (inImages !== '' && !inImages.startsWith('..') && basename(imagesDir) !== '') {
    candidates.push(join(dirname(imagesDir), 'sbom', `${withoutZst(inImages)}${SBOM_SUFFIX}`));
  }
  return [...new Set(candidates)];
}

/**
 * The SBOM shipped with an archive (the first of {@link sbomCandidates} that is a file), with its package count,
 * or why it could not be read; `undefined` when there is none. Never throws: an SBOM is information about the
 * image, it must not fail a load or the listing.
 */
export async function findImageSbom(imagesDir: string, archive: string): Promise<ImageSbom | undefined> {
  for (const path of sbomCandidates(imagesDir, archive)) {
    const found = await readSbomFile(path);
    if (found) return found;
  }
  return undefined;
}

/** The SBOM at `path`; `undefined` when no regular file is there. */
export async function readSbomFile(path: string): Promise<ImageSbom | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    try {
      handle = await open(path, 'r');
    } catch {
      return undefined;
    }
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > MAX_SBOM_BYTES) {
      return { path, unreadable: `${info.size} bytes, larger than ${MAX_SBOM_BYTES} (64 MiB): not read` };
    }
    // Read at most one byte past the limit: a file that grows while being read is refused all the same.
    const buffer = Buffer.alloc(Math.min(info.size + 1, MAX_SBOM_BYTES + 1));
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    if (length > MAX_SBOM_BYTES)
      return { path, unreadable: `larger than ${MAX_SBOM_BYTES} bytes (64 MiB): not read` };
    return { path, ...countOsPackages(buffer.subarray(0, length).toString('utf8')) };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { path, unreadable: `cannot be read (${reason})` };
  } finally {
    await handle?.close().catch(() => {});
  }
}

/**
 * The OS packages a CycloneDX JSON document lists: top-level components of type `library` whose purl is a
 * Debian or Alpine package (`pkg:deb/`, `pkg:apk/`), as `@isar/sbom` writes them. Or why it is not such a
 * document.
 */
export function countOsPackages(text: string): { packages: number } | { unreadable: string } {
  let bom: unknown;
  try {
    bom = JSON.parse(text);
  } catch (error) {
    return { unreadable: `not JSON: ${(error as Error).message}` };
  }
  if (typeof bom !== 'object' || bom === null || (bom as { bomFormat?: unknown }).bomFormat !== 'CycloneDX') {
    return { unreadable: 'not a CycloneDX document (no "bomFormat": "CycloneDX")' };
  }
  const components = (bom as { components?: unknown }).components;
  if (components === undefined) return { packages: 0 };
  if (!Array.isArray(components)) return { unreadable: '"components" is not a list' };
  let packages = 0;
  for (const component of components) {
    const { type, purl } = (component ?? {}) as { type?: unknown; purl?: unknown };
    if (type === 'library' && typeof purl === 'string' && /^pkg:(deb|apk)\//.test(purl)) packages++;
  }
  return { packages };
}
