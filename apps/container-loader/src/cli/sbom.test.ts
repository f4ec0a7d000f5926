import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Registry, startRegistry, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureArchive, fetchWithIsarFetch, imageList, makeArchive } from '../test-support/archives.js';
import { buildPackageImage, PACKAGE_IMAGE_PACKAGES } from '../test-support/package-image.js';
import { runCli } from '../test-support/run-cli.js';

/**
 * Each image's SBOM in the report, in the places isar-fetch and the Isar layer put it: archives and SBOMs made by
 * the real `isar-fetch fetch` + `unpack`, laid out as the layer's loader class installs them
 * (`/usr/share/<pkg>/{image.list,images/,sbom/}`), loaded into a registry.
 */
describe('container-loader reports the SBOM shipped with each image', () => {
  let registry: Registry;
  let device: Registry;
  let work: TmpDir;
  let pkg: string;
  let imagesDir: string;
  let packaged: FixtureArchive;
  let workdirStyle: FixtureArchive;
  let broken: FixtureArchive;
  let none: FixtureArchive;

  beforeAll(async () => {
    [registry, device, work] = await Promise.all([startRegistry(), startRegistry(), tmpDir('loader-sbom-')]);
    pkg = join(work.path, 'usr', 'share', 'pkg');
    imagesDir = join(pkg, 'images');
    await mkdir(imagesDir, { recursive: true });
    // The layer's class: WORKDIR/<name>:<tag>.zst -> images/, WORKDIR/<name>:<tag>.cdx.json -> sbom/.
    const workdir = join(work.path, 'workdir');
    await mkdir(workdir);
    const image = await buildPackageImage(join(work.path, 'package-image'));
    packaged = await fetchWithIsarFetch({
      registry,
      dir: workdir,
      format: 'docker-archive',
      seed: 0,
      repository: 'isar/packages',
      tag: '1',
      image,
    });
    const sbomName = packaged.file.replace(/\.zst$/, '.cdx.json');
    await mkdir(join(pkg, 'sbom'));
    await copyFile(join(workdir, sbomName), join(pkg, 'sbom', sbomName));
    await rename(packaged.path, join(imagesDir, packaged.file));
    // isar-fetch unpack straight into the images directory: the SBOM beside it as <name>:<tag>.cdx.json.
    workdirStyle = await fetchWithIsarFetch({
      registry,
      dir: imagesDir,
      format: 'docker-archive',
      seed: 1811,
      repository: 'isar/busybox',
      tag: '2',
    });
    // <archive>.cdx.json beside it (as fetch writes it in DL_DIR), but cut short; and an archive without any.
    const dir = imagesDir;
    broken = await makeArchive({ registry, dir, format: 'oci', name: 'isar/broken-sbom:1', seed: 1812 });
    const text = await readFile(join(imagesDir, workdirStyle.file.replace(/\.zst$/, '.cdx.json')), 'utf8');
    await writeFile(`${broken.path}.cdx.json`, text.slice(0, text.length / 2));
    none = await makeArchive({ registry, dir, format: 'oci', name: 'isar/no-sbom:1', seed: 1813 });
    await writeFile(join(pkg, 'image.list'), imageList([packaged, workdirStyle, broken, none]));
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), device?.stop()]);
    await work?.cleanup();
  });

  const args = () => ['--images-dir', imagesDir, '--engine', 'registry', '--registry-url', device.url];

  it('--json: the path and the package count per image, an unreadable SBOM says why, nothing fails for it', async () => {
    const run = await runCli([...args(), '--json'], process.env);
    expect(run.code, run.stderr).toBe(0);
    const byFile = Object.fromEntries(run.report?.results.map((r) => [r.file, r]) ?? []);
    const sbomName = packaged.file.replace(/\.zst$/, '.cdx.json');
    expect(byFile[packaged.file]).toMatchObject({
      status: 'loaded',
      sbom: { path: join(pkg, 'sbom', sbomName), packages: PACKAGE_IMAGE_PACKAGES },
    });
    expect(byFile[workdirStyle.file]).toMatchObject({
      status: 'loaded',
      sbom: { path: join(imagesDir, workdirStyle.file.replace(/\.zst$/, '.cdx.json')), packages: 0 },
    });
    expect(byFile[broken.file]?.status).toBe('loaded');
    expect(byFile[broken.file]?.sbom).toEqual({
      path: `${broken.path}.cdx.json`,
      unreadable: expect.stringMatching(/^not JSON: /),
    });
    expect(byFile[none.file]?.status).toBe('loaded');
    expect(byFile[none.file]).not.toHaveProperty('sbom');
    // The lines (on stderr with --json) say the same.
    expect(run.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^loaded ${literal(packaged.file)} .*; sbom ${literal(join(pkg, 'sbom', sbomName))} \\(${PACKAGE_IMAGE_PACKAGES} packages\\)$`,
        ),
      ),
    );
  });

  it('the per-image lines: skipped images too', async () => {
    const run = await runCli(args(), process.env);
    expect(run.code, run.stderr).toBe(0);
    const line = (archive: FixtureArchive) => run.lines.find((l) => l.startsWith(`skipped ${archive.file} `));
    expect(line(packaged)).toMatch(/; sbom .*\/usr\/share\/pkg\/sbom\/.*:1\.cdx\.json \(3 packages\)$/);
    expect(line(workdirStyle)).toMatch(/; sbom .*\/images\/.*:2\.cdx\.json \(0 packages\)$/);
    expect(line(broken)).toMatch(/; sbom .*:1\.zst\.cdx\.json unreadable: not JSON: /);
    expect(line(none)).not.toMatch(/; sbom /);
  });
});

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
