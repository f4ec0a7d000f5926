import { createHash } from 'node:crypto';
import { type Digest, MediaType, parseDigest } from '@isar/oci-spec';
import { type BuiltImage, buildImage, pushImage, type Registry, startRegistry } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv, readAll } from '../test-support/client-env.js';

// Every Debian architecture Isar builds for, as images label them; arm/v6 is left out on purpose (Docker's
// official images label Debian armel as arm/v5), so armel must fall back.
const PLATFORMS = [
  'linux/amd64',
  'linux/arm64/v8',
  'linux/arm/v7',
  'linux/arm/v5',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
  'linux/mips64le',
];

describe('registry client against an anonymous registry', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  let oci: BuiltImage;
  let docker: BuiltImage;
  let dockerIndexDigest: string;

  beforeAll(async () => {
    [registry, ctx, oci, docker] = await Promise.all([
      startRegistry(),
      isolatedClientEnv(),
      buildImage({ platforms: PLATFORMS, seed: 41 }),
      buildImage({ platforms: ['linux/amd64', 'linux/arm64/v8'], mediaTypes: 'docker', seed: 42 }),
    ]);
    await pushImage(oci, `${registry.host}/multi/oci:v1`);
    dockerIndexDigest = (await pushImage(docker, `${registry.host}/multi/docker:v1`)).digest;
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });

  it('resolves a tag with one HEAD and no body', async () => {
    const client = ctx.client();
    const before = (await registry.accessLog()).length;
    const descriptor = await client.resolve(parseReference(`${registry.host}/multi/oci:v1`));
    expect(descriptor).toEqual({
      mediaType: MediaType.ociIndex,
      digest: oci.indexDigest,
      size: oci.indexSize,
    });
    const log = (await registry.accessLog()).slice(before);
    expect(log.filter((e) => e.kind === 'manifest').map((e) => e.method)).toEqual(['HEAD']);
  });

  it('fetches an OCI index by tag and by digest, bytes hashing to the digest', async () => {
    const client = ctx.client();
    const byTag = await client.getIndex(parseReference(`${registry.host}/multi/oci:v1`));
    expect(byTag.descriptor.digest).toBe(oci.indexDigest);
    expect(sha256(byTag.rawIndex)).toBe(oci.indexDigest);
    expect(byTag.index.manifests).toHaveLength(PLATFORMS.length);
    const byDigest = await client.getManifest(
      parseReference(`${registry.host}/multi/oci@${oci.indexDigest}`),
    );
    expect(byDigest.kind).toBe('index');
    expect(Buffer.from(byDigest.bytes).equals(Buffer.from(byTag.rawIndex))).toBe(true);
  });

  it.each([
    // Debian architecture names, as Isar passes them, and the index entry each must get.
    ['amd64', '', 'linux/amd64', true],
    ['arm64', '', 'linux/arm64/v8', true],
    ['armhf', '', 'linux/arm/v7', true],
    ['armel', '', 'linux/arm/v5', false],
    ['arm', 'v6', 'linux/arm/v5', false],
    ['i386', '', 'linux/386', true],
    ['ppc64el', '', 'linux/ppc64le', true],
    ['s390x', '', 'linux/s390x', true],
    ['riscv64', '', 'linux/riscv64', true],
    ['mips64el', '', 'linux/mips64le', true],
  ])(
    'selects Debian %s %s from a multi-arch index (-> %s)',
    async (architecture, variant, expected, exact) => {
      const client = ctx.client();
      const platform = variant ? { os: 'linux', architecture, variant } : { os: 'linux', architecture };
      const image = await client.getImage(parseReference(`${registry.host}/multi/oci:v1`), { platform });
      const built = oci.manifests.find((m) => m.platform === expected);
      expect(built).toBeDefined();
      expect(image.descriptor.digest).toBe(built?.digest);
      expect(image.platformMatch?.exact).toBe(exact);
      expect(image.index?.descriptor.digest).toBe(oci.indexDigest);
      expect(sha256(image.rawManifest)).toBe(built?.digest);
      expect(sha256(image.rawConfig)).toBe(built?.configDigest);
      expect(`${image.config.os}/${image.config.architecture}`).toBe(
        expected.split('/').slice(0, 2).join('/'),
      );
      for (const layer of image.manifest.layers) {
        const bytes = await readAll(await image.openLayer(layer));
        expect(sha256(bytes)).toBe(layer.digest);
      }
    },
  );

  it('says which platforms an index offers when none fits', async () => {
    const client = ctx.client();
    const error = await client
      .getImage(parseReference(`${registry.host}/multi/oci:v1`), {
        platform: { os: 'linux', architecture: 'loong64' },
      })
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'NO_MATCHING_PLATFORM')).toBe(true);
    expect(String((error as Error).message)).toContain('linux/arm64');
  });

  it('reads Docker manifest lists and schema 2 manifests', async () => {
    const client = ctx.client();
    const ref = parseReference(`${registry.host}/multi/docker:v1`);
    const top = await client.resolve(ref);
    expect(top).toMatchObject({ mediaType: MediaType.dockerManifestList, digest: dockerIndexDigest });
    const image = await client.getImage(ref, {
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    expect(image.descriptor.mediaType).toBe(MediaType.dockerManifest);
    expect(image.manifest.layers[0]?.mediaType).toBe(MediaType.dockerLayerGzip);
    expect(image.platform).toMatchObject({ os: 'linux', architecture: 'arm64' });
    const layer = image.manifest.layers[1];
    if (!layer) throw new Error('fixture has two layers');
    expect(sha256(await readAll(await image.openLayer(layer)))).toBe(layer.digest);
  });

  it('reports a missing tag and a missing repository as NOT_FOUND, not retried', async () => {
    const client = ctx.client();
    const before = (await registry.accessLog()).length;
    for (const name of ['multi/oci:nope', 'no/such:v1']) {
      const error = await client.resolve(parseReference(`${registry.host}/${name}`)).catch((e: unknown) => e);
      expect(isRegistryError(error, 'NOT_FOUND')).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(false);
    }
    const manifestRequests = (await registry.accessLog()).slice(before).filter((e) => e.kind === 'manifest');
    expect(manifestRequests).toHaveLength(2);
  });

  it('streams a blob at an offset with the hash of the prefix, and rejects a wrong descriptor', async () => {
    const client = ctx.client();
    const repo = parseReference(`${registry.host}/multi/oci:v1`);
    const built = oci.manifests[0]?.layers[1];
    if (!built) throw new Error('fixture has two layers');
    const descriptor = { mediaType: built.mediaType, digest: parseDigest(built.digest), size: built.size };
    const whole = await readAll(await client.openBlob(repo, descriptor));
    const offset = Math.floor(built.size / 3);
    const hash = createHash('sha256').update(whole.subarray(0, offset));
    const rest = await readAll(await client.openBlob(repo, descriptor, { offset, hash }));
    expect(Buffer.concat([whole.subarray(0, offset), rest]).equals(whole)).toBe(true);

    const wrongDigest = { ...descriptor, digest: `sha256:${'0'.repeat(64)}` as Digest };
    const notFound = await client.openBlob(repo, wrongDigest).catch((e: unknown) => e);
    expect(isRegistryError(notFound, 'NOT_FOUND')).toBe(true);

    const tooShort = { ...descriptor, size: descriptor.size - 10 };
    const tooLarge = await readAll(await client.openBlob(repo, tooShort)).catch((e: unknown) => e);
    expect(isRegistryError(tooLarge, 'TOO_LARGE')).toBe(true);
  });

  it('limits parallel blob downloads across callers', async () => {
    const client = ctx.client({ maxConcurrentDownloads: 2 });
    const repo = parseReference(`${registry.host}/multi/oci:v1`);
    const layers = oci.manifests.flatMap((m) => m.layers).slice(0, 5);
    const opened = layers.map((l) =>
      client.openBlob(repo, { mediaType: l.mediaType, digest: parseDigest(l.digest), size: l.size }),
    );
    const settled = await Promise.race([
      Promise.all(opened).then(() => 'all'),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 500)),
    ]);
    // Only two streams may be open before one is consumed.
    expect(settled).toBe('waiting');
    for (const stream of opened) await readAll(await stream);
  });
});

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
