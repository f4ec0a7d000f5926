import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Descriptor, parseDigest } from '@isar/oci-spec';
import {
  buildImage,
  type FaultPlan,
  type FaultProxy,
  faultProxy,
  pushImage,
  type Registry,
  startRegistry,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv } from '../test-support/client-env.js';

/**
 * The ranged read of a blob's last bytes is only a prediction: any answer but the 206 asked for (a 404, a 200
 * from a server that ignores Range, a 5xx) gives no tail, and nothing of the answer may escape as an unhandled
 * stream error (that ended the whole process with a Node stack trace).
 */
describe('readBlobTail on answers other than 206', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  let blob: Descriptor;
  let bytes: Buffer;
  const proxies: FaultProxy[] = [];

  beforeAll(async () => {
    const image = await buildImage({ seed: 73, busybox: false, layers: [400_000] });
    [registry, ctx] = await Promise.all([startRegistry(), isolatedClientEnv()]);
    await pushImage(image, `${registry.host}/tail/app:v1`);
    const layer = image.manifests[0]?.layers[0];
    if (!layer) throw new Error('fixture needs a layer');
    blob = { mediaType: layer.mediaType, digest: parseDigest(layer.digest), size: layer.size };
    bytes = await readFile(join(image.layoutDir, 'blobs/sha256', layer.digest.slice('sha256:'.length)));
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });

  const isTail = (r: { method: string; headers: Record<string, unknown> }) =>
    r.method === 'GET' && typeof r.headers.range === 'string';

  it.each<[string, FaultPlan]>([
    ['404 (the layer is missing)', { kind: 'status', status: 404, match: isTail }],
    [
      '200 with the whole blob (Range ignored)',
      { kind: 'drop-request-header', header: 'range', match: isTail },
    ],
    ['a 503 that stays', { kind: 'status', status: 503, match: isTail }],
  ])('gives no tail on %s, and leaves no stream error behind', async (_name, plan) => {
    const proxy = await faultProxy(registry.url, plan);
    proxies.push(proxy);
    const client = ctx.client({ retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    const unhandled: unknown[] = [];
    const record = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', record);
    try {
      for (let i = 0; i < 4; i++) {
        const tail = await client.readBlobTail(parseReference(`${proxy.host}/tail/app:v1`), blob, 4);
        expect(tail).toBeUndefined();
      }
      // The stream error of a destroyed body is emitted on a later turn.
      await sleep(50);
    } finally {
      process.off('uncaughtException', record);
    }
    expect(unhandled).toEqual([]);
    expect(proxy.requests.filter(isTail).length).toBeGreaterThanOrEqual(4);
  });

  it('still reads the tail when the answer is 206', async () => {
    const proxy = await faultProxy(registry.url, []);
    proxies.push(proxy);
    const tail = await ctx.client().readBlobTail(parseReference(`${proxy.host}/tail/app:v1`), blob, 4);
    expect(Buffer.from(tail ?? []).equals(bytes.subarray(blob.size - 4))).toBe(true);
  });
});
