import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './image-builder.js';
import { type Registry, startRegistry } from './registry.js';
import { pushImage, skopeo } from './skopeo.js';

describe('anonymous registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it('serves /v2/ on 127.0.0.1', async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(registry.host).toBe(`127.0.0.1:${registry.port}`);
    const res = await fetch(`${registry.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('takes an image pushed with skopeo and serves it back to skopeo inspect', async () => {
    const image = await buildImage({ seed: 11 });
    const { digest } = await pushImage(image, `${registry.host}/fixtures/single:v1`);
    expect(digest).toBe(image.digest);
    const { stdout } = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/fixtures/single:v1`,
    ]);
    const manifest = JSON.parse(stdout);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(
      image.manifests[0]?.layers.map((l) => l.digest),
    );
  });

  it('logs each request with method, path, status and bytes', async () => {
    const image = await buildImage({ seed: 11 });
    const layer = image.manifests[0]?.layers[1];
    if (!layer) throw new Error('fixture has no second layer');
    const res = await fetch(`${registry.url}/v2/fixtures/single/blobs/${layer.digest}`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(layer.size);
    const log = await registry.accessLog();
    const gets = log.filter((e) => e.method === 'GET' && e.kind === 'blob' && e.reference === layer.digest);
    expect(gets).toHaveLength(1);
    expect(gets[0]).toMatchObject({ status: 200, bytes: layer.size, repository: 'fixtures/single' });
  });
});

describe('access log of an auth registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { type: 'htpasswd', users: { u: 'p' } } });
  });
  afterAll(() => registry?.stop());

  it('records refused requests as 401 entries', async () => {
    const res = await fetch(`${registry.url}/v2/some/repo/manifests/latest`, { method: 'HEAD' });
    expect(res.status).toBe(401);
    const log = await registry.accessLog();
    const refused = log.filter((e) => e.kind === 'manifest' && e.repository === 'some/repo');
    expect(refused).toEqual([expect.objectContaining({ method: 'HEAD', status: 401, reference: 'latest' })]);
  });
});
