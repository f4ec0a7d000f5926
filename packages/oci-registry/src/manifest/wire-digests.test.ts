import { MediaType } from '@isar/oci-spec';
import { type HostileRegistry, sha256Digest, startHostileRegistry } from '@isar/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv } from '../test-support/client-env.js';

/**
 * Digests inside manifests and indexes come from the registry: they are checked with the strict digest grammar
 * before they name a URL, and a manifest fetched through an index entry is verified against that entry.
 */
const HOSTILE = 'sha256:../../../../tmp/x';
const config = Buffer.from(
  JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
);

const layer = (digest: string, size: number) => ({ mediaType: MediaType.ociLayerGzip, digest, size });
const manifestWith = (parts: { config?: object; layers?: object[] }) => ({
  schemaVersion: 2,
  mediaType: MediaType.ociManifest,
  config: { mediaType: MediaType.ociConfig, digest: sha256Digest(config), size: config.length },
  layers: [],
  ...parts,
});

describe('digests from the wire', () => {
  let ctx: IsolatedClientEnv;
  let registry: HostileRegistry;
  beforeAll(async () => {
    ctx = await isolatedClientEnv();
  });
  afterEach(async () => {
    await registry?.stop();
  });
  afterAll(async () => {
    await ctx?.cleanup();
  });

  async function hostile() {
    registry = await startHostileRegistry();
    registry.addBlob('demo/app', config);
    // What a client that follows a hostile digest would fetch: a manifest it would accept unverified.
    registry.route('/tmp/x', {
      headers: { 'content-type': MediaType.ociManifest },
      body: JSON.stringify(manifestWith({})),
    });
    return registry;
  }

  const outside = () =>
    registry.requests.filter((r) => !r.path.startsWith('/v2/demo/app/') && r.path !== '/v2/');

  it('refuses a config digest that is not a digest, before any request for it', async () => {
    await hostile();
    registry.addManifest(
      'demo/app',
      'v1',
      manifestWith({ config: { mediaType: MediaType.ociConfig, digest: HOSTILE, size: 10 } }),
      MediaType.ociManifest,
    );
    const error = await ctx
      .client()
      .getImage(parseReference(`${registry.host}/demo/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'PROTOCOL')).toBe(true);
    expect((error as Error).message).toContain('config has an invalid digest "sha256:../../../../tmp/x"');
    expect(outside()).toEqual([]);
  });

  it('refuses an index entry whose digest is not a digest: no manifest fetched from where it points', async () => {
    await hostile();
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: HOSTILE,
          size: 300,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    };
    const indexDigest = registry.addManifest('demo/app', 'v1', index, MediaType.ociIndex);
    const error = await ctx
      .client()
      .getImage(parseReference(`${registry.host}/demo/app@${indexDigest}`), {
        platform: { os: 'linux', architecture: 'amd64' },
      })
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'PROTOCOL')).toBe(true);
    expect((error as Error).message).toContain('entry 0 has an invalid digest');
    expect(outside()).toEqual([]);
  });

  it('verifies a manifest fetched through an index entry against the entry digest', async () => {
    await hostile();
    const real = Buffer.from(JSON.stringify(manifestWith({})));
    const claimed = sha256Digest('other bytes');
    // The registry serves the real manifest's bytes under a digest they do not hash to.
    registry.route(`/v2/demo/app/manifests/${claimed}`, {
      headers: { 'content-type': MediaType.ociManifest },
      body: real,
    });
    const index = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: MediaType.ociManifest,
          digest: claimed,
          size: real.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    };
    registry.addManifest('demo/app', 'v1', index, MediaType.ociIndex);
    const error = await ctx
      .client()
      .getImage(parseReference(`${registry.host}/demo/app:v1`), {
        platform: { os: 'linux', architecture: 'amd64' },
      })
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'DIGEST_MISMATCH')).toBe(true);
  });

  it.each([
    ['2^62', 2 ** 62],
    ['1e300', 1e300],
    ['negative', -1],
    ['fractional', 1.5],
  ])('refuses a layer size of %s', async (_name, size) => {
    await hostile();
    registry.addManifest(
      'demo/app',
      'v1',
      manifestWith({ layers: [layer(sha256Digest('x'), size)] }),
      MediaType.ociManifest,
    );
    const error = await ctx
      .client()
      .getImage(parseReference(`${registry.host}/demo/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'PROTOCOL')).toBe(true);
    expect((error as Error).message).toMatch(/layer 0 sha256:[0-9a-f]{64} has an invalid size/);
  });

  it('refuses to open a blob by a descriptor whose digest is not a digest, without a request', async () => {
    await hostile();
    const error = await ctx
      .client()
      .openBlob(parseReference(`${registry.host}/demo/app:v1`), layer(HOSTILE, 10) as never)
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('INVALID_DIGEST');
    expect(outside()).toEqual([]);
  });
});
