import { mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countOsPackages, findImageSbom, MAX_SBOM_BYTES, readSbomFile, sbomCandidates } from './sbom-file.js';

let work: TmpDir;
beforeEach(async () => {
  work = await tmpDir('loader-sbom-file-');
});
afterEach(async () => {
  await work.cleanup();
});

/** Components as @isar/sbom writes them, and others a CycloneDX document may carry. */
const bom = {
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: [
    { type: 'operating-system', name: 'debian', version: '12' },
    { type: 'library', name: 'zlib1g', purl: 'pkg:deb/debian/zlib1g@1%3A1.2.13?arch=amd64&distro=debian-12' },
    { type: 'library', name: 'musl', purl: 'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64' },
    { type: 'library', name: 'left-pad', purl: 'pkg:npm/left-pad@1.3.0' },
    { type: 'application', name: 'bash', purl: 'pkg:deb/debian/bash@5.2' },
    { type: 'library', name: 'no-purl' },
    null,
  ],
};

describe('countOsPackages', () => {
  it('counts library components with a pkg:deb/ or pkg:apk/ purl, nothing else', () => {
    expect(countOsPackages(JSON.stringify(bom))).toEqual({ packages: 2 });
    expect(countOsPackages(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6' }))).toEqual({
      packages: 0,
    });
  });

  it('says why a document is not one it can count', () => {
    expect(countOsPackages(JSON.stringify(bom).slice(0, 100))).toEqual({
      unreadable: expect.stringMatching(/^not JSON: /),
    });
    expect(countOsPackages('[]')).toEqual({ unreadable: expect.stringMatching(/^not a CycloneDX document/) });
    expect(countOsPackages('{"bomFormat": "SPDX"}')).toMatchObject({ unreadable: /not a CycloneDX/ });
    expect(countOsPackages('{"bomFormat": "CycloneDX", "components": {}}')).toEqual({
      unreadable: '"components" is not a list',
    });
  });
});

describe('where an SBOM is found', () => {
  it('beside the archive (fetch, then unpack naming), then in the package sbom/ next to images/', () => {
    const images = '/usr/share/pkg/images';
    expect(sbomCandidates(images, `${images}/debian:bookworm.zst`)).toEqual([
      `${images}/debian:bookworm.zst.cdx.json`,
      `${images}/debian:bookworm.cdx.json`,
      '/usr/share/pkg/sbom/debian:bookworm.cdx.json',
    ]);
    expect(sbomCandidates(images, `${images}/sub/app.tar`)).toEqual([
      `${images}/sub/app.tar.cdx.json`,
      '/usr/share/pkg/sbom/sub/app.tar.cdx.json',
    ]);
  });

  it('takes the first regular file of those; reads each once, in order', async () => {
    const images = join(work.path, 'pkg', 'images');
    const sbomDir = join(work.path, 'pkg', 'sbom');
    await mkdir(images, { recursive: true });
    await mkdir(sbomDir);
    const archive = join(images, 'x:1.zst');
    const [beside, unpacked, packaged] = sbomCandidates(images, archive) as [string, string, string];
    expect(await findImageSbom(images, archive)).toBeUndefined();
    await writeFile(packaged, JSON.stringify(bom));
    expect(await findImageSbom(images, archive)).toEqual({ path: packaged, packages: 2 });
    // A directory under a candidate's name is not an SBOM.
    await mkdir(unpacked);
    expect(await findImageSbom(images, archive)).toEqual({ path: packaged, packages: 2 });
    await rm(unpacked, { recursive: true });
    await writeFile(unpacked, JSON.stringify({ bomFormat: 'CycloneDX' }));
    expect(await findImageSbom(images, archive)).toEqual({ path: unpacked, packages: 0 });
    await writeFile(beside, 'garbage');
    expect(await findImageSbom(images, archive)).toEqual({
      path: beside,
      unreadable: expect.stringMatching(/^not JSON/),
    });
  });

  it('refuses a file over 64 MiB without reading it (a sparse file here)', async () => {
    const path = join(work.path, 'huge.cdx.json');
    await writeFile(path, '');
    await truncate(path, MAX_SBOM_BYTES + 1);
    expect(await readSbomFile(path)).toEqual({
      path,
      unreadable: `${MAX_SBOM_BYTES + 1} bytes, larger than ${MAX_SBOM_BYTES} (64 MiB): not read`,
    });
  });
});
