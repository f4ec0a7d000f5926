import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  type HostileRegistry,
  startHostileRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';

/**
 * A pinned digest pins every byte: digests inside manifests and indexes are parsed with the strict grammar
 * before they are used, so a registry cannot send us to another path on its host with `sha256:../../x`, nor
 * slip an unverified manifest in through an index entry.
 */
const HOSTILE = 'sha256:../../../../tmp/x';
let image: BuiltImage;
let hostile: HostileRegistry;
let work: TmpDir;

beforeAll(async () => {
  image = await buildImage({ seed: 99, layers: [0, 200_000] });
});
beforeEach(async () => {
  work = await tmpDir('isar-fetch-wire-digests-');
  hostile = await startHostileRegistry();
  await hostile.addImage('demo/app', 'good', image);
});
afterEach(async () => {
  await hostile?.stop();
  await work.cleanup();
});
afterAll(() => {});

/** Where a client that pastes a digest into a URL unchecked ends up. */
const landing = (kind: 'manifests' | 'blobs', digest: string) =>
  new URL(`/v2/demo/app/${kind}/${digest}`, 'http://x').pathname;

async function layout() {
  const blobs = join(image.layoutDir, 'blobs', 'sha256');
  const manifestBytes = await readFile(join(blobs, image.digest.slice(7)));
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  const config = await readFile(join(blobs, manifest.config.digest.slice(7)));
  return { manifestBytes, manifest, config };
}

async function fetchPinned(tag: string, digest: string) {
  const dlDir = join(work.path, 'dl');
  const run = await cli([
    'fetch',
    `docker://${hostile.host}/demo/app;tag=${tag};digest=${digest}`,
    '--dl-dir',
    dlDir,
    '--arch',
    'amd64',
    '--json',
    '--quiet',
  ]);
  const archives = await readdir(join(dlDir, 'container-images', 'amd64')).catch(() => []);
  return { run, archives, error: run.stdout ? JSON.parse(run.stdout).error : undefined };
}

const strayRequests = () =>
  hostile.requests.filter((r) => r.path !== '/v2/' && !r.path.startsWith('/v2/demo/app/'));

describe('digests from the wire', () => {
  it('a config digest that is not a digest: PROTOCOL, exit 1, no request anywhere else', async () => {
    const { manifest, config } = await layout();
    hostile.route(landing('blobs', HOSTILE), { body: config });
    manifest.config.digest = HOSTILE;
    const digest = hostile.addManifest('demo/app', 'bad', manifest, image.mediaType);
    const { run, error, archives } = await fetchPinned('bad', digest);
    expect(run.code).toBe(1);
    expect(error).toMatchObject({ code: 'PROTOCOL', exitCode: 1 });
    expect(error.message).toContain('invalid digest');
    expect(strayRequests()).toEqual([]);
    expect(archives.filter((name) => name.endsWith('.zst'))).toEqual([]);
  });

  it('an index entry whose digest is not a digest: PROTOCOL, no manifest fetched from where it points', async () => {
    const { manifestBytes } = await layout();
    // What an unchecked client would fetch and accept: the real manifest, at the path the entry points to.
    hostile.route(landing('manifests', HOSTILE), {
      headers: { 'content-type': image.mediaType },
      body: manifestBytes,
    });
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: image.mediaType,
          digest: HOSTILE,
          size: manifestBytes.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    };
    const indexDigest = hostile.addManifest('demo/app', 'idx', index, index.mediaType);
    const { run, error, archives } = await fetchPinned('idx', indexDigest);
    expect(run.code).toBe(1);
    expect(error).toMatchObject({ code: 'PROTOCOL', exitCode: 1 });
    expect(strayRequests()).toEqual([]);
    expect(archives.filter((name) => name.endsWith('.zst'))).toEqual([]);
  });
});
