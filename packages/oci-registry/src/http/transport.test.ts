import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, pushImage, type Registry, startRegistry } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv, readAll } from '../test-support/client-env.js';
import { startTinyproxy, type Tinyproxy } from '../test-support/tinyproxy.js';

describe('TLS registry with the kit CA', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  let caFile: string;
  beforeAll(async () => {
    [registry, ctx] = await Promise.all([startRegistry({ tls: true }), isolatedClientEnv()]);
    if (!registry.ca) throw new Error('TLS registry without CA');
    caFile = registry.ca.certFile;
    await pushImage(await buildImage({ seed: 81 }), `${registry.host}/tls/app:v1`, {
      tls: { certsDir: registry.ca.certsDir },
    });
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });
  const ref = () => parseReference(`${registry.host}/tls/app:v1`);

  it('fails with TLS (not retried, no fallback to HTTP) without the CA', async () => {
    const started = Date.now();
    const error = await ctx
      .client()
      .resolve(ref())
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'TLS')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('trusts the CA from SSL_CERT_FILE', async () => {
    const client = ctx.client({ env: { ...ctx.env, SSL_CERT_FILE: caFile } });
    expect((await client.resolve(ref())).digest).toMatch(/^sha256:/);
  });

  it('trusts the CA from SSL_CERT_DIR', async () => {
    const dir = join(ctx.root, 'ssl-certs');
    await mkdir(dir, { recursive: true });
    await copyFile(caFile, join(dir, 'kit-ca.pem'));
    const client = ctx.client({ env: { ...ctx.env, SSL_CERT_DIR: `/nonexistent:${dir}` } });
    expect((await client.resolve(ref())).digest).toMatch(/^sha256:/);
  });

  it.each([
    [
      '~/.config/containers/certs.d',
      (home: string, _root: string) => join(home, '.config/containers/certs.d'),
    ],
    ['/etc/containers/certs.d', (_home: string, root: string) => join(root, 'etc/containers/certs.d')],
    ['/etc/docker/certs.d', (_home: string, root: string) => join(root, 'etc/docker/certs.d')],
  ])('trusts certs.d/<host:port>/ca.crt in %s', async (_name, where) => {
    const isolated = await isolatedClientEnv();
    try {
      const hostDir = join(where(isolated.home, isolated.root), registry.host);
      await mkdir(hostDir, { recursive: true });
      await copyFile(caFile, join(hostDir, 'ca.crt'));
      const image = await isolated.client().getImage(ref());
      const layer = image.manifest.layers[0];
      if (!layer) throw new Error('no layer');
      expect((await readAll(await image.openLayer(layer))).length).toBe(layer.size);
    } finally {
      await isolated.cleanup();
    }
  });

  it('skips verification only for a registry marked insecure', async () => {
    const client = ctx.client({ insecureRegistries: [registry.host] });
    expect((await client.resolve(ref())).digest).toMatch(/^sha256:/);
  });
});

describe('TLS registry that demands a client certificate', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true, requireClientCertificate: true });
    if (!registry.ca) throw new Error('TLS registry without CA');
    await pushImage(await buildImage({ seed: 82 }), `${registry.host}/mtls/app:v1`, {
      tls: { certsDir: registry.ca.certsDir },
    });
  });
  afterAll(async () => {
    await registry?.stop();
  });
  const ref = () => parseReference(`${registry.host}/mtls/app:v1`);

  it('presents client.cert + client.key from certs.d/<host:port> and pulls', async () => {
    const isolated = await isolatedClientEnv();
    try {
      const hostDir = join(isolated.root, 'etc/containers/certs.d', registry.host);
      await mkdir(hostDir, { recursive: true });
      for (const file of ['ca.crt', 'client.cert', 'client.key']) {
        await copyFile(join(registry.ca?.certsDir ?? '', registry.host, file), join(hostDir, file));
      }
      const image = await isolated.client().getImage(ref());
      const layer = image.manifest.layers[0];
      if (!layer) throw new Error('no layer');
      expect((await readAll(await image.openLayer(layer))).length).toBe(layer.size);
    } finally {
      await isolated.cleanup();
    }
  });

  it('is refused without a client certificate, as a non-retried error', async () => {
    const isolated = await isolatedClientEnv();
    try {
      const hostDir = join(isolated.root, 'etc/containers/certs.d', registry.host);
      await mkdir(hostDir, { recursive: true });
      await copyFile(join(registry.ca?.certsDir ?? '', registry.host, 'ca.crt'), join(hostDir, 'ca.crt'));
      const started = Date.now();
      const error = await isolated
        .client()
        .resolve(ref())
        .catch((e: unknown) => e);
      expect(isRegistryError(error)).toBe(true);
      expect(['TLS', 'NETWORK']).toContain((error as { code: string }).code);
      expect((error as Error).message).toContain(registry.host);
      expect((error as { hint?: string }).hint).toContain('client certificate');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await isolated.cleanup();
    }
  });
});

describe('through tinyproxy', () => {
  let plain: Registry;
  let secure: Registry;
  let proxy: Tinyproxy;
  let ctx: IsolatedClientEnv;
  beforeAll(async () => {
    [plain, secure, proxy, ctx] = await Promise.all([
      startRegistry(),
      startRegistry({ tls: true }),
      startTinyproxy(),
      isolatedClientEnv(),
    ]);
    const image = await buildImage({ seed: 82 });
    await pushImage(image, `${plain.host}/proxied/app:v1`);
    await pushImage(image, `${secure.host}/proxied/app:v1`, { tls: { certsDir: secure.ca?.certsDir } });
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await Promise.all([plain?.stop(), secure?.stop(), proxy?.stop()]);
  });

  const proxied = async (port: number) =>
    (await proxy.log()).split('\n').filter((l) => l.includes(`127.0.0.1:${port}`) || l.includes(`:${port}/`));

  it('sends plain-HTTP registry requests through HTTP_PROXY when told to proxy loopback', async () => {
    const client = ctx.client({ env: { ...ctx.env, HTTP_PROXY: proxy.url }, proxy: { proxyLoopback: true } });
    const image = await client.getImage(parseReference(`${plain.host}/proxied/app:v1`));
    for (const layer of image.manifest.layers) await readAll(await image.openLayer(layer));
    const lines = await proxied(plain.port);
    expect(lines.some((l) => /GET http:\/\/127\.0\.0\.1:\d+\/v2\/proxied\/app\/blobs\//.test(l))).toBe(true);
  });

  it('tunnels HTTPS with CONNECT through HTTPS_PROXY (TLS still verified end to end)', async () => {
    const env = { ...ctx.env, HTTPS_PROXY: proxy.url, SSL_CERT_FILE: secure.ca?.certFile };
    const client = ctx.client({ env, proxy: { proxyLoopback: true } });
    expect((await client.resolve(parseReference(`${secure.host}/proxied/app:v1`))).digest).toMatch(
      /^sha256:/,
    );
    expect((await proxied(secure.port)).some((l) => l.includes('CONNECT'))).toBe(true);
    const untrusted = ctx.client({
      env: { ...ctx.env, HTTPS_PROXY: proxy.url },
      proxy: { proxyLoopback: true },
    });
    const error = await untrusted
      .resolve(parseReference(`${secure.host}/proxied/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'TLS')).toBe(true);
  });

  it('leaves loopback alone by default and honours NO_PROXY', async () => {
    const before = (await proxied(plain.port)).length;
    await ctx
      .client({ env: { ...ctx.env, HTTP_PROXY: proxy.url } })
      .resolve(parseReference(`${plain.host}/proxied/app:v1`));
    const noProxy = ctx.client({
      env: { ...ctx.env, http_proxy: proxy.url, no_proxy: `example.com,127.0.0.1:${plain.port}` },
      proxy: { proxyLoopback: true },
    });
    await noProxy.resolve(parseReference(`${plain.host}/proxied/app:v1`));
    expect((await proxied(plain.port)).length).toBe(before);
  });
});
