import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Descriptor, parseDigest } from '@isar/oci-spec';
import {
  type BuiltImage,
  buildImage,
  type FaultPlan,
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

const isBlobGet = (digest: string) => (req: { method: string; path: string }) =>
  req.method === 'GET' && req.path.includes(`/blobs/${digest}`);
const isManifest = (req: { method: string; path: string }) => req.path.includes('/manifests/');

describe('fault injection between client and registry', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  let image: BuiltImage;
  let big: Descriptor;
  let bigBytes: Buffer;
  const proxies: FaultProxy[] = [];

  beforeAll(async () => {
    [registry, ctx, image] = await Promise.all([
      startRegistry(),
      isolatedClientEnv(),
      buildImage({ seed: 71, layers: [16 * 1024, 3_000_000] }),
    ]);
    await pushImage(image, `${registry.host}/faults/app:v1`);
    const layer = image.manifests[0]?.layers[1];
    if (!layer) throw new Error('fixture needs two layers');
    big = { mediaType: layer.mediaType, digest: parseDigest(layer.digest), size: layer.size };
    bigBytes = await readFile(join(image.layoutDir, 'blobs/sha256', layer.digest.slice('sha256:'.length)));
    expect(big.size).toBeGreaterThan(500_000);
  });
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });

  async function through(plan: FaultPlan | FaultPlan[]) {
    const proxy = await faultProxy(registry.url, plan);
    proxies.push(proxy);
    return { proxy, repo: parseReference(`${proxy.host}/faults/app:v1`) };
  }

  it('resumes a blob with Range after a reset mid-body, re-requesting only the missing bytes', async () => {
    const { proxy, repo } = await through({
      kind: 'reset-after-bytes',
      bytes: 400_000,
      times: 1,
      match: isBlobGet(big.digest),
    });
    const resumes: number[] = [];
    const bytes = await readAll(
      await ctx.client().openBlob(repo, big, { onResume: (at) => resumes.push(at) }),
    );
    expect(bytes.equals(bigBytes)).toBe(true);
    const gets = proxy.requests.filter((r) => isBlobGet(big.digest)(r));
    expect(gets).toHaveLength(2);
    expect(gets[0]?.headers.range).toBeUndefined();
    expect(gets[0]?.fault).toBe('reset-after-bytes');
    expect(resumes).toHaveLength(1);
    const resumedAt = resumes[0] as number;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(400_000);
    expect(gets[1]?.headers.range).toBe(`bytes=${resumedAt}-`);
    expect(gets[1]?.status).toBe(206);
    // Bytes asked for twice: none beyond what the reset lost in flight.
    const reRequested = big.size - resumedAt - (big.size - 400_000);
    expect(reRequested).toBeLessThanOrEqual(400_000 - resumedAt);
  });

  it('waits for Retry-After on 429 and then succeeds', async () => {
    const { proxy, repo } = await through({
      kind: 'status',
      status: 429,
      retryAfter: 1,
      times: 2,
      match: isManifest,
    });
    const started = Date.now();
    const descriptor = await ctx.client().resolve(repo);
    expect(descriptor.digest).toBe(image.digest);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(proxy.requests.filter(isManifest).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('gives up at once with RATE_LIMITED when Retry-After is beyond the allowed wait', async () => {
    const { proxy, repo } = await through({
      kind: 'status',
      status: 429,
      retryAfter: 3600,
      match: isManifest,
    });
    const started = Date.now();
    const error = await ctx
      .client()
      .resolve(repo)
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'RATE_LIMITED')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect((error as { status: number }).status).toBe(429);
    expect((error as Error).message).toContain('429 Too Many Requests');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(proxy.requests.filter(isManifest)).toHaveLength(1);
  });

  it('rides out a burst of 503s, and stops after the attempt limit', async () => {
    const burst = await through({ kind: 'status', status: 503, times: 3, match: isManifest });
    expect((await ctx.client().resolve(burst.repo)).digest).toBe(image.digest);
    expect(burst.proxy.requests.filter(isManifest).map((r) => r.status)).toEqual([503, 503, 503, 200]);

    const endless = await through({ kind: 'status', status: 503, match: isManifest });
    const error = await ctx
      .client({ retry: { attempts: 4, baseDelayMs: 20 } })
      .resolve(endless.repo)
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'SERVER')).toBe(true);
    expect(endless.proxy.requests.filter(isManifest)).toHaveLength(4);
  });

  it('never delivers a blob with a corrupted byte: DIGEST_MISMATCH, no file left', async () => {
    const { repo } = await through({ kind: 'corrupt-byte', offset: 12_345, match: isBlobGet(big.digest) });
    const client = ctx.client();
    const streamed = await readAll(await client.openBlob(repo, big)).catch((e: unknown) => e);
    expect(isRegistryError(streamed, 'DIGEST_MISMATCH')).toBe(true);
    const path = join(ctx.root, 'corrupt.blob');
    const downloaded = await client.downloadBlobToFile(repo, big, path).catch((e: unknown) => e);
    expect(isRegistryError(downloaded, 'DIGEST_MISMATCH')).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('checks manifests against Docker-Content-Digest (by tag) and the requested digest', async () => {
    const { repo } = await through({ kind: 'corrupt-byte', offset: 40, match: isManifest });
    const byTag = await ctx
      .client()
      .getManifest(repo)
      .catch((e: unknown) => e);
    expect(isRegistryError(byTag, 'DIGEST_MISMATCH')).toBe(true);
    expect((byTag as Error).message).toContain('Docker-Content-Digest');
    const byDigest = await ctx
      .client()
      .getManifest({ ...repo, tag: undefined, digest: parseDigest(image.digest) })
      .catch((e: unknown) => e);
    expect(isRegistryError(byDigest, 'DIGEST_MISMATCH')).toBe(true);
  });

  it('resumes a partial file from an earlier run without downloading its prefix again', async () => {
    const { proxy, repo } = await through([]);
    const path = join(ctx.root, 'resume.blob');
    const half = Math.floor(big.size / 2);
    await writeFile(`${path}.partial`, bigBytes.subarray(0, half));
    const result = await ctx.client().downloadBlobToFile(repo, big, path);
    expect(result).toEqual({ path, bytesDownloaded: big.size - half, resumedFrom: half });
    expect((await readFile(path)).equals(bigBytes)).toBe(true);
    expect(existsSync(`${path}.partial`)).toBe(false);
    const gets = proxy.requests.filter(isBlobGet(big.digest));
    expect(gets.map((r) => r.headers.range)).toEqual([`bytes=${half}-`]);
  });

  it('starts over when the partial file from an earlier run is corrupt', async () => {
    const { proxy, repo } = await through([]);
    const path = join(ctx.root, 'bad-prefix.blob');
    const prefix = Buffer.from(bigBytes.subarray(0, 1000));
    prefix[10] = (prefix[10] as number) ^ 0xff;
    await writeFile(`${path}.partial`, prefix);
    const result = await ctx.client().downloadBlobToFile(repo, big, path);
    expect(result.resumedFrom).toBe(0);
    expect(
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    ).toBe(big.digest.slice(7));
    expect(proxy.requests.filter(isBlobGet(big.digest)).map((r) => r.headers.range)).toEqual([
      'bytes=1000-',
      undefined,
    ]);
  });

  it('resolves a tag when the registry omits Docker-Content-Digest: HEAD, then GET, digest from the bytes', async () => {
    const expected = await ctx.client().resolve(parseReference(`${registry.host}/faults/app:v1`));
    const proxy = await faultProxy(registry.url, [
      { kind: 'drop-response-header', header: 'Docker-Content-Digest' },
    ]);
    proxies.push(proxy);
    const client = ctx.client();
    const ref = parseReference(`${proxy.host}/faults/app:v1`);
    expect(await client.resolve(ref)).toEqual(expected);
    expect(proxy.requests.filter(isManifest).map((r) => r.method)).toEqual(['HEAD', 'GET']);
    expect(proxy.applied[0]).toBeGreaterThan(0);
    // The image still comes out whole, every manifest checked against its digest.
    const image = await client.getImage(ref);
    expect(image.descriptor.digest).toMatch(/^sha256:/);
  });

  it('refuses a schema-1 manifest by its Content-Type with UNSUPPORTED_SCHEMA1 and a hint, on HEAD and on GET', async () => {
    const proxy = await faultProxy(registry.url, [
      {
        kind: 'set-response-header',
        header: 'Content-Type',
        value: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        match: isManifest,
      },
    ]);
    proxies.push(proxy);
    const client = ctx.client();
    const ref = parseReference(`${proxy.host}/faults/app:v1`);
    for (const attempt of [() => client.resolve(ref), () => client.getImage(ref)]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(isRegistryError(error, 'UNSUPPORTED_SCHEMA1')).toBe(true);
      expect((error as { hint?: string }).hint).toMatch(/schema 1/);
      expect((error as { retryable: boolean }).retryable).toBe(false);
    }
    expect(proxy.requests.filter(isManifest).map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it("reads a blob's last bytes with one Range request (a gzip trailer ahead of the download)", async () => {
    const proxy = await faultProxy(registry.url, []);
    proxies.push(proxy);
    const client = ctx.client();
    const repo = parseReference(`${proxy.host}/faults/app:v1`);
    const tail = await client.readBlobTail(repo, big, 4);
    expect(Buffer.from(tail ?? []).equals(bigBytes.subarray(big.size - 4))).toBe(true);
    const gets = proxy.requests.filter(isBlobGet(big.digest));
    expect(gets.map((r) => r.headers.range)).toEqual([`bytes=${big.size - 4}-`]);
    // Nothing to ask for: a length beyond the blob.
    expect(await client.readBlobTail(repo, big, big.size + 1)).toBeUndefined();
    const aborted = client.readBlobTail(repo, big, 4, { signal: AbortSignal.abort(new Error('stop')) });
    await expect(aborted).rejects.toThrow('stop');
  });

  it('gives no tail, and reads no body, when the blob store ignores Range and answers 200', async () => {
    let served = 0;
    const store = createServer((req, res) => {
      served++;
      res.writeHead(200, { 'content-length': bigBytes.length });
      res.end(bigBytes);
      req.resume();
    });
    await new Promise<void>((resolve) => store.listen(0, '127.0.0.1', resolve));
    try {
      const port = (store.address() as AddressInfo).port;
      const proxy = await faultProxy(registry.url, [
        { kind: 'redirect-blobs', to: `http://127.0.0.1:${port}` },
      ]);
      proxies.push(proxy);
      const client = ctx.client();
      const tail = await client.readBlobTail(parseReference(`${proxy.host}/faults/app:v1`), big, 4);
      expect(tail).toBeUndefined();
      expect(served).toBe(1);
    } finally {
      store.closeAllConnections();
      await new Promise((resolve) => store.close(resolve));
    }
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    const { proxy, repo } = await through({ kind: 'delay', ms: 3000, match: isManifest });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const error = await ctx
      .client()
      .resolve(repo, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(proxy.requests.filter(isManifest)).toHaveLength(1);
  });
});

describe('blob redirects to another host', () => {
  const PASSWORD = 'redirect-secret-55';
  let privateRegistry: Registry;
  let storage: Registry;
  let ctx: IsolatedClientEnv;
  let front: FaultProxy;
  let objectStore: FaultProxy;

  beforeAll(async () => {
    [privateRegistry, storage, ctx] = await Promise.all([
      startRegistry({ auth: { type: 'htpasswd', users: { dave: PASSWORD } } }),
      startRegistry(),
      isolatedClientEnv(),
    ]);
    const image = await buildImage({ seed: 72 });
    await pushImage(image, `${privateRegistry.host}/redir/app:v1`, { creds: `dave:${PASSWORD}` });
    // The "object store": another host (localhost vs 127.0.0.1) that serves blobs without credentials.
    await pushImage(image, `${storage.host}/redir/app:v1`);
    objectStore = await faultProxy(storage.url, []);
    front = await faultProxy(privateRegistry.url, {
      kind: 'redirect-blobs',
      to: `http://localhost:${objectStore.port}`,
    });
  });
  afterAll(async () => {
    await Promise.all([front?.stop(), objectStore?.stop()]);
    await ctx?.cleanup();
    await Promise.all([privateRegistry?.stop(), storage?.stop()]);
  });

  it('fetches foreign-layer URLs without registry credentials', async () => {
    const client = ctx.client({
      credentials: { [front.host]: { kind: 'basic', username: 'dave', password: PASSWORD } },
    });
    const image = await client.getImage(parseReference(`${front.host}/redir/app:v1`));
    const layer = image.manifest.layers[0];
    if (!layer) throw new Error('no layer');
    const before = { front: front.requests.length, store: objectStore.requests.length };
    const foreign = {
      ...layer,
      urls: [
        'ftp://ignored.example/x',
        `http://localhost:${objectStore.port}/v2/redir/app/blobs/${layer.digest}`,
      ],
    };
    const bytes = await readAll(await client.openBlob(parseReference(`${front.host}/redir/app:v1`), foreign));
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer.digest);
    expect(front.requests.length).toBe(before.front);
    const fetched = objectStore.requests.slice(before.store);
    expect(fetched).toHaveLength(1);
    expect(fetched[0]?.headers.authorization).toBeUndefined();
  });

  it('follows the redirect and never sends Authorization to the other host', async () => {
    const client = ctx.client({
      credentials: { [front.host]: { kind: 'basic', username: 'dave', password: PASSWORD } },
    });
    const before = { front: front.requests.length, store: objectStore.requests.length };
    const image = await client.getImage(parseReference(`${front.host}/redir/app:v1`));
    for (const layer of image.manifest.layers) {
      const bytes = await readAll(await image.openLayer(layer));
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer.digest);
    }
    const redirected = front.requests.slice(before.front).filter((r) => r.fault === 'redirect-blobs');
    expect(redirected.length).toBe(image.manifest.layers.length + 1);
    expect(redirected.every((r) => typeof r.headers.authorization === 'string')).toBe(true);
    const served = objectStore.requests.slice(before.store).filter((r) => r.path.includes('/blobs/'));
    expect(served.length).toBe(redirected.length);
    expect(served.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(served.every((r) => r.headers.host === `localhost:${objectStore.port}`)).toBe(true);
  });
});
