import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeArchive } from './describe-archive.js';
import { writeArchives } from './test-support/archives.js';
import { writeBigStatusLayer } from './test-support/big-status.js';
import { writeOciLayout } from './test-support/oci-layout.js';
import { buildTestImage } from './test-support/test-image.js';
import { cycloneDxErrors } from './test-support/validate.js';

const run = promisify(execFile);
const warningsOf = (json: string): string[] =>
  (JSON.parse(json).metadata.properties ?? [])
    .filter((p: { name: string }) => p.name === 'isar:sbom:warning')
    .map((p: { value: string }) => p.value);
const packagesOf = (json: string): string[] =>
  JSON.parse(json)
    .components.filter((c: { type: string }) => c.type === 'library')
    .map((c: { name: string; version: string }) => `${c.name} ${c.version}`);

describe('bad input: a warning in the SBOM, never a failure', () => {
  let dir: TmpDir;
  beforeAll(async () => {
    dir = await tmpDir('isar-sbom-bad-');
  });
  afterAll(() => dir?.cleanup());

  it('a 100 MB status file: read up to the cap in bounded memory', async () => {
    const tarFile = join(dir.path, 'big.tar');
    await writeBigStatusLayer(tarFile, 100 * 1024 * 1024);
    const layout = await writeOciLayout(join(dir.path, 'big-layout'), [{ tarFile, compression: 'none' }], {
      ref: 'big',
      architecture: 'amd64',
    });
    const { dockerArchive } = await writeArchives(layout.dir, dir.path, 'example.test/big:1');
    // In a child process, so that its peak RSS is this work's alone.
    const script = `
      const { describeArchive } = await import(${JSON.stringify(join(import.meta.dirname, '..', 'dist', 'index.js'))});
      const sbom = await describeArchive(${JSON.stringify(dockerArchive)}, { timestamp: null });
      console.log(JSON.stringify({ json: sbom.json, maxRssKiB: process.resourceUsage().maxRSS }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      maxBuffer: 1 << 26,
    });
    const { json, maxRssKiB } = JSON.parse(stdout) as { json: string; maxRssKiB: number };
    expect(await cycloneDxErrors(json)).toBeNull();
    expect(packagesOf(json)).toEqual(['huge 1.0']);
    expect(warningsOf(json).join('\n')).toMatch(/var\/lib\/dpkg\/status: read only the first 33554432 bytes/);
    // The status file alone is 100 MB: a reader keeping it (or the layer) would pass this (113 MiB measured).
    console.log(`peak RSS describing a 100 MB status file: ${Math.round(maxRssKiB / 1024)} MiB`);
    expect(maxRssKiB).toBeLessThan(160 * 1024);
  });

  it('malformed stanzas and distroless status.d files', async () => {
    const image = await buildTestImage(join(dir.path, 'malformed'), [
      [
        {
          name: 'var/lib/dpkg/status.d/good',
          content:
            'Package: good\nVersion: 1\nArchitecture: amd64\n\nPackage: noversion\n\nnot a field\n\x00\x01binary\n',
        },
        {
          name: 'var/lib/dpkg/status.d/good.md5sums',
          content: 'd41d8cd98f00b204e9800998ecf8427e  usr/bin/good\n',
        },
        {
          name: 'var/lib/dpkg/status.d/long',
          content: `Package: long\nVersion: 2\nDescription: ${'y'.repeat(200_000)}\n`,
        },
        {
          name: 'var/lib/dpkg/status',
          content: 'Package: removed\nVersion: 1\nStatus: deinstall ok config-files\n',
        },
      ],
    ]);
    const sbom = await describeArchive(image.ociArchive, { timestamp: null });
    expect(await cycloneDxErrors(sbom.json)).toBeNull();
    expect(packagesOf(sbom.json)).toEqual(['good 1', 'long 2']);
    const warnings = warningsOf(sbom.json).join('\n');
    expect(warnings).toMatch(/status\.d\/good: 2 malformed lines skipped/);
    expect(warnings).toMatch(/status\.d\/good: 1 records without a name or version skipped/);
    expect(warnings).toMatch(/status\.d\/long: 1 malformed lines skipped/);
  });

  it('a symlinked /var/lib/dpkg pointing outside what is read', async () => {
    const image = await buildTestImage(join(dir.path, 'symlinked'), [
      [
        { name: 'opt/dpkg/status', content: 'Package: hidden\nVersion: 1\nStatus: install ok installed\n' },
        { name: 'var/lib/dpkg', type: 'symlink', target: '/opt/dpkg' },
      ],
    ]);
    const sbom = await describeArchive(image.dockerArchive, { timestamp: null });
    expect(await cycloneDxErrors(sbom.json)).toBeNull();
    expect(warningsOf(sbom.json)).toContain(
      '/var/lib/dpkg is a symlink to /opt/dpkg: the package database there was not read',
    );
  });
});
