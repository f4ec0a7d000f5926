import { type Descriptor, parseDigest } from '@isar/oci-spec';
import {
  buildImage,
  type FaultMatchRequest,
  type FaultProxy,
  faultProxy,
  pushImage,
  type Registry,
  startRegistry,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv, readAll } from '../test-support/client-env.js';

/**
 * A server that stalls inside a blob body is cut by the idle timeout and resumed; resumes that bring no new
 * byte count against one bound on the time without progress (`timeouts.stallMs`), so a stalled transfer ends
 * in about that time, not after six idle timeouts.
 */
describe('a transfer that stalls', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  let blob: Descriptor;
  let proxy: FaultProxy | undefined;

  beforeAll(async () => {
    const image = await buildImage({ seed: 77, busybox: false, layers: [600_000] });
    [registry, ctx] = await Promise.all([startRegistry(), isolatedClientEnv()]);
    await pushImage(image, `${registry.host}/stall/app:v1`);
    const layer = image.manifests[0]?.layers[0];
    if (!layer) throw new Error('fixture needs a layer');
    blob = { mediaType: layer.mediaType, digest: parseDigest(layer.digest), size: layer.size };
  });
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });

  const isBlob = (r: FaultMatchRequest) => r.method === 'GET' && r.path.endsWith(blob.digest);

  it('gives up after stallMs without progress, counting resumes that bring nothing', async () => {
    // The first answer stops after 100 kB; every resume stalls before its first byte.
    proxy = await faultProxy(registry.url, [
      { kind: 'stall-after-bytes', bytes: 100_000, times: 1, match: (r) => isBlob(r) && !r.headers.range },
      { kind: 'stall-after-bytes', bytes: 0, match: (r) => isBlob(r) && typeof r.headers.range === 'string' },
    ]);
    const client = ctx.client({ timeouts: { bodyMs: 300, stallMs: 1000 } });
    const resumes: number[] = [];
    const started = Date.now();
    const error = await client
      .openBlob(parseReference(`${proxy.host}/stall/app:v1`), blob, { onResume: (at) => resumes.push(at) })
      .then(readAll)
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(isRegistryError(error, 'NETWORK')).toBe(true);
    expect((error as Error).message).toMatch(/no progress for \d+(\.\d+)? s/);
    // Bounded by stallMs (+ one idle timeout), far below the 6 idle timeouts it took before.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1000 + 300 + 500);
    expect(resumes.length).toBeLessThanOrEqual(3);
  });

  it('keeps resuming while every resume brings new bytes', async () => {
    // Every answer stalls after 150 kB: slow, but making progress.
    proxy = await faultProxy(registry.url, [{ kind: 'stall-after-bytes', bytes: 150_000, match: isBlob }]);
    const client = ctx.client({ timeouts: { bodyMs: 300, stallMs: 1500 } });
    const bytes = await readAll(await client.openBlob(parseReference(`${proxy.host}/stall/app:v1`), blob));
    expect(bytes.length).toBe(blob.size);
  });
});
