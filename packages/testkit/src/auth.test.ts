import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from './image-builder.js';
import { type Registry, startRegistry } from './registry.js';
import { pushImage, skopeo } from './skopeo.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('htpasswd registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { type: 'htpasswd', users: { alice: 'secret-a' } } });
  });
  afterAll(() => registry?.stop());

  it('answers 401 with a Basic challenge without credentials, 200 with them', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const wrong = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic('alice', 'nope') } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic('alice', 'secret-a') } });
    expect(ok.status).toBe(200);
  });

  it('accepts a skopeo push with credentials', async () => {
    const image = await buildImage({ seed: 31, busybox: false });
    const { digest } = await pushImage(image, `${registry.host}/private/img:v1`, { creds: 'alice:secret-a' });
    expect(digest).toBe(image.digest);
    await expect(pushImage(image, `${registry.host}/private/img:v2`)).rejects.toThrow(
      /unauthorized|authentication/i,
    );
  });
});

describe('token registry', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({
      auth: { type: 'token', users: { bob: 'secret-b' }, anonymousPull: true, expiresIn: 120 },
    });
  });
  afterAll(() => registry?.stop());

  it('challenges with Bearer realm/service and issues tokens the registry accepts', async () => {
    const tokenServer = registry.tokenServer;
    if (!tokenServer) throw new Error('no token server');
    const challenge = await fetch(`${registry.url}/v2/`);
    expect(challenge.status).toBe(401);
    const header = challenge.headers.get('www-authenticate') ?? '';
    expect(header).toContain(`Bearer realm="${tokenServer.realm}"`);
    expect(header).toContain(`service="${tokenServer.service}"`);

    const url = `${tokenServer.realm}?service=${tokenServer.service}&scope=registry:catalog:*`;
    const answer = await fetch(url, { headers: { authorization: basic('bob', 'secret-b') } });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { token: string; access_token: string; expires_in: number };
    expect(body.expires_in).toBe(120);
    expect(body.access_token).toBe(body.token);
    const catalog = await fetch(`${registry.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(catalog.status).toBe(200);

    const bad = await fetch(url, { headers: { authorization: basic('bob', 'wrong') } });
    expect(bad.status).toBe(401);
    const forged = await fetch(`${registry.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${body.token.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
  });

  it('lets bob push and anyone pull with skopeo; anonymous push is refused', async () => {
    const image = await buildImage({ seed: 32, busybox: false });
    const before = registry.tokenServer?.requests.length ?? 0;
    const { digest } = await pushImage(image, `${registry.host}/team/app:v1`, { creds: 'bob:secret-b' });
    expect(digest).toBe(image.digest);
    expect(registry.tokenServer?.requests.length).toBeGreaterThan(before);
    expect(registry.tokenServer?.requests.some((r) => r.account === 'bob' && r.granted.length > 0)).toBe(
      true,
    );

    const { stdout } = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--no-creds',
      `docker://${registry.host}/team/app:v1`,
    ]);
    expect(JSON.parse(stdout).layers).toHaveLength(2);
    await expect(pushImage(image, `${registry.host}/team/app:anon`)).rejects.toThrow();
  });

  it('serves the OAuth2 POST flow with refresh tokens', async () => {
    const realm = registry.tokenServer?.realm ?? '';
    const service = registry.tokenServer?.service ?? '';
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    const first = await fetch(
      realm,
      form({
        grant_type: 'password',
        username: 'bob',
        password: 'secret-b',
        service,
        client_id: 'isar-test',
        access_type: 'offline',
        scope: 'repository:team/app:pull',
      }),
    );
    expect(first.status).toBe(200);
    const { refresh_token, access_token } = (await first.json()) as {
      refresh_token: string;
      access_token: string;
    };
    expect(refresh_token).toBeTruthy();
    const manifest = await fetch(`${registry.url}/v2/team/app/manifests/v1`, {
      headers: {
        authorization: `Bearer ${access_token}`,
        accept: 'application/vnd.oci.image.manifest.v1+json',
      },
    });
    expect(manifest.status).toBe(200);

    const refreshed = await fetch(
      realm,
      form({
        grant_type: 'refresh_token',
        refresh_token,
        service,
        client_id: 'isar-test',
        scope: 'repository:team/app:pull',
      }),
    );
    expect(refreshed.status).toBe(200);
    const unknown = await fetch(
      realm,
      form({ grant_type: 'refresh_token', refresh_token: 'nope', service, client_id: 'isar-test' }),
    );
    expect(unknown.status).toBe(401);
  });
});
