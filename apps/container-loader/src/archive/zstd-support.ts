import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { createZstdDecompressor } from '@isar/archive';
import { LoaderError } from '../errors.js';

let support: Promise<void> | undefined;

/** Whether a file starts with the zstd frame magic. */
export async function isZstdFile(path: string): Promise<boolean> {
  const head = Buffer.alloc(4);
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0xfd2fb528;
  } finally {
    await handle.close();
  }
}

/**
 * Checks once that zstd archives can be read here: the zstd-napi addon loads, or the `zstd` command (what
 * @isar/archive falls back to, `ISAR_ZSTD_COMMAND` or `zstd` on PATH) exists. On a device without either the
 * answer is one clear line per image instead of a failure deep inside a stream.
 */
export function ensureZstdSupport(): Promise<void> {
  support ??= check();
  return support;
}

async function check(): Promise<void> {
  try {
    (await createZstdDecompressor({ engine: 'addon' })).destroy();
    return;
  } catch {
    // No addon (the single-file build on a device): the command must do.
  }
  const command = process.env.ISAR_ZSTD_COMMAND || 'zstd';
  const candidates = isAbsolute(command)
    ? [command]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  throw new LoaderError(
    'ARCHIVE_UNREADABLE',
    `cannot decompress zstd archives: the zstd-napi addon is not available and the "${command}" command is not on PATH; install the zstd package`,
  );
}
