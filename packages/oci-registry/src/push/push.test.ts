import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MediaType } from '@isar/oci-spec';
import {
  type BuiltImage,
  buildImage,
  faultProxy,
  pushImage,
  type Registry,
  skopeo,
  startRegistry,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv } from '../test-support/client-env.js';

const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function inspectRaw(ref: string): Promise<string> {
  return (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])).stdout;
}

describe('push round trips, read back by skopeo', () => {
  let source: Registry;
  let target: Registry;
  let ctx: IsolatedClientEnv;
  let multi: BuiltImage;
  let docker: BuiltImage;

  beforeAll(async () => {
    [source, target, ctx, multi, docker] = await Promise.all([
      startRegistry(),
      startRegistry(),
      isolatedClientEnv(),
      buildImage({ platforms: ['linux/amd64', 'linux/arm/v7'], seed: 101, layers: [16 * 1024, 400_000] }),
      buildImage({ mediaTypes: 'docker', seed: 102 }),
    ]);
    await pushImage(multi, `${source.host}/src/multi:v1`);
    await pushImage(docker, `${source.host}/src/docker:v1`);
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await Promise.all([source?.stop(), target?.stop()]);
  });

  it('pushes a single image (monolithic uploads) and skopeo reads the same manifest digest', async () => {
    const client = ctx.client();
    const image = await client.getImage(parseReference(`${source.host}/src/docker:v1`));
    const result = await client.pushImage(image, parseReference(`${target.host}/dst/docker:v1`));
    expect(result.descriptor).toEqual(image.descriptor);
    expect(result.blobs.map((b) => b.outcome)).toEqual(['uploaded', 'uploaded', 'uploaded']);
    const raw = await inspectRaw(`${target.host}/dst/docker:v1`);
    expect(sha256(raw)).toBe(image.descriptor.digest);
    expect(JSON.parse(raw).mediaType).toBe(MediaType.dockerManifest);
    const log = await target.accessLog();
    expect(log.filter((e) => e.method === 'PATCH')).toHaveLength(0);

    const again = await client.pushImage(image, parseReference(`${target.host}/dst/docker:v2`));
    expect(again.blobs.every((b) => b.outcome === 'exists')).toBe(true);
  });

  it('pushes a multi-arch index in PATCH chunks; skopeo reads index and images back', async () => {
    const client = ctx.client();
    const index = await client.getIndex(parseReference(`${source.host}/src/multi:v1`));
    const images = await Promise.all(
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ].map((platform) => client.getImage(parseReference(`${source.host}/src/multi:v1`), { platform })),
    );
    const before = (await target.accessLog()).length;
    const result = await client.pushIndex(index, images, parseReference(`${target.host}/dst/multi:v1`), {
      chunkSize: 64 * 1024,
    });
    expect(result.descriptor.digest).toBe(multi.indexDigest);
    expect(sha256(await inspectRaw(`${target.host}/dst/multi:v1`))).toBe(multi.indexDigest);
    for (const image of images) {
      expect(sha256(await inspectRaw(`${target.host}/dst/multi@${image.descriptor.digest}`))).toBe(
        image.descriptor.digest,
      );
    }
    const patches = (await target.accessLog()).slice(before).filter((e) => e.method === 'PATCH');
    expect(patches.length).toBeGreaterThan(images.length);
    // skopeo can copy everything back out: every blob is really there and verified.
    await skopeo([
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${target.host}/dst/multi:v1`,
      `dir:${ctx.root}/copy`,
    ]);
  });

  it('mounts blobs from another repository instead of uploading them', async () => {
    const client = ctx.client();
    const image = await client.getImage(parseReference(`${target.host}/dst/docker:v1`));
    const before = (await target.accessLog()).length;
    const result = await client.pushImage(image, parseReference(`${target.host}/mounted/docker:v1`), {
      mountFrom: { registry: target.host, repository: 'dst/docker' },
    });
    expect(result.blobs.map((b) => b.outcome)).toEqual(['mounted', 'mounted', 'mounted']);
    const log = (await target.accessLog()).slice(before);
    expect(log.filter((e) => e.method === 'PUT' && e.kind !== 'manifest')).toHaveLength(0);
    expect(sha256(await inspectRaw(`${target.host}/mounted/docker:v1`))).toBe(image.descriptor.digest);
  });

  it('pushes by digest when the reference has no tag', async () => {
    const client = ctx.client();
    const image = await client.getImage(parseReference(`${source.host}/src/docker:v1`));
    const result = await client.pushImage(
      image,
      parseReference(`${target.host}/bydigest/docker@${image.descriptor.digest}`),
    );
    expect(result.descriptor.digest).toBe(image.descriptor.digest);
    expect(sha256(await inspectRaw(`${target.host}/bydigest/docker@${image.descriptor.digest}`))).toBe(
      image.descriptor.digest,
    );
  });

  it('refuses content that does not match its descriptor', async () => {
    const client = ctx.client();
    const content = Buffer.from('not what the descriptor says');
    const descriptor = {
      mediaType: 'application/octet-stream',
      digest: sha256('something else'),
      size: content.length,
    } as const;
    for (const chunkSize of [undefined, 8]) {
      const error = await client
        .pushBlob(
          parseReference(`${target.host}/bad/blob:v1`),
          descriptor as never,
          () => Readable.from([content]),
          {
            chunkSize,
          },
        )
        .catch((e: unknown) => e);
      expect(isRegistryError(error)).toBe(true);
      expect(['DIGEST_MISMATCH', 'UPLOAD_FAILED']).toContain((error as { code: string }).code);
    }
    expect(
      await client.hasBlob(parseReference(`${target.host}/bad/blob:v1`), descriptor.digest as never),
    ).toBe(false);
  });

  it('retries uploads through 503s', async () => {
    const proxy = await faultProxy(target.url, {
      kind: 'status',
      status: 503,
      times: 2,
      match: (req) => req.method === 'PUT',
    });
    try {
      const client = ctx.client();
      const image = await client.getImage(parseReference(`${source.host}/src/docker:v1`));
      const result = await client.pushImage(image, parseReference(`${proxy.host}/retried/docker:v1`), {
        concurrency: 1,
      });
      expect(result.descriptor.digest).toBe(image.descriptor.digest);
      expect(proxy.requests.filter((r) => r.method === 'PUT' && r.status === 503)).toHaveLength(2);
      expect(sha256(await inspectRaw(`${target.host}/retried/docker:v1`))).toBe(image.descriptor.digest);
    } finally {
      await proxy.stop();
    }
  });
});
