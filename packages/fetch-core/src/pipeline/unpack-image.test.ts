import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, pushImage, type Registry, startRegistry, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchImage } from './fetch-image.js';
import { sbomPathOf } from './publish-sbom.js';
import { unpackImage } from './unpack-image.js';

/** unpack's SBOM beside the archive in WORKDIR, with archives fetched from a real registry. */
let registry: Registry;
let repo: string;
let work: TmpDir;

beforeAll(async () => {
  registry = await startRegistry();
  work = await tmpDir('fetch-core-unpack-');
  repo = `${registry.host}/demo/unpack-sbom`;
  await pushImage(await buildImage({ layers: 2, seed: 1802 }), `${repo}:1`);
});
afterAll(async () => {
  await registry?.stop();
  await work?.cleanup();
});

describe('unpackImage and the SBOM', () => {
  it("places <localname>:<tag>.cdx.json, and removes an earlier unpack's when the archive now has none", async () => {
    const url = `docker://${repo};tag=1`;
    const workdir = join(work.path, 'workdir');
    const withSbom = join(work.path, 'dl-with');
    const without = join(work.path, 'dl-without');
    const fetched = await fetchImage(url, { dlDir: withSbom, arch: 'amd64' });
    await fetchImage(url, { dlDir: without, arch: 'amd64', sbom: false });
    const name = `${repo.replaceAll('/', '.')}:1`;
    const sbom = join(workdir, `${name}.cdx.json`);

    const first = await unpackImage(url, { dlDir: withSbom, arch: 'amd64', workdir });
    expect(first.sbom).toBe(sbom);
    expect(await readFile(sbom, 'utf8')).toBe(await readFile(sbomPathOf(fetched.path), 'utf8'));

    // The same recipe, now fed from a DL_DIR whose archive has no SBOM: the old one described another file.
    const second = await unpackImage(url, { dlDir: without, arch: 'amd64', workdir });
    expect(second.sbom).toBeUndefined();
    expect(await readdir(workdir)).toEqual([`${name}.zst`]);
    // And again (nothing to remove is fine), then back: placed again.
    expect((await unpackImage(url, { dlDir: without, arch: 'amd64', workdir })).sbom).toBeUndefined();
    expect((await unpackImage(url, { dlDir: withSbom, arch: 'amd64', workdir })).sbom).toBe(sbom);
    expect((await readdir(workdir)).sort()).toEqual([`${name}.cdx.json`, `${name}.zst`]);
  });
});
