import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncWhileWriting } from './background-sync.js';
import { makeDirectory } from './make-directory.js';

/** Where the content for `finalPath` is written before it is published: same directory, so rename is atomic. */
export function tempPathFor(finalPath: string): string {
  return join(
    dirname(finalPath),
    `.${basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/**
 * Files published beside an archive under its name plus a suffix, under the archive's lock: its SBOM
 * (`<archive>.cdx.json`) and its record (`<archive>.isar-fetch.json`). Their temp files are the archive's too.
 */
export const COMPANION_SUFFIXES: readonly string[] = ['.cdx.json', '.isar-fetch.json'];

/**
 * Removes temp files of `finalPath`, and of its companions (`finalPath` + each of `companions`, by default
 * {@link COMPANION_SUFFIXES}), left by writers that were killed (`kill -9`, power cut) before they could clean
 * up: the names {@link tempPathFor} gives them, `.<name>.tmp-<pid>-<hex>`. Only safe while holding the target's
 * lock: then no live writer has a temp file for it. Returns how many were removed.
 */
export async function removeStaleTempFiles(
  finalPath: string,
  companions: readonly string[] = COMPANION_SUFFIXES,
): Promise<number> {
  const name = basename(finalPath);
  const prefixes = [name, ...companions.map((suffix) => `${name}${suffix}`)].map((n) => `.${n}.tmp-`);
  let names: string[];
  try {
    names = await readdir(dirname(finalPath));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of names) {
    if (!prefixes.some((prefix) => entry.startsWith(prefix))) continue;
    await unlink(join(dirname(finalPath), entry)).then(
      () => removed++,
      () => {},
    );
  }
  return removed;
}

/**
 * Writes a file so that `finalPath` holds either its old state or the complete new content, never a part:
 * `write` fills a temp file in the same directory; it is fsynced, renamed over `finalPath`, and the directory
 * is fsynced so the rename survives a power cut. On any failure the temp file is removed. With
 * `syncWhileWriting` (large files) the temp file is flushed in the background while it is being written.
 */
export async function publishAtomically<T>(
  finalPath: string,
  write: (tempPath: string) => Promise<T>,
  options: { syncWhileWriting?: boolean } = {},
): Promise<T> {
  await makeDirectory(dirname(finalPath));
  const tempPath = tempPathFor(finalPath);
  const background = options.syncWhileWriting ? syncWhileWriting(tempPath) : undefined;
  try {
    let result: T;
    try {
      result = await write(tempPath);
    } finally {
      await background?.stop();
    }
    await fsyncPath(tempPath);
    await rename(tempPath, finalPath);
    await fsyncPath(dirname(finalPath));
    return result;
  } catch (error) {
    await unlink(tempPath).catch(() => {});
    throw error;
  }
}

/** Moves a finished file into place durably (both on one filesystem). */
export async function renameDurably(from: string, to: string): Promise<void> {
  await fsyncPath(from);
  await makeDirectory(dirname(to));
  await rename(from, to);
  await fsyncPath(dirname(to));
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
