import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildImage, skopeo, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDockerArchive } from '../docker-archive/write-docker-archive.js';
import { type ArchiveErrorCode, isArchiveError } from '../errors.js';
import { openLayout } from '../source/oci-layout.js';
import { tarOf } from '../test-support/layout-builder.js';
import { type RawEntry, writeRawTar } from '../test-support/tar-builder.js';
import { openArchiveEntry } from './open-archive-entry.js';
import { readArchive } from './read-archive.js';
import { verifyArchive } from './verify-archive.js';

let work: TmpDir;
let counter = 0;
const out = (name: string) => join(work.path, `${counter++}-${name}`);
const hex = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** A minimal valid docker-archive, as entries to be tampered with. */
async function dockerEntries(): Promise<{ entries: RawEntry[]; layerName: string; configName: string }> {
  const layer = await tarOf({ 'hello.txt': 'hello' });
  const layerName = `${hex(layer)}.tar`;
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [`sha256:${hex(layer)}`] },
  });
  const configName = `${hex(config)}.json`;
  const manifest = JSON.stringify([
    { Config: configName, RepoTags: ['docker.io/library/t:1'], Layers: [layerName] },
  ]);
  return {
    layerName,
    configName,
    entries: [
      { name: layerName, content: layer },
      { name: configName, content: config },
      { name: 'manifest.json', content: manifest },
    ],
  };
}

async function refusal(
  entries: RawEntry[],
  options: Parameters<typeof readArchive>[1] = {},
): Promise<ArchiveErrorCode | string> {
  const file = out('hostile.tar');
  await writeRawTar(file, entries);
  const error = await readArchive(file, options).then(
    () => 'accepted',
    (e: unknown) => e,
  );
  if (error === 'accepted') return error;
  if (!isArchiveError(error)) throw error;
  return error.code;
}

beforeAll(async () => {
  work = await tmpDir('archive-reader-');
});
afterAll(async () => {
  await work?.cleanup();
});

describe('readArchive / verifyArchive on good archives', () => {
  it("verifies our docker-archive (plain and zstd) and skopeo's, diff_id by diff_id", async () => {
    const built = await buildImage({ layers: 3, seed: 31 });
    const image = (await openLayout(built.layoutDir)).image();
    const plain = out('ours.tar');
    const zstd = out('ours.tar.zst');
    await writeDockerArchive(image, { repoTags: ['debian:bookworm'], output: plain });
    await writeDockerArchive(image, {
      repoTags: ['debian:bookworm'],
      output: zstd,
      compression: { zstd: {} },
    });
    const theirs = out('skopeo.tar');
    await skopeo([
      'copy',
      `oci:${built.layoutDir}:${built.refName}`,
      `docker-archive:${theirs}:debian:bookworm`,
    ]);
    for (const [file, compression] of [
      [plain, 'none'],
      [zstd, 'zstd'],
      [theirs, 'none'],
    ] as const) {
      const report = await verifyArchive(file);
      expect(report).toMatchObject({ format: 'docker-archive', compression });
      expect(report.images).toEqual([
        {
          repoTags: ['docker.io/library/debian:bookworm'],
          platform: 'linux/amd64',
          configDigest: built.manifests[0]?.configDigest,
          layers: 3,
          layerBytes: built.manifests[0]?.layers.reduce((sum, layer) => sum + layer.uncompressedSize, 0),
          verifiedByDiffId: 3,
          verifiedByBlobDigest: 0,
          loadable: true,
        },
      ]);
    }
    // A stream works as well as a path (stdin of a loader, a download).
    const fromStream = await verifyArchive(createReadStream(zstd));
    expect(fromStream.images[0]?.verifiedByDiffId).toBe(3);
    expect(fromStream.archiveBytes).toBe(statSync(zstd).size);
  });

  it('reads a docker-archive whose layers are gzip files (docker-load style) and checks their diff_ids', async () => {
    const { entries, layerName } = await dockerEntries();
    const layer = entries[0]?.content as Buffer;
    const gzipped = execFileSync('gzip', ['-c', '-n'], { input: layer });
    const manifest = JSON.parse(String(entries[2]?.content));
    manifest[0].Layers = ['layer.tar.gz'];
    const file = out('gz-layers.tar');
    await writeRawTar(file, [
      { name: 'layer.tar.gz', content: gzipped },
      entries[1] as RawEntry,
      { name: 'manifest.json', content: JSON.stringify(manifest) },
    ]);
    const contents = await readArchive(file);
    expect(contents.images[0]?.layers[0]).toMatchObject({
      entry: 'layer.tar.gz',
      verifiedBy: 'diff_id',
      diffId: `sha256:${layerName.slice(0, 64)}`,
    });
  });

  it('streams one entry again in a second pass (openArchiveEntry)', async () => {
    const built = await buildImage({ layers: 2, seed: 33 });
    const image = (await openLayout(built.layoutDir)).image();
    const file = out('second-pass.tar.zst');
    await writeDockerArchive(image, { repoTags: ['s:1'], output: file, compression: { zstd: {} } });
    const contents = await readArchive(file);
    const layer = contents.images[0]?.layers[1];
    const hash = createHash('sha256');
    for await (const chunk of await openArchiveEntry(file, layer?.entry ?? '')) hash.update(chunk as Buffer);
    expect(`sha256:${hash.digest('hex')}`).toBe(layer?.diffId);
    const missing = await openArchiveEntry(file, 'nope.tar');
    await expect(
      (async () => {
        for await (const _ of missing) {
          // drain
        }
      })(),
    ).rejects.toMatchObject({ code: 'MISSING_ENTRY' });
  });

  it('hands entries to a sink as they stream', async () => {
    const { entries } = await dockerEntries();
    const file = out('sink.tar');
    await writeRawTar(file, entries);
    const seen: Record<string, number> = {};
    await readArchive(file, {
      onEntry: (entry) => {
        const sink = new PassThrough();
        sink.on('data', (chunk: Buffer) => {
          seen[entry.name] = (seen[entry.name] ?? 0) + chunk.length;
        });
        return sink;
      },
    });
    expect(Object.values(seen).reduce((a, b) => a + b, 0)).toBe(
      entries.reduce((sum, e) => sum + Buffer.from(e.content ?? '').length, 0),
    );
  });
});

describe('readArchive refuses hostile input', () => {
  it('entry names with "..", absolute names, backslashes', async () => {
    const { entries } = await dockerEntries();
    expect(await refusal([...entries, { name: '../evil', content: 'x' }])).toBe('UNSAFE_ENTRY_NAME');
    expect(await refusal([...entries, { name: 'a/../../evil', content: 'x' }])).toBe('UNSAFE_ENTRY_NAME');
    expect(await refusal([{ name: '/etc/cron.d/evil', content: 'x' }, ...entries])).toBe('UNSAFE_ENTRY_NAME');
  });

  it('links pointing outside the archive, or hard links to nothing', async () => {
    const { entries } = await dockerEntries();
    expect(
      await refusal([...entries, { name: 'x/layer.tar', type: 'symlink', linkname: '../../etc/shadow' }]),
    ).toBe('UNSAFE_LINK');
    expect(
      await refusal([...entries, { name: 'x/layer.tar', type: 'symlink', linkname: '/etc/shadow' }]),
    ).toBe('UNSAFE_LINK');
    expect(await refusal([...entries, { name: 'x/layer.tar', type: 'link', linkname: 'nothing.tar' }])).toBe(
      'UNSAFE_LINK',
    );
    expect(await refusal([...entries, { name: 'x/layer.tar', type: 'link', linkname: '../outside' }])).toBe(
      'UNSAFE_LINK',
    );
  });

  it('devices and fifos', async () => {
    const { entries } = await dockerEntries();
    expect(await refusal([...entries, { name: 'dev', type: 'character-device' }])).toBe(
      'UNSUPPORTED_ENTRY_TYPE',
    );
    expect(await refusal([...entries, { name: 'pipe', type: 'fifo' }])).toBe('UNSUPPORTED_ENTRY_TYPE');
  });

  it('duplicate entries with different content (same content is tolerated)', async () => {
    const { entries, configName } = await dockerEntries();
    expect(await refusal([...entries, { name: configName, content: '{"other":1}' }])).toBe('DUPLICATE_ENTRY');
    expect(await refusal([...entries, { name: `./${configName}`, content: '{"other":1}' }])).toBe(
      'DUPLICATE_ENTRY',
    );
    expect(await refusal([...entries, entries[1] as RawEntry])).toBe('accepted');
  });

  it('sizes, counts and documents beyond the limits', async () => {
    const { entries } = await dockerEntries();
    expect(await refusal(entries, { limits: { maxEntrySize: 1000 } })).toBe('LIMIT_EXCEEDED');
    expect(await refusal(entries, { limits: { maxEntries: 2 } })).toBe('LIMIT_EXCEEDED');
    expect(await refusal(entries, { limits: { maxTotalSize: 2048 } })).toBe('LIMIT_EXCEEDED');
    const bigManifest = `[${' '.repeat(5 << 20)}]`;
    expect(await refusal([...entries.slice(0, 2), { name: 'manifest.json', content: bigManifest }])).toBe(
      'LIMIT_EXCEEDED',
    );
  });

  it('manifest.json pointing at missing or outside entries', async () => {
    const { entries, layerName } = await dockerEntries();
    expect(await refusal(entries.filter((entry) => entry.name !== layerName))).toBe('MISSING_ENTRY');
    const manifest = JSON.parse(String(entries[2]?.content));
    manifest[0].Layers = ['../../etc/passwd'];
    expect(
      await refusal([...entries.slice(0, 2), { name: 'manifest.json', content: JSON.stringify(manifest) }]),
    ).toBe('UNSAFE_ENTRY_NAME');
    manifest[0].Layers = ['dangling'];
    const dangling: RawEntry[] = [
      ...entries.slice(0, 2),
      { name: 'dangling', type: 'symlink', linkname: 'nowhere' },
      { name: 'manifest.json', content: JSON.stringify(manifest) },
    ];
    expect(await refusal(dangling)).toBe('MISSING_ENTRY');
  });

  it('layers, configs and blobs that do not match their digests', async () => {
    const { entries, layerName, configName } = await dockerEntries();
    const tampered = Buffer.from(entries[0]?.content as Buffer);
    tampered[600] = 0x41;
    expect(await refusal([{ name: layerName, content: tampered }, ...entries.slice(1)])).toBe(
      'DIFF_ID_MISMATCH',
    );
    const config = JSON.parse(String(entries[1]?.content));
    config.os = 'evil';
    expect(
      await refusal([
        entries[0] as RawEntry,
        { name: configName, content: JSON.stringify(config) },
        entries[2] as RawEntry,
      ]),
    ).toBe('DIGEST_MISMATCH');
    expect(await refusal([...entries, { name: `blobs/sha256/${'0'.repeat(64)}`, content: 'not that' }])).toBe(
      'DIGEST_MISMATCH',
    );
  });

  it('repo tags that are not names (they end up on engine command lines)', async () => {
    const { entries } = await dockerEntries();
    const manifest = JSON.parse(String(entries[2]?.content));
    manifest[0].RepoTags = ['--privileged'];
    expect(
      await refusal([...entries.slice(0, 2), { name: 'manifest.json', content: JSON.stringify(manifest) }]),
    ).toBe('INVALID_ARCHIVE');
  });

  it('truncated archives: plain tar and zstd', async () => {
    const built = await buildImage({ layers: 2, seed: 32 });
    const image = (await openLayout(built.layoutDir)).image();
    const plain = out('t.tar');
    const zstd = out('t.tar.zst');
    await writeDockerArchive(image, { repoTags: ['t:1'], output: plain });
    await writeDockerArchive(image, { repoTags: ['t:1'], output: zstd, compression: { zstd: {} } });
    const plainSize = (await readFile(plain)).length;
    await truncate(plain, Math.floor(plainSize / 2) + 100);
    await expect(readArchive(plain)).rejects.toMatchObject({ code: 'TRUNCATED' });
    const zstdSize = (await readFile(zstd)).length;
    await truncate(zstd, zstdSize - 50);
    await expect(readArchive(zstd)).rejects.toMatchObject({ code: 'TRUNCATED' });
  });

  it('things that are not image archives at all', async () => {
    expect(await refusal([{ name: 'readme.txt', content: 'hi' }])).toBe('INVALID_ARCHIVE');
    const garbage = out('garbage.bin');
    await writeFile(garbage, Buffer.alloc(4096, 0x55));
    await expect(readArchive(garbage)).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
    await expect(readArchive(out('missing.tar'))).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
