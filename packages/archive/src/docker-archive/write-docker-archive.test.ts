import { join } from 'node:path';
import { buildImage, skopeo, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLayout } from '../source/oci-layout.js';
import { readTarSummary } from '../test-support/tar-contents.js';
import { writeDockerArchive } from './write-docker-archive.js';

let work: TmpDir;
beforeAll(async () => {
  work = await tmpDir('archive-docker-');
});
afterAll(async () => {
  await work?.cleanup();
});

describe('writeDockerArchive', () => {
  it('writes what skopeo writes for an OCI layout', async () => {
    const built = await buildImage({ layers: 3, seed: 11 });
    const layout = await openLayout(built.layoutDir);
    const ours = join(work.path, 'ours.tar');
    const result = await writeDockerArchive(layout.image(), { repoTags: ['example.com/foo/bar:v1'], output: ours });
    const theirs = join(work.path, 'skopeo.tar');
    await skopeo(['copy', `oci:${built.layoutDir}:${built.refName}`, `docker-archive:${theirs}:example.com/foo/bar:v1`]);
    const a = await readTarSummary(ours);
    const b = await readTarSummary(theirs);
    const comparable = (entries: typeof a) =>
      entries.map(({ name, type, size, sha256, linkname, mtime, uid, gid }) => ({ name, type, size, sha256, linkname, mtime, uid, gid }));
    expect(comparable(a)).toEqual(comparable(b));
    expect(result.layers.every((layer) => layer.streamed)).toBe(true);
  });
});
