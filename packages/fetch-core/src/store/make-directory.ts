import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FetchCoreError } from '../errors.js';

/**
 * `mkdir -p`, with the real reason when it fails. Node's recursive mkdir reports `ENOENT` for a directory it
 * cannot create on a read-only file system (and hides `EACCES` the same way): we then find the first missing
 * component and create it alone, which fails with the true errno (`EROFS`, `EACCES`, `ENOTDIR`...). Failures
 * are `IO_ERROR`s naming the directory, with the system error as `cause`.
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    const cause = await realCause(path, error);
    throw new FetchCoreError('IO_ERROR', `cannot create directory ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** The error of creating the first missing component of `path` on its own; `fallback` when that works. */
async function realCause(path: string, fallback: unknown): Promise<unknown> {
  let missing = path;
  for (let parent = dirname(missing); parent !== missing; missing = parent, parent = dirname(missing)) {
    const exists = await stat(parent).then(
      () => true,
      () => false,
    );
    if (exists) break;
  }
  try {
    await mkdir(missing);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return error;
  }
  return fallback;
}
