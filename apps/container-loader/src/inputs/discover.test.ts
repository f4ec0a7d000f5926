import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverInputs } from './discover.js';

describe('discoverInputs: --list, <dir>/image.list, <dir>/../image.list, else a scan', () => {
  let work: TmpDir;
  let images: string;
  beforeEach(async () => {
    work = await tmpDir('loader-discover-');
    images = join(work.path, 'pkg', 'images');
    await mkdir(images, { recursive: true });
    for (const name of ['b.zst', 'a.tar', 'c.tar.gz', '.partial.zst', 'notes.txt']) {
      await writeFile(join(images, name), 'x');
    }
    await mkdir(join(images, 'dir.zst'));
  });
  afterEach(() => work.cleanup());

  it('scans *.zst / *.tar / *.tar.gz files in name order when there is no list', async () => {
    const found = await discoverInputs(images, undefined);
    expect(found.source).toEqual({ kind: 'scan', dir: images });
    expect(found.items.map((i) => [i.label, i.archive, i.expected])).toEqual([
      ['a.tar', join(images, 'a.tar'), undefined],
      ['b.zst', join(images, 'b.zst'), undefined],
      ['c.tar.gz', join(images, 'c.tar.gz'), undefined],
    ]);
  });

  it("uses Isar's <images-dir>/../image.list, then prefers <images-dir>/image.list, then --list", async () => {
    await writeFile(join(work.path, 'pkg', 'image.list'), 'b.zst debian:bookworm\n');
    let found = await discoverInputs(images, undefined);
    expect(found.source).toEqual({ kind: 'list', file: join(work.path, 'pkg', 'image.list') });
    expect(found.items.map((i) => [i.archive, i.expected?.full, i.line])).toEqual([
      [join(images, 'b.zst'), 'docker.io/library/debian:bookworm', 1],
    ]);

    await writeFile(join(images, 'image.list'), '# local\na.tar isar/a:1\n');
    found = await discoverInputs(images, undefined);
    expect(found.source).toEqual({ kind: 'list', file: join(images, 'image.list') });
    expect(found.items.map((i) => i.label)).toEqual(['a.tar']);

    const explicit = join(work.path, 'other.list');
    await writeFile(explicit, 'c.tar.gz isar/c:1\nbroken\n');
    found = await discoverInputs(images, explicit);
    expect(found.items.map((i) => i.label)).toEqual(['c.tar.gz']);
    expect(found.problems.map((p) => p.line)).toEqual([2]);
  });

  it('a missing images directory or list is bad usage', async () => {
    await expect(discoverInputs(join(work.path, 'nope'), undefined)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(discoverInputs(images, join(work.path, 'nope.list'))).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('ENOENT'),
    });
  });
});
