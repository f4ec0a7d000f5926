import { afterEach, describe, expect, it } from 'vitest';
import { type HostileRegistry, sha256Digest, startHostileRegistry } from './hostile-registry.js';

describe('hostile registry', () => {
  let registry: HostileRegistry;
  afterEach(async () => {
    await registry?.stop();
  });

  it('serves manifests by tag and digest, blobs with and without Range, and records every request', async () => {
    registry = await startHostileRegistry();
    const blob = registry.addBlob('x/y', 'hello blob');
    const ignoring = registry.addBlob('x/y', 'no ranges here', { ignoreRange: true });
    const manifest = { schemaVersion: 2, config: { digest: 'sha256:../../../../tmp/x' } };
    const digest = registry.addManifest('x/y', 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
    expect(blob).toBe(sha256Digest('hello blob'));

    const byTag = await fetch(`${registry.url}/v2/x/y/manifests/v1`);
    expect(byTag.headers.get('docker-content-digest')).toBe(digest);
    expect(await byTag.json()).toEqual(manifest);
    expect((await fetch(`${registry.url}/v2/x/y/manifests/${digest}`)).status).toBe(200);

    const ranged = await fetch(`${registry.url}/v2/x/y/blobs/${blob}`, { headers: { range: 'bytes=6-' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe('bytes 6-9/10');
    expect(await ranged.text()).toBe('blob');
    const ignored = await fetch(`${registry.url}/v2/x/y/blobs/${ignoring}`, {
      headers: { range: 'bytes=3-' },
    });
    expect(ignored.status).toBe(200);
    expect(await ignored.text()).toBe('no ranges here');

    const missing = await fetch(`${registry.url}/v2/x/y/blobs/sha256:${'0'.repeat(64)}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe(
      'BLOB_UNKNOWN',
    );

    registry.route('/tmp/x', { status: 200, body: 'secret' });
    await fetch(`${registry.url}/tmp/x`, { headers: { authorization: 'Bearer t' } });
    expect(registry.requests.at(-1)).toMatchObject({ method: 'GET', path: '/tmp/x' });
    expect(registry.requests.at(-1)?.headers.authorization).toBe('Bearer t');
  });
});
