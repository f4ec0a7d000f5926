import { open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoaderError } from '../errors.js';

/**
 * Removes an archive whose image is confirmed in place, and syncs the directory so the removal survives a
 * power cut. A missing file is fine (another run got there first).
 */
export async function deleteArchive(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new LoaderError(
      'DELETE_FAILED',
      `image is in place but ${path} could not be deleted: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const dir = await open(dirname(path), 'r').catch(() => undefined);
  try {
    await dir?.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the unlink itself has happened.
  } finally {
    await dir?.close();
  }
}
