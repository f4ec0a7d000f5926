import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildImage, skopeo, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LayoutImage, openLayout } from '../source/oci-layout.js';
import { writeTestLayout } from '../test-support/layout-builder.js';
import { readTarSummary } from '../test-support/tar-contents.js';
import { writeDockerArchive } from './write-docker-archive.js';

let work: TmpDir;
let counter = 0;
const out = (name: string) => join(work.path, `${counter++}-${name}`);
const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
/** The same image without its file hint: layers only as streams (the spooling path). */
const streamOnly = (image: LayoutImage) => ({ ...image, layerFile: undefined });

beforeAll(async () => {
  work = await tmpDir('archive-docker-');
});
afterAll(async () => {
  await work?.cleanup();
});

describe('writeDockerArchive', () => {
  it('writes the entries skopeo writes, with the same names, sizes and contents', async () => {
    const built = await buildImage({ layers: 3, seed: 11 });
    const layout = await openLayout(built.layoutDir);
    const ours = out('ours.tar');
    const result = await writeDockerArchive(layout.image(), {
      repoTags: ['example.com/foo/bar:v1', 'busybox:1'],
      output: ours,
    });
    const theirs = out('skopeo.tar');
    await skopeo([
      'copy',
      '--additional-tag',
      'busybox:1',
      `oci:${built.layoutDir}:${built.refName}`,
      `docker-archive:${theirs}:example.com/foo/bar:v1`,
    ]);
    const comparable = (entries: Awaited<ReturnType<typeof readTarSummary>>) =>
      entries.map(({ name, type, size, sha256, linkname, mtime, uid, gid }) => ({
        name,
        type,
        size,
        sha256,
        linkname,
        mtime,
        uid,
        gid,
      }));
    const a = await readTarSummary(ours);
    const b = await readTarSummary(theirs);
    expect(comparable(a)).toEqual(comparable(b));
    expect(a.find((e) => e.name === 'manifest.json')?.text).toContain(
      '"RepoTags":["example.com/foo/bar:v1","docker.io/library/busybox:1"]',
    );
    expect(result.layers.map((layer) => layer.diffId)).toEqual(
      built.manifests[0]?.layers.map((layer) => layer.diffId),
    );
    expect(result.layers.every((layer) => layer.streamed)).toBe(true);
    expect(result.restarts).toBe(0);
  });

  it('gives identical bytes every time, streamed or spooled, plain or zstd (any thread count)', async () => {
    const built = await buildImage({ layers: 3, seed: 12 });
    const image = (await openLayout(built.layoutDir)).image();
    const options = { repoTags: ['a/b:c'] };
    const first = out('1.tar');
    const second = out('2.tar');
    const spooled = out('3.tar');
    await writeDockerArchive(image, { ...options, output: first });
    await writeDockerArchive(image, { ...options, output: second });
    const spool = await writeDockerArchive(streamOnly(image), { ...options, output: spooled });
    expect(spool.layers.some((layer) => layer.streamed)).toBe(false);
    expect(await sha(second)).toBe(await sha(first));
    expect(await sha(spooled)).toBe(await sha(first));

    const z1 = out('1.tar.zst');
    const z2 = out('2.tar.zst');
    await writeDockerArchive(image, { ...options, output: z1, compression: { zstd: { threads: 1 } } });
    await writeDockerArchive(streamOnly(image), {
      ...options,
      output: z2,
      compression: { zstd: { threads: 2 } },
    });
    expect(await sha(z2)).toBe(await sha(z1));
  });

  it('decompresses gzip, zstd and plain layers and checks their diff_ids', async () => {
    const dir = join(work.path, 'mixed');
    const payload = randomBytes(300_000).toString('base64');
    await writeTestLayout(dir, [
      { files: { 'a.txt': payload }, kind: 'gzip' },
      { files: { 'b.txt': payload.slice(7) }, kind: 'zstd' },
      { files: { 'c.txt': payload.slice(11) }, kind: 'zstd-no-size' },
      { files: { 'd.txt': 'plain' }, kind: 'none' },
    ]);
    const image = (await openLayout(dir)).image();
    const result = await writeDockerArchive(image, { repoTags: ['mixed:1'], output: out('mixed.tar') });
    expect(result.layers.map((layer) => layer.streamed)).toEqual([true, true, false, true]);
    expect(result.layers.map((layer) => layer.diffId)).toEqual(image.config.rootfs.diff_ids);
  });

  it('starts over when a gzip trailer lies (multi-member), and refuses to guess on a stream output', async () => {
    const dir = join(work.path, 'multi');
    await writeTestLayout(dir, [
      { files: { 'a.txt': randomBytes(200_000).toString('hex') }, kind: 'gzip-multi-member' },
    ]);
    const image = (await openLayout(dir)).image();
    const file = out('multi.tar');
    const result = await writeDockerArchive(image, { repoTags: ['m:1'], output: file });
    expect(result.restarts).toBe(1);
    expect(result.layers[0]?.streamed).toBe(false);
    const reference = out('multi-ref.tar');
    await writeDockerArchive(streamOnly(image), { repoTags: ['m:1'], output: reference });
    expect(await sha(file)).toBe(await sha(reference));

    const sink = new PassThrough().resume();
    await expect(
      writeDockerArchive(image, { repoTags: ['m:1'], output: sink, predictLayerSizes: true }),
    ).rejects.toMatchObject({
      code: 'LAYER_SIZE_UNPREDICTABLE',
    });
    // Default for a stream output: no read-ahead, so it just works.
    const chunks: Buffer[] = [];
    const collector = new PassThrough();
    collector.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeDockerArchive(image, { repoTags: ['m:1'], output: collector });
    expect(createHash('sha256').update(Buffer.concat(chunks)).digest('hex')).toBe(await sha(reference));
  });

  it('refuses a layer whose content does not match the config diff_id', async () => {
    const dir = join(work.path, 'lying');
    await writeTestLayout(dir, [{ files: { 'a.txt': 'real content' } }], {
      diffIdOverride: [`sha256:${'ab'.repeat(32)}`],
    });
    const image = (await openLayout(dir)).image();
    await expect(
      writeDockerArchive(image, { repoTags: ['x:1'], output: out('lying.tar') }),
    ).rejects.toMatchObject({ code: 'DIFF_ID_MISMATCH' });
    await expect(
      writeDockerArchive(streamOnly(image), { repoTags: ['x:1'], output: out('lying2.tar') }),
    ).rejects.toMatchObject({
      code: 'DIFF_ID_MISMATCH',
    });
  });

  it('refuses a corrupted blob in the layout', async () => {
    const dir = join(work.path, 'corrupt');
    const layout = await writeTestLayout(dir, [{ files: { 'a.txt': randomBytes(50_000).toString('hex') } }]);
    const blob = join(dir, 'blobs', 'sha256', (layout.layerDigests[0] as string).slice(7));
    const bytes = await readFile(blob);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    await writeFile(blob, bytes);
    const image = (await openLayout(dir)).image();
    const spooled = await writeDockerArchive(streamOnly(image), {
      repoTags: ['x:1'],
      output: out('c1.tar'),
    }).catch((e: unknown) => e);
    expect(spooled).toMatchObject({ name: 'ArchiveError' });
    expect(['DIGEST_MISMATCH', 'CORRUPT_DATA']).toContain((spooled as { code: string }).code);
    const direct = await writeDockerArchive(image, { repoTags: ['x:1'], output: out('c2.tar') }).catch(
      (e: unknown) => e,
    );
    expect(direct).toMatchObject({ name: 'ArchiveError' });
    // Which check trips first depends on where the flipped byte lands in the deflate stream: the inflater, the
    // diff_id, or (when the trailer no longer predicts the size and the writer falls back to spooling) the digest.
    expect(['DIFF_ID_MISMATCH', 'CORRUPT_DATA', 'TRUNCATED', 'DIGEST_MISMATCH']).toContain(
      (direct as { code: string }).code,
    );
  });

  it('stops on abort and leaves no temporary files', async () => {
    const built = await buildImage({ layers: [4 << 20, 4 << 20], seed: 13 });
    const image = streamOnly((await openLayout(built.layoutDir)).image());
    const tempDir = join(work.path, 'temp-abort');
    await import('node:fs/promises').then((fs) => fs.mkdir(tempDir));
    const controller = new AbortController();
    const writing = writeDockerArchive(image, {
      repoTags: ['x:1'],
      output: out('aborted.tar'),
      tempDir,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'layer-start') controller.abort();
      },
    });
    await expect(writing).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(tempDir)).toEqual([]);
    expect(existsSync(tempDir)).toBe(true);
  });
});
