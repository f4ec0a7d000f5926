import { join } from 'node:path';
import { canMountTmpfs, mountSmallFilesystem, type SmallFilesystem } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';

/**
 * A DL_DIR that cannot be written is reported by its real cause: Node's recursive mkdir says ENOENT for a
 * read-only file system, which sent users looking for a missing directory.
 */
describe.skipIf(!canMountTmpfs())('a read-only --dl-dir', () => {
  let readOnly: SmallFilesystem;
  beforeAll(async () => {
    readOnly = await mountSmallFilesystem({ readOnly: true, size: 1024 * 1024 });
  });
  afterAll(async () => {
    await readOnly?.cleanup();
  });

  it('says "read-only file system" (EROFS), exit 1, one line, before any request', async () => {
    // A closed port: a request would be a NETWORK error instead.
    const url = 'docker://127.0.0.1:9/demo/busybox;tag=1';
    const dlDir = join(readOnly.path, 'downloads');
    const run = await cli(['fetch', url, '--dl-dir', dlDir, '--arch', 'amd64', '--quiet', '--json']);
    expect(run.code).toBe(1);
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toContain('read-only file system');
    expect(run.lines[0]).toContain(join(readOnly.path, 'downloads'));
    expect(run.stderr).not.toContain('ENOENT');
    const { error } = JSON.parse(run.stdout);
    expect(error).toMatchObject({ code: 'IO_ERROR', exitCode: 1 });
  });
});
