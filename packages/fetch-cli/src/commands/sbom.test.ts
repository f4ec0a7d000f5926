import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recordPathOf } from '@isar/fetch-core';
import {
  type BuiltImage,
  buildImage,
  pushImage,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run.js';

/** `sbom` run in-process on archives that `fetch` wrote from a real registry, both formats. */
let registry: Registry;
let work: TmpDir;
let repo: string;
let image: BuiltImage;

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: work.path,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

beforeAll(async () => {
  registry = await startRegistry();
  work = await tmpDir('fetch-cli-sbom-');
  image = await buildImage({ platforms: ['linux/amd64'], layers: 2 });
  repo = `${registry.host}/demo/sbom`;
  await pushImage(image, `${repo}:1`);
});
afterAll(async () => {
  await registry?.stop();
  await work?.cleanup();
});

describe('sbom', () => {
  it.each(['docker-archive', 'oci'])('writes <archive>.cdx.json for a fetched %s archive', async (format) => {
    const fetched = await cli([
      'fetch',
      `docker://${repo};tag=1`,
      '--dl-dir',
      `dl-${format}`,
      '--arch',
      'amd64',
      '--format',
      format,
    ]);
    expect(fetched.code).toBe(0);
    const archive = fetched.stdout.trim();
    const r = await cli(['sbom', archive, '--url', `docker://${repo}:1`], {
      SOURCE_DATE_EPOCH: '1700000000',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${archive}.cdx.json\n`);
    const bom = JSON.parse(await readFile(`${archive}.cdx.json`, 'utf8'));
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.specVersion).toBe('1.6');
    expect(bom.metadata.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(bom.metadata.component.purl).toContain(`pkg:oci/sbom@sha256:`);
    expect(bom.metadata.component.purl).toContain('tag=1');
    const layers = bom.metadata.component.properties.filter((p: { name: string }) =>
      /^isar:image:layer:\d+:digest$/.test(p.name),
    );
    expect(layers).toHaveLength(2);
    expect(bom.metadata.component.externalReferences).toEqual([
      { type: 'distribution', url: `docker://${repo}:1` },
    ]);
    // The same archive again, to stdout: the same bytes; without --url, another document (another serial).
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const again = await cli(['sbom', archive, '--url', `docker://${repo}:1`, '--output', '-'], env);
    expect(again.stdout).toBe(await readFile(`${archive}.cdx.json`, 'utf8'));
    const other = await cli(['sbom', archive, '-o', '-'], env);
    expect(JSON.parse(other.stdout).serialNumber).not.toBe(bom.serialNumber);
    const json = await cli(['sbom', archive, '--json', '-o', 'x.cdx.json']);
    expect(JSON.parse(json.stdout)).toEqual({
      path: join(work.path, 'x.cdx.json'),
      packages: 0,
      warnings: [],
    });
  });

  it('fetch writes the SBOM beside a docker-archive; --no-sbom does not, --sbom makes one for oci', async () => {
    const fetch = (dir: string, ...extra: string[]) =>
      cli(['fetch', `docker://${repo};tag=1`, '--dl-dir', dir, '--arch', 'amd64', '--quiet', ...extra]);
    const plain = (await fetch('by-default')).stdout.trim();
    expect(JSON.parse(await readFile(`${plain}.cdx.json`, 'utf8')).specVersion).toBe('1.6');
    const none = (await fetch('none', '--no-sbom')).stdout.trim();
    await expect(readFile(`${none}.cdx.json`)).rejects.toMatchObject({ code: 'ENOENT' });
    const oci = (await fetch('oci', '--format', 'oci', '--sbom')).stdout.trim();
    expect(JSON.parse(await readFile(`${oci}.cdx.json`, 'utf8')).metadata.component.purl).toContain(
      'pkg:oci/sbom@',
    );
    expect((await fetch('both', '--sbom', '--no-sbom')).code).toBe(2);
  });

  it("of a fetched docker-archive: the SBOM fetch wrote, from the archive's record; a stale record is not used", async () => {
    const fetched = await cli([
      'fetch',
      `docker://${repo};tag=1`,
      '--dl-dir',
      'dl-rec',
      '--arch',
      'amd64',
      '-q',
    ]);
    const archive = fetched.stdout.trim();
    const written = await readFile(`${archive}.cdx.json`, 'utf8');
    // The URL and the registry's layer digests, as fetch records them (added here if this fetch does not yet).
    const record = JSON.parse(await readFile(recordPathOf(archive), 'utf8'));
    record.url ??= `docker://${repo};tag=1`;
    record.layers ??= image.manifests[0]?.layers.map((layer) => layer.digest);
    await writeFile(recordPathOf(archive), JSON.stringify(record));
    const again = await cli(['sbom', archive, '-o', '-']);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(written);
    // The archive touched since: the record no longer describes it, the archive alone speaks.
    await utimes(archive, new Date(), new Date(2020, 0, 1));
    const alone = JSON.parse((await cli(['sbom', archive, '-o', '-'])).stdout);
    const names = alone.metadata.component.properties.map((p: { name: string }) => p.name);
    expect(names).not.toContain('isar:image:manifest-digest');
    expect(names).not.toContain('isar:image:source');
  });

  it('refuses a missing file and an image the archive does not hold (usage errors, exit 2)', async () => {
    const missing = await cli(['sbom', join(work.path, 'nope.zst')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/sbom: not a regular file/);
    const fetched = await cli(['fetch', `docker://${repo};tag=1`, '--dl-dir', 'dl-x', '--arch', 'amd64']);
    const wrong = await cli(['sbom', fetched.stdout.trim(), '--image', 'linux/s390x']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/no image "linux\/s390x"/);
  });
});
