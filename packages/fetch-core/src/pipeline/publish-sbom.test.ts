import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  pushImage,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempPathFor } from '../store/atomic-file.js';
import { parseDockerUrl } from '../url/docker-url.js';
import { fetchImage } from './fetch-image.js';
import { describeFetchedArchive, ensureSbom, sbomPathOf } from './publish-sbom.js';
import { type PublishedRecord, readValidRecord, recordPathOf } from './published-record.js';

/** SBOMs of archives already in DL_DIR (cache hits, `isar-fetch sbom`), against a real registry. */
let registry: Registry;
let image: BuiltImage;
let repo: string;
let work: TmpDir;

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({ platforms: ['linux/amd64', 'linux/arm64'], layers: 2, seed: 1801 });
  repo = `${registry.host}/demo/sbom-hit`;
  await pushImage(image, `${repo}:1`);
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await tmpDir('fetch-core-sbom-');
});
afterEach(async () => {
  await work.cleanup();
});

const url = () => `docker://${repo};tag=1`;
const layerDigests = (platform: string) =>
  image.manifests.find((m) => m.platform === platform)?.layers.map((l) => l.digest) ?? [];

/**
 * The record as fetch writes it with the URL and the registry's layer digests (fetch-image.ts passes them to
 * writeRecord): added here when this build's fetch does not yet. Size, mtime and inode still name the archive.
 */
async function recordWithFetchFacts(archive: string, platform: string): Promise<PublishedRecord> {
  const record = JSON.parse(await readFile(recordPathOf(archive), 'utf8')) as PublishedRecord;
  record.url ??= url();
  record.layers ??= layerDigests(platform) as PublishedRecord['layers'];
  await writeFile(recordPathOf(archive), `${JSON.stringify(record, null, 2)}\n`);
  const valid = await readValidRecord(archive);
  if (!valid) throw new Error('the record no longer describes the archive');
  return valid;
}

async function fetchInto(dir: string, options: { sbom?: boolean; arch?: string; format?: 'oci' } = {}) {
  const { arch = 'amd64', ...rest } = options;
  return fetchImage(url(), { dlDir: join(work.path, dir), arch, ...rest });
}

describe('ensureSbom (a cache hit of an archive published without its SBOM)', () => {
  it('makes <archive>.cdx.json from the archive: the bytes a fresh fetch writes', async () => {
    const fresh = await fetchInto('fresh');
    const expected = await readFile(sbomPathOf(fresh.path), 'utf8');
    const bare = await fetchInto('bare', { sbom: false });
    await expect(stat(sbomPathOf(bare.path))).rejects.toMatchObject({ code: 'ENOENT' });
    const record = await recordWithFetchFacts(bare.path, 'linux/amd64');
    // A publish killed earlier left a temp file of the SBOM: cleaned up under the lock.
    const staleTemp = tempPathFor(sbomPathOf(bare.path));
    await writeFile(staleTemp, 'half');

    const target = { url: parseDockerUrl(url()), path: bare.path };
    expect(await ensureSbom(target, record)).toEqual({ path: sbomPathOf(bare.path) });
    expect(await readFile(sbomPathOf(bare.path), 'utf8')).toBe(expected);
    const name = basename(bare.path);
    expect((await readdir(dirname(bare.path))).sort()).toEqual(
      [name, `${name}.cdx.json`, `${name}.isar-fetch.json`].sort(),
    );
    // There and describing this image: left alone.
    const before = (await stat(sbomPathOf(bare.path))).mtimeMs;
    expect(await ensureSbom(target, record, { locked: true })).toEqual({ path: sbomPathOf(bare.path) });
    expect((await stat(sbomPathOf(bare.path))).mtimeMs).toBe(before);
  });

  it("replaces an SBOM of another image at that path (an earlier archive's), and one that is not JSON", async () => {
    const arm = await fetchInto('arm', { arch: 'arm64' });
    const bare = await fetchInto('bare', { sbom: false });
    const record = await recordWithFetchFacts(bare.path, 'linux/amd64');
    const target = { url: parseDockerUrl(url()), path: bare.path };
    for (const stale of ['arm64', 'garbage']) {
      if (stale === 'arm64') await copyFile(sbomPathOf(arm.path), sbomPathOf(bare.path));
      else await writeFile(sbomPathOf(bare.path), '{"bomFormat": "Cyclo');
      expect(await ensureSbom(target, record)).toEqual({ path: sbomPathOf(bare.path) });
      const bom = JSON.parse(await readFile(sbomPathOf(bare.path), 'utf8'));
      expect(bom.metadata.component.purl).toContain(`@${bare.manifestDigest}?arch=amd64&`);
    }
  });

  it('wants none beside an oci archive unless asked, none with sbom: false; a replaced archive is an error, not a throw', async () => {
    const oci = await fetchInto('oci', { format: 'oci' });
    const ociRecord = await recordWithFetchFacts(oci.path, 'linux/amd64');
    const ociTarget = { url: parseDockerUrl(url()), path: oci.path };
    expect(await ensureSbom(ociTarget, ociRecord)).toEqual({});
    await expect(stat(sbomPathOf(oci.path))).rejects.toMatchObject({ code: 'ENOENT' });
    // Asked for: the same document fetch --format oci --sbom writes (it reads the archive again as well).
    expect(await ensureSbom(ociTarget, ociRecord, { sbom: true })).toEqual({ path: sbomPathOf(oci.path) });
    const ociFresh = await fetchInto('oci-fresh', { format: 'oci', sbom: true });
    expect(await readFile(sbomPathOf(oci.path), 'utf8')).toBe(
      await readFile(sbomPathOf(ociFresh.path), 'utf8'),
    );

    const bare = await fetchInto('bare', { sbom: false });
    const record = await recordWithFetchFacts(bare.path, 'linux/amd64');
    const target = { url: parseDockerUrl(url()), path: bare.path };
    expect(await ensureSbom(target, record, { sbom: false })).toEqual({});
    await writeFile(bare.path, 'replaced by something else');
    const result = await ensureSbom(target, record);
    expect(String(result.error)).toMatch(/was replaced/);
    await expect(stat(sbomPathOf(bare.path))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('fetchImage and the SBOM of a cache hit', () => {
  it('a hit (tag, pinned, offline) of an archive published without SBOM gets it; a --no-sbom refetch drops the old', async () => {
    const fresh = await fetchInto('fresh');
    const expected = await readFile(sbomPathOf(fresh.path), 'utf8');
    const pinned = `docker://${repo};digest=${fresh.indexDigest};tag=1`;
    for (const [what, target, extra] of [
      ['tag', url(), {}],
      ['pinned', pinned, {}],
      ['offline', url(), { offline: true }],
    ] as const) {
      const dlDir = join(work.path, `hit-${what}`);
      const bare = await fetchImage(target, { dlDir, arch: 'amd64', sbom: false });
      await expect(stat(sbomPathOf(bare.path)), what).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await readValidRecord(bare.path)).toMatchObject({
        url: target,
        layers: layerDigests('linux/amd64'),
      });
      const hit = await fetchImage(target, { dlDir, arch: 'amd64', ...extra });
      expect(hit.cacheHit, what).toBe(true);
      const sbom = await readFile(sbomPathOf(hit.path), 'utf8');
      // The pinned URL is another source URL; the rest is the document a fresh fetch writes.
      if (what === 'pinned') expect(JSON.parse(sbom).metadata.component.purl).toContain(fresh.manifestDigest);
      else expect(sbom, what).toBe(expected);
      // A hit that wants none leaves it; a refetch in another format without SBOM replaces the archive: it goes.
      await fetchImage(target, { dlDir, arch: 'amd64', sbom: false, ...extra });
      expect(await readFile(sbomPathOf(hit.path), 'utf8')).toBe(sbom);
      if (what === 'offline') continue;
      await fetchImage(target, { dlDir, arch: 'amd64', format: 'oci' });
      await expect(stat(sbomPathOf(hit.path)), what).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });
});

describe('describeFetchedArchive', () => {
  it('without a record (or one of another platform) the archive alone speaks: diff_ids, no manifest digest', async () => {
    const fetched = await fetchInto('plain');
    const record = await recordWithFetchFacts(fetched.path, 'linux/amd64');
    const alone = await describeFetchedArchive(fetched.path, { record: null, timestamp: null });
    expect(alone.image.manifestDigest).toBeUndefined();
    expect(alone.image.sourceUrl).toBeUndefined();
    expect(alone.image.layers.map((l) => l.digest)).toEqual(alone.image.layers.map((l) => l.diffId));
    const other = await describeFetchedArchive(fetched.path, {
      record: { ...record, platform: 'linux/arm64' },
      timestamp: null,
    });
    expect(other.json).toBe(alone.json);
    // The record beside it (read by default) gives back what fetch wrote; --url wins over the record's.
    const withRecord = await describeFetchedArchive(fetched.path);
    expect(withRecord.json).toBe(await readFile(sbomPathOf(fetched.path), 'utf8'));
    expect(withRecord.image.layers.map((l) => l.digest)).toEqual(layerDigests('linux/amd64'));
    const otherUrl = await describeFetchedArchive(fetched.path, {
      url: 'docker://elsewhere/x',
      timestamp: null,
    });
    expect(otherUrl.image).toMatchObject({
      sourceUrl: 'docker://elsewhere/x',
      manifestDigest: fetched.manifestDigest,
    });
  });

  it('a record with malformed layers is no record', async () => {
    const fetched = await fetchInto('plain');
    const record = JSON.parse(await readFile(recordPathOf(fetched.path), 'utf8'));
    await writeFile(recordPathOf(fetched.path), JSON.stringify({ ...record, layers: ['sha256:nothex'] }));
    expect(await readValidRecord(fetched.path)).toBeUndefined();
    await writeFile(recordPathOf(fetched.path), JSON.stringify({ ...record, url: 42 }));
    expect(await readValidRecord(fetched.path)).toBeUndefined();
  });
});
