import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuiltImage, buildImage, pushImage, type Registry, startRegistry } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv, readAll } from '../test-support/client-env.js';

describe('build farm: a pull-through cache as mirror of a primary that goes away', () => {
  let primary: Registry;
  let mirror: Registry;
  let ctx: IsolatedClientEnv;
  let image: BuiltImage;
  let confPath: string;

  beforeAll(async () => {
    [primary, ctx, image] = await Promise.all([
      startRegistry(),
      isolatedClientEnv(),
      buildImage({ platforms: ['linux/amd64', 'linux/arm64/v8'], seed: 91 }),
    ]);
    mirror = await startRegistry({ proxy: { remoteUrl: primary.url } });
    await pushImage(image, `${primary.host}/farm/base:v1`);
    // The user's registries.conf, found without any option (as skopeo finds it).
    confPath = join(ctx.home, '.config/containers/registries.conf');
    await mkdir(join(ctx.home, '.config/containers'), { recursive: true });
    await writeFile(
      confPath,
      `[[registry]]
prefix = "${primary.host}"
location = "${primary.host}"

[[registry.mirror]]
location = "${mirror.host}"
pull-from-mirror = "digest-only"
`,
    );
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await Promise.all([primary?.stop(), mirror?.stop()]);
  });

  const pinned = () => parseReference(`${primary.host}/farm/base@${image.indexDigest}`);

  async function pullAll(platform: { os: string; architecture: string }) {
    const client = ctx.client();
    const pulled = await client.getImage(pinned(), { platform });
    for (const layer of pulled.manifest.layers) {
      const bytes = await readAll(await pulled.openLayer(layer));
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer.digest);
    }
    return pulled;
  }

  it('keeps tag look-ups on the primary (digest-only) and pulls by digest from the mirror', async () => {
    const client = ctx.client();
    const before = (await mirror.accessLog()).length;
    const top = await client.resolve(parseReference(`${primary.host}/farm/base:v1`));
    expect(top.digest).toBe(image.indexDigest);
    expect((await mirror.accessLog()).slice(before).filter((e) => e.kind === 'manifest')).toHaveLength(0);

    for (const platform of [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ]) {
      const pulled = await pullAll(platform);
      expect(pulled.source).toMatchObject({ registry: mirror.host, mirror: true });
    }
    const warmed = (await mirror.accessLog()).slice(before);
    expect(warmed.filter((e) => e.kind === 'blob' && e.status === 200).length).toBeGreaterThan(0);
  });

  it('still pulls by digest with the primary stopped', async () => {
    // Let the cache finish storing what it streamed during warm-up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await primary.stop();
    const pulled = await pullAll({ os: 'linux', architecture: 'arm64' });
    expect(pulled.descriptor.digest).toBe(
      image.manifests.find((m) => m.platform === 'linux/arm64/v8')?.digest,
    );
    // A tag needs the primary (digest-only mirror): that fails now, clearly, as a network error.
    const error = await ctx
      .client({ retry: { attempts: 2, baseDelayMs: 10 } })
      .resolve(parseReference(`${primary.host}/farm/base:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'NETWORK')).toBe(true);
  });
});

describe('registries.conf rules', () => {
  let primary: Registry;
  let ctx: IsolatedClientEnv;
  let image: BuiltImage;
  beforeAll(async () => {
    [primary, ctx, image] = await Promise.all([
      startRegistry(),
      isolatedClientEnv(),
      buildImage({ seed: 92 }),
    ]);
    await pushImage(image, `${primary.host}/rules/app:v1`);
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await primary?.stop();
  });

  async function conf(name: string, text: string): Promise<string> {
    const path = join(ctx.root, name);
    await writeFile(path, text);
    return path;
  }

  it('refuses a blocked registry with BLOCKED', async () => {
    const registriesConf = await conf(
      'blocked.conf',
      `[[registry]]\nlocation = "${primary.host}"\nblocked = true\n`,
    );
    const error = await ctx
      .client({ registriesConf })
      .resolve(parseReference(`${primary.host}/rules/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'BLOCKED')).toBe(true);
  });

  it('falls back from a dead mirror to the primary, and rewrites prefixes to locations', async () => {
    const registriesConf = await conf(
      'rewrite.conf',
      `[[registry]]
prefix = "alias.example/team"
location = "${primary.host}/rules"

[[registry.mirror]]
location = "127.0.0.1:9/dead"
`,
    );
    const client = ctx.client({ registriesConf, retry: { attempts: 1 } });
    const top = await client.resolve(parseReference('alias.example/team/app:v1'));
    expect(top.digest).toBe(image.digest);
    const pulled = await client.getImage(parseReference('alias.example/team/app:v1'));
    expect(pulled.source).toEqual({
      registry: primary.host,
      repository: 'rules/app',
      insecure: false,
      mirror: false,
    });
  });

  it('reads the system file under the root when the user has none, drop-ins included', async () => {
    await mkdir(join(ctx.root, 'etc/containers/registries.conf.d'), { recursive: true });
    await writeFile(
      join(ctx.root, 'etc/containers/registries.conf'),
      `[[registry]]\nlocation = "${primary.host}"\n`,
    );
    await writeFile(
      join(ctx.root, 'etc/containers/registries.conf.d/50-block.conf'),
      `[[registry]]\nlocation = "${primary.host}"\nblocked = true\n`,
    );
    const error = await ctx
      .client()
      .resolve(parseReference(`${primary.host}/rules/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'BLOCKED')).toBe(true);
  });
});
