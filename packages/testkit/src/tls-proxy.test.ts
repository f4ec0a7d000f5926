import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet } from './http-probe.js';
import { buildImage } from './image-builder.js';
import { type Registry, startRegistry } from './registry.js';
import { pushImage, skopeo } from './skopeo.js';

describe('TLS registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
  });
  afterAll(() => registry?.stop());

  it('serves HTTPS with a certificate from the kit CA, laid out certs.d-style', async () => {
    const ca = registry.ca;
    if (!ca) throw new Error('no CA');
    expect(registry.url).toBe(`https://${registry.host}`);
    expect(await readFile(join(ca.certsDir, registry.host, 'ca.crt'), 'utf8')).toBe(ca.certPem);
    expect(await readFile(ca.certFile, 'utf8')).toBe(ca.certPem);
    expect((await httpGet(`${registry.url}/v2/`, { ca: ca.certPem })).status).toBe(200);
    // without the CA the certificate is not trusted
    await expect(httpGet(`${registry.url}/v2/`)).rejects.toThrow(/certificate/i);
  });

  it('works with skopeo given the certs dir and fails without it', async () => {
    const ca = registry.ca;
    if (!ca) throw new Error('no CA');
    const image = await buildImage({ seed: 41, busybox: false });
    const ref = `${registry.host}/secure/img:v1`;
    const { digest } = await pushImage(image, ref, { tls: { certsDir: ca.certsDir } });
    expect(digest).toBe(image.digest);
    const verified = await skopeo([
      'inspect',
      '--raw',
      '--cert-dir',
      join(ca.certsDir, registry.host),
      `docker://${ref}`,
    ]);
    expect(JSON.parse(verified.stdout).config.digest).toBe(image.manifests[0]?.configDigest);
    await expect(skopeo(['inspect', '--raw', '--tls-verify=true', `docker://${ref}`])).rejects.toThrow(
      /certificate|x509/i,
    );
  });
});

describe('pull-through cache registry', () => {
  let upstream: Registry;
  let cache: Registry;
  beforeAll(async () => {
    // Distribution 2.8 sends upstream credentials only through token auth (as with Docker Hub).
    upstream = await startRegistry({ auth: { type: 'token', users: { up: 'stream' } } });
    cache = await startRegistry({ proxy: { remoteUrl: upstream.url, username: 'up', password: 'stream' } });
  });
  afterAll(async () => {
    await cache?.stop();
    await upstream?.stop();
  });

  it('serves an image that was pushed only to its upstream, fetching blobs from upstream', async () => {
    const image = await buildImage({ seed: 42, busybox: false });
    await pushImage(image, `${upstream.host}/library/cached:v1`, { creds: 'up:stream' });
    const layer = image.manifests[0]?.layers[1];
    if (!layer) throw new Error('no layer');
    const { stdout } = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${cache.host}/library/cached:v1`,
    ]);
    expect(JSON.parse(stdout).layers[1].digest).toBe(layer.digest);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${cache.url}/v2/library/cached/blobs/${layer.digest}`);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(layer.size);
    }
    const upstreamGets = (await upstream.accessLog()).filter(
      (e) => e.method === 'GET' && e.kind === 'blob' && e.reference === layer.digest && e.status === 200,
    );
    // 2.8 stores the blob in the background, so a quick second GET may go upstream again
    expect(upstreamGets.length).toBeGreaterThanOrEqual(1);
    expect(upstream.tokenServer?.requests.some((r) => r.account === 'up')).toBe(true);
    const cacheGets = (await cache.accessLog()).filter(
      (e) => e.kind === 'blob' && e.reference === layer.digest,
    );
    expect(cacheGets.length).toBeGreaterThanOrEqual(2);
  });
});

describe('TLS token registry behind a pull-through cache', () => {
  let upstream: Registry;
  let cache: Registry;
  beforeAll(async () => {
    upstream = await startRegistry({ tls: true, auth: { type: 'token', users: { tls: 'user' } } });
    const ca = upstream.ca;
    if (!ca) throw new Error('no CA');
    cache = await startRegistry({
      proxy: { remoteUrl: upstream.url, username: 'tls', password: 'user', caFile: ca.certFile },
    });
  });
  afterAll(async () => {
    await cache?.stop();
    await upstream?.stop();
  });

  it('serves the token endpoint over HTTPS too, so skopeo pushes with the certs dir and credentials', async () => {
    expect(upstream.tokenServer?.realm).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/token$/);
    const image = await buildImage({ seed: 43, busybox: false });
    const { digest } = await pushImage(image, `${upstream.host}/secure/tok:v1`, {
      tls: { certsDir: upstream.ca?.certsDir },
      creds: 'tls:user',
    });
    expect(digest).toBe(image.digest);
    // the cache trusts the upstream through caFile and authenticates with the token flow
    const { stdout } = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${cache.host}/secure/tok:v1`,
    ]);
    expect(JSON.parse(stdout).config.digest).toBe(image.manifests[0]?.configDigest);
  });
});
