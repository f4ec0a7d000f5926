import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run.js';

/** `verify <file>` names what is really wrong with the path before reading anything. */
describe('verify: a path that is not an archive file', () => {
  let work: TmpDir;
  beforeAll(async () => {
    work = await tmpDir('fetch-cli-verify-path-');
    await mkdir(join(work.path, 'dir.zst'));
    await writeFile(join(work.path, 'real.zst'), 'not an archive');
    await symlink(join(work.path, 'gone.zst'), join(work.path, 'dangling.zst'));
  });
  afterAll(async () => {
    await work?.cleanup();
  });

  async function verify(path: string) {
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: work.path,
    };
    const code = await run(['verify', path], io);
    return { code, stdout, lines: stderr.split('\n').filter(Boolean) };
  }

  it.each([
    ['', 'isar-fetch: verify: the archive path is empty'],
    ['/etc', 'isar-fetch: verify: /etc is a directory, not an archive'],
    ['dir.zst', 'isar-fetch: verify: <work>/dir.zst is a directory, not an archive'],
    ['/dev/null', 'isar-fetch: verify: /dev/null is not a regular file (a character device)'],
    ['missing.zst', 'isar-fetch: verify: no such file: <work>/missing.zst'],
    [
      'dangling.zst',
      'isar-fetch: verify: no such file: <work>/dangling.zst (a symbolic link to a missing file)',
    ],
  ])('%j: exit 2, %s', async (path, line) => {
    const r = await verify(path);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.lines).toEqual([line.replace('<work>', work.path)]);
  });

  it('a file that is there is read and refused as an archive (exit 1), not as a path', async () => {
    const r = await verify('real.zst');
    expect(r.code).toBe(1);
  });
});
