import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canMountTmpfs, mountSmallFilesystem, tmpDir } from '@isar/testkit';
import { describe, expect, it } from 'vitest';
import { FetchCoreError } from '../errors.js';
import { makeDirectory } from './make-directory.js';

/** mkdir -p that names the real cause: Node's recursive mkdir says ENOENT for a read-only file system. */
describe('makeDirectory', () => {
  it('creates every missing component', async () => {
    const dir = await tmpDir('fetch-core-mkdir-');
    try {
      await makeDirectory(join(dir.path, 'a', 'b', 'c'));
      expect((await stat(join(dir.path, 'a', 'b', 'c'))).isDirectory()).toBe(true);
      await makeDirectory(join(dir.path, 'a', 'b', 'c'));
    } finally {
      await dir.cleanup();
    }
  });

  it.skipIf(!canMountTmpfs())('on a read-only file system: IO_ERROR with EROFS, not ENOENT', async () => {
    const readOnly = await mountSmallFilesystem({ readOnly: true, size: 1024 * 1024 });
    try {
      const error = await makeDirectory(join(readOnly.path, 'dl', 'container-images')).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FetchCoreError);
      expect(error).toMatchObject({ code: 'IO_ERROR', cause: { code: 'EROFS' } });
      expect((error as Error).message).toContain('read-only file system');
      expect((error as Error).message).toContain(join(readOnly.path, 'dl', 'container-images'));
    } finally {
      await readOnly.cleanup();
    }
  });

  it('below a regular file: ENOTDIR', async () => {
    const dir = await tmpDir('fetch-core-mkdir-');
    try {
      await writeFile(join(dir.path, 'file'), 'x');
      const error = await makeDirectory(join(dir.path, 'file', 'sub')).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'IO_ERROR', cause: { code: 'ENOTDIR' } });
    } finally {
      await dir.cleanup();
    }
  });
});
