import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultProxy } from './fault-proxy.js';
import { type BuiltImage, buildImage } from './image-builder.js';
import { type Registry, startRegistry } from './registry.js';
import { pushImage } from './skopeo.js';

const sha256 = (bytes: ArrayBuffer) =>
  `sha256:${createHash('sha256').update(Buffer.from(bytes)).digest('hex')}`;

describe('faultProxy in front of a real registry', () => {
  let registry: Registry;
  let image: BuiltImage;
  let blobUrlPath: string;
  let blob: { digest: string; size: number };
  beforeAll(async () => {
    registry = await startRegistry();
    image = await buildImage({ seed: 51, busybox: false, layers: [1000, 200_000] });
    await pushImage(image, `${registry.host}/faults/img:v1`);
    const layer = image.manifests[0]?.layers[1];
    if (!layer) throw new Error('no layer');
    blob = layer;
    blobUrlPath = `/v2/faults/img/blobs/${layer.digest}`;
  });
  afterAll(() => registry?.stop());

  const isBlob = (req: { path: string }) => req.path.includes('/blobs/sha256:');

  it('passes requests through untouched (with Range) and records them with headers', async () => {
    const proxy = await faultProxy(registry.url, []);
    try {
      const whole = await fetch(`${proxy.url}${blobUrlPath}`, { headers: { authorization: 'Bearer x' } });
      expect(sha256(await whole.arrayBuffer())).toBe(blob.digest);
      const part = await fetch(`${proxy.url}${blobUrlPath}`, { headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${blob.size}`);
      expect((await part.arrayBuffer()).byteLength).toBe(100);
      expect(proxy.requests.map((r) => [r.method, r.path, r.status])).toEqual([
        ['GET', blobUrlPath, 200],
        ['GET', blobUrlPath, 206],
      ]);
      expect(proxy.requests[0]?.headers.authorization).toBe('Bearer x');
      expect(proxy.requests[1]?.headers.range).toBe('bytes=100-199');
    } finally {
      await proxy.stop();
    }
  });

  it('throttles all connections together to one shared rate, and says when the last byte left', async () => {
    // The blob's size per second for the line: three parallel reads need about 3 s together, where a
    // per-connection limit would let them finish in about 1 s.
    const proxy = await faultProxy(registry.url, {
      kind: 'throttle',
      bytesPerSecond: blob.size,
      match: isBlob,
    });
    try {
      const started = Date.now();
      const bodies = await Promise.all(
        [1, 2, 3].map(async () => (await fetch(`${proxy.url}${blobUrlPath}`)).arrayBuffer()),
      );
      const elapsed = Date.now() - started;
      for (const body of bodies) expect(sha256(body)).toBe(blob.digest);
      expect(elapsed).toBeGreaterThan(2500);
      expect(elapsed).toBeLessThan(6000);
      expect(proxy.lastThrottledByteAt).toBeGreaterThan(started + 2500);
      expect(proxy.lastThrottledByteAt).toBeLessThanOrEqual(Date.now());
      expect(proxy.applied).toEqual([3]);
    } finally {
      await proxy.stop();
    }
  });

  it('carries a whole skopeo push (uploads with Location headers) through to the registry', async () => {
    const proxy = await faultProxy(registry.url, []);
    try {
      const other = await buildImage({ seed: 52, busybox: false });
      const { digest } = await pushImage(other, `${proxy.host}/faults/pushed:v1`);
      expect(digest).toBe(other.digest);
      expect(proxy.requests.some((r) => r.method === 'PATCH' || r.method === 'PUT')).toBe(true);
      const direct = await fetch(`${registry.url}/v2/faults/pushed/manifests/v1`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(direct.headers.get('docker-content-digest')).toBe(other.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('answers 429 with Retry-After the given number of times, then passes through', async () => {
    const proxy = await faultProxy(registry.url, {
      kind: 'status',
      status: 429,
      retryAfter: 2,
      times: 2,
      match: isBlob,
    });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${proxy.url}${blobUrlPath}`);
        expect(res.status).toBe(429);
        expect(res.headers.get('retry-after')).toBe('2');
        expect(((await res.json()) as { errors: Array<{ code: string }> }).errors[0]?.code).toBe(
          'TOOMANYREQUESTS',
        );
      }
      const ok = await fetch(`${proxy.url}${blobUrlPath}`);
      expect(ok.status).toBe(200);
      expect(sha256(await ok.arrayBuffer())).toBe(blob.digest);
      // /v2/ does not match: untouched
      expect((await fetch(`${proxy.url}/v2/`)).status).toBe(200);
      expect(proxy.applied).toEqual([2]);
    } finally {
      await proxy.stop();
    }
  });

  it('resets the connection after N body bytes', async () => {
    const proxy = await faultProxy(registry.url, {
      kind: 'reset-after-bytes',
      bytes: 50_000,
      times: 1,
      match: isBlob,
    });
    try {
      const res = await fetch(`${proxy.url}${blobUrlPath}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(blob.size));
      let received = 0;
      const reader = res.body?.getReader();
      if (!reader) throw new Error('no body');
      await expect(
        (async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            received += value.length;
          }
        })(),
      ).rejects.toThrow();
      expect(received).toBe(50_000);
      const again = await fetch(`${proxy.url}${blobUrlPath}`);
      expect(sha256(await again.arrayBuffer())).toBe(blob.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('stalls after N body bytes: the connection stays open and nothing more arrives', async () => {
    const proxy = await faultProxy(registry.url, {
      kind: 'stall-after-bytes',
      bytes: 50_000,
      times: 1,
      match: isBlob,
    });
    try {
      const controller = new AbortController();
      const res = await fetch(`${proxy.url}${blobUrlPath}`, { signal: controller.signal });
      expect(res.status).toBe(200);
      const reader = res.body?.getReader();
      if (!reader) throw new Error('no body');
      let received = 0;
      const reading = (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return 'ended';
          received += value.length;
        }
      })().catch(() => 'aborted');
      await new Promise((r) => setTimeout(r, 500));
      expect(received).toBe(50_000);
      controller.abort();
      expect(await reading).toBe('aborted');
      expect(proxy.requests[0]?.fault).toBe('stall-after-bytes');
      const again = await fetch(`${proxy.url}${blobUrlPath}`);
      expect(sha256(await again.arrayBuffer())).toBe(blob.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('drops a response header the given number of times, matching on request headers too', async () => {
    const proxy = await faultProxy(registry.url, [
      {
        kind: 'drop-response-header',
        header: 'Docker-Content-Digest',
        times: 1,
        match: (req) => req.headers['x-drop'] === 'yes',
      },
    ]);
    try {
      const head = (drop: boolean) =>
        fetch(`${proxy.url}${blobUrlPath}`, { method: 'HEAD', headers: drop ? { 'x-drop': 'yes' } : {} });
      expect((await head(false)).headers.get('docker-content-digest')).toBe(blob.digest);
      expect((await head(true)).headers.get('docker-content-digest')).toBeNull();
      expect((await head(true)).headers.get('docker-content-digest')).toBe(blob.digest);
      expect(proxy.applied).toEqual([1]);
      expect(proxy.requests.map((r) => r.fault)).toEqual([undefined, 'drop-response-header', undefined]);
    } finally {
      await proxy.stop();
    }
  });

  it('drops a request header: without Range the registry answers 200 with the whole blob', async () => {
    const proxy = await faultProxy(registry.url, { kind: 'drop-request-header', header: 'Range', times: 1 });
    try {
      const ranged = () => fetch(`${proxy.url}${blobUrlPath}`, { headers: { range: 'bytes=100-' } });
      const ignored = await ranged();
      expect(ignored.status).toBe(200);
      expect(sha256(await ignored.arrayBuffer())).toBe(blob.digest);
      expect((await ranged()).status).toBe(206);
      expect(proxy.requests.map((r) => r.fault)).toEqual(['drop-request-header', undefined]);
      expect(proxy.requests[0]?.headers.range).toBe('bytes=100-');
    } finally {
      await proxy.stop();
    }
  });

  it('corrupts one byte at the given offset', async () => {
    const proxy = await faultProxy(registry.url, { kind: 'corrupt-byte', offset: 1234, match: isBlob });
    try {
      const direct = Buffer.from(await (await fetch(`${registry.url}${blobUrlPath}`)).arrayBuffer());
      const bent = Buffer.from(await (await fetch(`${proxy.url}${blobUrlPath}`)).arrayBuffer());
      expect(bent.length).toBe(direct.length);
      expect(sha256(bent.buffer.slice(bent.byteOffset, bent.byteOffset + bent.length))).not.toBe(blob.digest);
      const differing = [...bent.keys()].filter((i) => bent[i] !== direct[i]);
      expect(differing).toEqual([1234]);
    } finally {
      await proxy.stop();
    }
  });

  it('delays, answers 5xx, and redirects blob GETs to another host', async () => {
    const mirror = await faultProxy(registry.url, []);
    const proxy = await faultProxy(registry.url, [
      { kind: 'delay', ms: 300, match: (r) => r.path === '/v2/' },
      { kind: 'status', status: 503, times: 1, match: (r) => r.path.includes('/manifests/') },
      { kind: 'redirect-blobs', to: mirror.url },
    ]);
    try {
      const started = Date.now();
      expect((await fetch(`${proxy.url}/v2/`)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);

      const manifestUrl = `${proxy.url}/v2/faults/img/manifests/v1`;
      const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' };
      expect((await fetch(manifestUrl, { headers: accept })).status).toBe(503);
      expect((await fetch(manifestUrl, { headers: accept })).status).toBe(200);

      const redirected = await fetch(`${proxy.url}${blobUrlPath}`, { redirect: 'manual' });
      expect(redirected.status).toBe(307);
      expect(redirected.headers.get('location')).toBe(`${mirror.url}${blobUrlPath}`);
      const followed = await fetch(`${proxy.url}${blobUrlPath}`, {
        headers: { authorization: 'Bearer secret' },
      });
      expect(sha256(await followed.arrayBuffer())).toBe(blob.digest);
      expect(mirror.requests).toHaveLength(1);
      // fetch drops Authorization on a cross-origin redirect: the mirror can check that
      expect(mirror.requests[0]?.headers.authorization).toBeUndefined();
    } finally {
      await proxy.stop();
      await mirror.stop();
    }
  });
});
