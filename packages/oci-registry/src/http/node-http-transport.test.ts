import { createHash } from 'node:crypto';
import { buildImage, pushImage, type Registry, skopeo, startRegistry } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv, readAll } from '../test-support/client-env.js';
import { nodeHttpTransport } from './node-http-transport.js';

/**
 * The node:http transport (what container-loader runs on Node 18) against real registries, whatever transport
 * the rest of the suite runs on (`pnpm test` runs the whole suite on both). Push is what the loader needs:
 * blob uploads, manifest PUTs, basic and bearer auth, TLS with the registry's CA and a client certificate.
 */
describe('nodeHttpTransport against real registries', () => {
  let source: Registry;
  let basicTls: Registry;
  let token: Registry;
  let ctx: IsolatedClientEnv;

  beforeAll(async () => {
    [source, basicTls, token, ctx] = await Promise.all([
      startRegistry(),
      startRegistry({
        tls: true,
        requireClientCertificate: true,
        auth: { type: 'htpasswd', users: { dev: 'basic-secret' } },
      }),
      startRegistry({ auth: { type: 'token', users: { dev: 'token-secret' } } }),
      isolatedClientEnv(),
    ]);
    const image = await buildImage({
      platforms: ['linux/amd64', 'linux/arm64'],
      seed: 1811,
      layers: [16 * 1024, 300_000],
    });
    await pushImage(image, `${source.host}/src/multi:v1`);
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await Promise.all([source?.stop(), basicTls?.stop(), token?.stop()]);
  });

  const client = (options: Parameters<IsolatedClientEnv['client']>[0] = {}) =>
    ctx.client({ httpTransport: nodeHttpTransport, ...options });

  const rawDigest = async (ref: string, flags: string[]) => {
    const { stdout } = await skopeo(['inspect', '--raw', ...flags, `docker://${ref}`]);
    return `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
  };

  it('pushes a multi-platform index over TLS with a client certificate and basic auth', async () => {
    const pull = client();
    const index = await pull.getIndex(parseReference(`${source.host}/src/multi:v1`));
    const images = await Promise.all(
      index.index.manifests.map((entry) =>
        pull.getImage(parseReference(`${source.host}/src/multi@${entry.digest}`)),
      ),
    );
    const push = client({
      certDirs: [basicTls.ca?.certsDir ?? ''],
      credentials: { [basicTls.host]: { kind: 'basic', username: 'dev', password: 'basic-secret' } },
    });
    const target = parseReference(`${basicTls.host}/dst/multi:v1`);
    const pushed = await push.pushIndex(index, images, target);
    expect(pushed.descriptor.digest).toBe(index.descriptor.digest);
    expect((await push.resolve(target)).digest).toBe(index.descriptor.digest);
    const certDir = `${basicTls.ca?.certsDir}/${basicTls.host}`;
    expect(
      await rawDigest(`${basicTls.host}/dst/multi:v1`, [
        '--cert-dir',
        certDir,
        '--creds',
        'dev:basic-secret',
      ]),
    ).toBe(index.descriptor.digest);
  });

  it('pushes with bearer tokens, and a wrong password is AUTH_FAILED', async () => {
    const image = await client().getImage(parseReference(`${source.host}/src/multi:v1`), {
      platform: { os: 'linux', architecture: 'arm64' },
    });
    const push = client({
      credentials: { [token.host]: { kind: 'basic', username: 'dev', password: 'token-secret' } },
    });
    const before = token.tokenServer?.requests.length ?? 0;
    const pushed = await push.pushImage(image, parseReference(`${token.host}/dst/arm:v1`));
    expect(pushed.descriptor.digest).toBe(image.descriptor.digest);
    expect((token.tokenServer?.requests.length ?? 0) - before).toBeGreaterThan(0);
    const wrong = client({
      credentials: { [token.host]: { kind: 'basic', username: 'dev', password: 'nope' } },
    });
    const error = await wrong
      .pushImage(image, parseReference(`${token.host}/dst/arm:v2`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'AUTH_FAILED')).toBe(true);
  });

  it('an abort while a layer is read ends the body with the abort reason; the client goes on', async () => {
    const pull = client();
    const image = await pull.getImage(parseReference(`${source.host}/src/multi:v1`), {
      platform: { os: 'linux', architecture: 'amd64' },
    });
    const big = image.manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
    const controller = new AbortController();
    const stream = await image.openLayer(big, { signal: controller.signal });
    const reason = new Error('stop now');
    const read = (async () => {
      for await (const _chunk of stream) controller.abort(reason);
    })();
    await expect(read).rejects.toBe(reason);
    expect((await readAll(await image.openLayer(big))).length).toBe(big.size);
  });

  it('TLS without the CA fails as TLS, not retried', async () => {
    const error = await client()
      .resolve(parseReference(`${basicTls.host}/dst/multi:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'TLS')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
  });
});
