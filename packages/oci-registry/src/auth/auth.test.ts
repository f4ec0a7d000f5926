import { inspect } from 'node:util';
import { buildImage, pushImage, type Registry, startRegistry } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryApi } from '../client/registry-api.js';
import { createCredentialStore } from '../config/credential-store.js';
import { resolveEnvironment } from '../config/environment.js';
import { isRegistryError } from '../errors/registry-error.js';
import { discardBody } from '../http/body.js';
import { withRedirects } from '../http/redirect.js';
import { DEFAULT_RETRY_POLICY, withRetry } from '../http/retry.js';
import { createBaseSend } from '../http/send.js';
import { RegistryTransport } from '../http/transport.js';
import { parseReference } from '../reference/parse-reference.js';
import { type IsolatedClientEnv, isolatedClientEnv, readAll } from '../test-support/client-env.js';
import { testHttpTransport } from '../test-support/http-transport.js';
import { withAuth } from './auth-layer.js';

const PASSWORD = 'pa55-Very-Secret-9137';

describe('htpasswd (basic auth) registry', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  beforeAll(async () => {
    [registry, ctx] = await Promise.all([
      startRegistry({ auth: { type: 'htpasswd', users: { alice: PASSWORD } } }),
      isolatedClientEnv(),
    ]);
    await pushImage(await buildImage({ seed: 51 }), `${registry.host}/private/app:v1`, {
      creds: `alice:${PASSWORD}`,
    });
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });

  it('pulls with basic credentials', async () => {
    const client = ctx.client({
      credentials: { [registry.host]: { kind: 'basic', username: 'alice', password: PASSWORD } },
    });
    const image = await client.getImage(parseReference(`${registry.host}/private/app:v1`));
    const layer = image.manifest.layers[0];
    if (!layer) throw new Error('no layer');
    expect((await readAll(await image.openLayer(layer))).length).toBe(layer.size);
    const log = await registry.accessLog();
    expect(log.some((e) => e.kind === 'manifest' && e.status === 200)).toBe(true);
  });

  it('says AUTH_REQUIRED without credentials', async () => {
    const error = await ctx
      .client()
      .resolve(parseReference(`${registry.host}/private/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'AUTH_REQUIRED')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
  });

  it('says AUTH_FAILED for a wrong password and never shows it', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const client = ctx.client({
      credentials: { [registry.host]: { kind: 'basic', username: 'alice', password: wrong } },
    });
    const error = await client
      .resolve(parseReference(`${registry.host}/private/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'AUTH_FAILED')).toBe(true);
    const shown = `${inspect(error, { depth: 10 })}${JSON.stringify(error)}${(error as Error).stack}`;
    expect(shown).not.toContain(wrong);
    expect(shown).not.toContain(Buffer.from(`alice:${wrong}`).toString('base64'));
  });
});

describe('token auth registry', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  beforeAll(async () => {
    [registry, ctx] = await Promise.all([
      startRegistry({ auth: { type: 'token', users: { bob: PASSWORD }, anonymousPull: true } }),
      isolatedClientEnv(),
    ]);
    await pushImage(await buildImage({ seed: 52 }), `${registry.host}/public/app:v1`, {
      creds: `bob:${PASSWORD}`,
    });
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });

  const tokenRequests = () => registry.tokenServer?.requests ?? [];

  it('pulls anonymously with a bearer token, fetched once per scope', async () => {
    const client = ctx.client();
    const before = tokenRequests().length;
    const ref = parseReference(`${registry.host}/public/app:v1`);
    await client.resolve(ref);
    const image = await client.getImage(ref);
    for (const layer of image.manifest.layers) await readAll(await image.openLayer(layer));
    const mine = tokenRequests().slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      account: undefined,
      scopes: ['repository:public/app:pull'],
      status: 200,
    });
  });

  it('uses credentials at the token server and pushes with a pull,push token', async () => {
    const client = ctx.client({
      credentials: { [registry.host]: { kind: 'basic', username: 'bob', password: PASSWORD } },
    });
    const source = await client.getImage(parseReference(`${registry.host}/public/app:v1`));
    const before = tokenRequests().length;
    const result = await client.pushImage(source, parseReference(`${registry.host}/copied/app:v2`));
    expect(result.descriptor.digest).toBe(source.descriptor.digest);
    const mine = tokenRequests().slice(before);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.account === 'bob')).toBe(true);
    expect(mine.some((r) => r.granted.includes('repository:copied/app:pull,push'))).toBe(true);
  });

  it('refuses a push without credentials after one scope retry, as AUTH_REQUIRED', async () => {
    const client = ctx.client();
    const source = await client.getImage(parseReference(`${registry.host}/public/app:v1`));
    const before = tokenRequests().length;
    const error = await client
      .pushImage(source, parseReference(`${registry.host}/nope/app:v1`))
      .catch((e: unknown) => e);
    expect(isRegistryError(error, 'AUTH_REQUIRED')).toBe(true);
    // Bounded: no loop of token requests for a scope that will never be granted.
    expect(tokenRequests().length - before).toBeLessThanOrEqual(4);
  });

  it('asks again once with the wider scope on insufficient_scope', async () => {
    const environment = resolveEnvironment({ env: { HOME: ctx.home }, homeDir: ctx.home, rootDir: ctx.root });
    const transport = new RegistryTransport({
      environment,
      certDirs: [],
      isInsecure: () => false,
      proxy: false,
      connectTimeoutMs: 5000,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 10_000,
      connections: 2,
      httpTransport: testHttpTransport(),
    });
    try {
      const base = createBaseSend(transport, { userAgent: 'test' });
      const plainSend = withRetry(withRedirects(base), DEFAULT_RETRY_POLICY);
      const lookupCredentials = createCredentialStore({
        environment,
        credentials: { [registry.host]: { kind: 'basic', username: 'bob', password: PASSWORD } },
      });
      let api: RegistryApi | undefined;
      const send = withAuth(withRedirects(base), (endpoint) => (api as RegistryApi).authenticator(endpoint));
      api = new RegistryApi({ send, plainSend, probeSend: base, transport, lookupCredentials });
      const source = { registry: registry.host, repository: 'scoped/app', insecure: false, mirror: false };
      const before = tokenRequests().length;
      // Deliberately ask for a pull-only token to start an upload: the registry answers insufficient_scope.
      const response = await api.request(source, {
        method: 'POST',
        path: 'blobs/uploads/',
        headers: { 'content-length': '0' },
        actions: ['pull'],
      });
      await discardBody(response);
      expect(response.status).toBe(202);
      const scopes = tokenRequests()
        .slice(before)
        .map((r) => r.scopes.join(' '));
      expect(scopes).toEqual(['repository:scoped/app:pull', 'repository:scoped/app:pull,push']);
    } finally {
      await transport.close();
    }
  });

  it('uses an identity token (refresh_token grant) from an auth file', async () => {
    // Obtain a refresh token the way `docker login` does (OAuth2 password grant with access_type=offline).
    const server = registry.tokenServer;
    if (!server) throw new Error('token server missing');
    const answer = await fetch(server.realm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: 'bob',
        password: PASSWORD,
        service: server.service,
        client_id: 'test',
        access_type: 'offline',
        scope: '',
      }),
    });
    const { refresh_token: refreshToken } = (await answer.json()) as { refresh_token: string };
    expect(refreshToken).toBeTruthy();
    const { writeFile, mkdir } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const dir = join(ctx.home, 'identity');
    await mkdir(dir, { recursive: true });
    const authFile = join(dir, 'auth.json');
    await writeFile(
      authFile,
      JSON.stringify({ auths: { [registry.host]: { identitytoken: refreshToken } } }),
    );
    const client = ctx.client({ authFile });
    const source = await client.getImage(parseReference(`${registry.host}/public/app:v1`));
    const before = tokenRequests().length;
    await client.pushImage(source, parseReference(`${registry.host}/identity/app:v1`));
    const mine = tokenRequests().slice(before);
    expect(mine.length).toBeGreaterThan(0);
    expect(
      mine.every((r) => r.method === 'POST' && r.grantType === 'refresh_token' && r.account === 'bob'),
    ).toBe(true);
  });
});

describe('token expiry', () => {
  let registry: Registry;
  let ctx: IsolatedClientEnv;
  beforeAll(async () => {
    // 13 s tokens: with our 10 s safety margin they are reused for about three seconds only (one second was
    // too short for two resolves on a loaded CI machine).
    [registry, ctx] = await Promise.all([
      startRegistry({
        auth: { type: 'token', users: { bob: PASSWORD }, anonymousPull: true, expiresIn: 13 },
      }),
      isolatedClientEnv(),
    ]);
    await pushImage(await buildImage({ seed: 53 }), `${registry.host}/short/app:v1`, {
      creds: `bob:${PASSWORD}`,
    });
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await registry?.stop();
  });

  it('fetches a new token once the cached one expires', async () => {
    const client = ctx.client();
    const ref = parseReference(`${registry.host}/short/app:v1`);
    const before = registry.tokenServer?.requests.length ?? 0;
    await client.resolve(ref);
    await client.resolve(ref);
    expect((registry.tokenServer?.requests.length ?? 0) - before).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await client.resolve(ref);
    expect((registry.tokenServer?.requests.length ?? 0) - before).toBe(2);
  });
});
