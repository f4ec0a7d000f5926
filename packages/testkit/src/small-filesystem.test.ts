import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canMountTmpfs, mountSmallFilesystem } from './small-filesystem.js';

describe.skipIf(!canMountTmpfs())('small filesystem', () => {
  it('fills up with ENOSPC past its size', async () => {
    const fs = await mountSmallFilesystem({ size: 1024 * 1024 });
    try {
      await expect(writeFile(join(fs.path, 'big'), Buffer.alloc(2 * 1024 * 1024))).rejects.toMatchObject({
        code: 'ENOSPC',
      });
    } finally {
      await fs.cleanup();
    }
  });

  it('refuses writes with EROFS when read-only', async () => {
    const fs = await mountSmallFilesystem({ readOnly: true });
    try {
      await expect(writeFile(join(fs.path, 'x'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    } finally {
      await fs.cleanup();
    }
  });
});
