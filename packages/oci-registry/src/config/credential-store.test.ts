import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildImage, pushImage, type Registry, startRegistry, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redactText } from '../errors/redact.js';
import { isRegistryError } from '../errors/registry-error.js';
import { parseReference } from '../reference/parse-reference.js';
import { isolatedClientEnv } from '../test-support/client-env.js';
import { authFilePaths } from './auth-file.js';
import { createCredentialStore } from './credential-store.js';
import { resolveEnvironment } from './environment.js';

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(value));
}

/** A `docker-credential-<name>` script that answers for one server URL and logs what it was asked. */
async function writeHelper(binDir: string, name: string, server: string, user: string, secret: string) {
  const log = join(binDir, `${name}.log`);
  const script = `#!/bin/sh
[ "$1" = get ] || exit 3
read -r server
echo "$server" >> '${log}'
if [ "$server" = '${server}' ]; then
  printf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}\\n' "$server"
else
  echo 'credentials not found in native keychain'
  exit 1
fi
`;
  const path = join(binDir, `docker-credential-${name}`);
  await mkdir(binDir, { recursive: true });
  await writeFile(path, script);
  await chmod(path, 0o755);
  return { log: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean) };
}

describe('credential sources in skopeo order', () => {
  let dir: TmpDir;
  let home: string;
  beforeEach(async () => {
    dir = await tmpDir('isar-creds-');
    home = join(dir.path, 'home');
  });
  afterEach(() => dir.cleanup());

  const env = (extra: Record<string, string> = {}) =>
    resolveEnvironment({
      env: { HOME: home, PATH: process.env.PATH, ...extra },
      homeDir: home,
      rootDir: dir.path,
    });

  it('lists the files as containers/image does', async () => {
    const uid = String(process.getuid?.() ?? 0);
    expect(authFilePaths(env())).toEqual([
      join(dir.path, 'run/containers', uid, 'auth.json'),
      join(home, '.config/containers/auth.json'),
      join(home, '.docker/config.json'),
      join(home, '.dockercfg'),
    ]);
    const runtime = join(dir.path, 'run-user');
    await mkdir(runtime);
    expect(
      authFilePaths(env({ XDG_RUNTIME_DIR: runtime, XDG_CONFIG_HOME: '/cfg', DOCKER_CONFIG: '/dc' })),
    ).toEqual([
      join(runtime, 'containers/auth.json'),
      '/cfg/containers/auth.json',
      '/dc/config.json',
      join(home, '.dockercfg'),
    ]);
    // A runtime directory that does not exist is skipped (containers/image warns and goes on).
    expect(authFilePaths(env({ XDG_RUNTIME_DIR: join(dir.path, 'gone') }))[0]).toBe(
      join(home, '.config/containers/auth.json'),
    );
    // An explicit file is the only one read, as `--authfile` and REGISTRY_AUTH_FILE are in skopeo.
    expect(authFilePaths(env({ XDG_RUNTIME_DIR: runtime, REGISTRY_AUTH_FILE: '/a.json' }))).toEqual([
      '/a.json',
    ]);
    expect(authFilePaths(env({ REGISTRY_AUTH_FILE: '/a.json' }), '/explicit.json')).toEqual([
      '/explicit.json',
    ]);
  });

  it('takes the first file with an entry, never merging later ones', async () => {
    const runtime = join(dir.path, 'run');
    const e = env({ XDG_RUNTIME_DIR: runtime, DOCKER_CONFIG: join(dir.path, 'dc') });
    await writeJson(join(runtime, 'containers/auth.json'), {
      auths: { 'reg.example:5000': { auth: basic('runtime', 'r') } },
    });
    await writeJson(join(home, '.config/containers/auth.json'), {
      auths: {
        'reg.example:5000': { auth: basic('xdg', 'x') },
        'other.example': { auth: basic('xdg', 'o') },
      },
    });
    await writeJson(join(dir.path, 'dc/config.json'), {
      auths: { 'third.example': { auth: basic('docker', 'd') } },
    });
    const lookup = createCredentialStore({ environment: e });
    expect((await lookup('reg.example:5000', 'a/b'))?.credentials).toEqual({
      kind: 'basic',
      username: 'runtime',
      password: 'r',
    });
    expect((await lookup('other.example', 'a/b'))?.credentials).toMatchObject({
      username: 'xdg',
      password: 'o',
    });
    expect((await lookup('third.example', undefined))?.source).toBe(join(dir.path, 'dc/config.json'));
    expect(await lookup('unknown.example', 'a')).toBeUndefined();
  });

  it('prefers the most specific key and understands Docker Hub legacy keys', async () => {
    const file = join(dir.path, 'auth.json');
    await writeJson(file, {
      auths: {
        'quay.example': { auth: basic('host', 'h') },
        'quay.example/team': { auth: basic('team', 't') },
        'quay.example/team/app': { auth: basic('app', 'a') },
        'https://index.docker.io/v1/': { auth: basic('hub', 'legacy') },
        'placeholder.example': {},
      },
    });
    const lookup = createCredentialStore({ environment: env(), authFile: file });
    expect((await lookup('quay.example', 'team/app'))?.credentials).toMatchObject({ username: 'app' });
    expect((await lookup('quay.example', 'team/other'))?.credentials).toMatchObject({ username: 'team' });
    expect((await lookup('quay.example', 'solo/x'))?.credentials).toMatchObject({ username: 'host' });
    expect((await lookup('docker.io', 'library/debian'))?.credentials).toMatchObject({ password: 'legacy' });
    expect((await lookup('registry-1.docker.io', 'library/debian'))?.credentials).toMatchObject({
      username: 'hub',
    });
    expect(await lookup('placeholder.example', 'x')).toBeUndefined();
  });

  it('runs credHelpers per host and credsStore as the default, with identity tokens', async () => {
    const bin = join(dir.path, 'bin');
    const helper = await writeHelper(bin, 'test', 'helped.example', 'helper-user', 'helper-secret');
    const store = await writeHelper(bin, 'store', 'https://index.docker.io/v1/', '<token>', 'identity-xyz');
    const file = join(dir.path, 'config.json');
    await writeJson(file, {
      auths: { 'helped.example': { auth: basic('file', 'loses') } },
      credHelpers: { 'helped.example': 'test' },
      credsStore: 'store',
    });
    const e = resolveEnvironment({
      env: { HOME: home, PATH: `${bin}:${process.env.PATH}` },
      homeDir: home,
      rootDir: dir.path,
    });
    const lookup = createCredentialStore({ environment: e, authFile: file });
    expect(await lookup('helped.example', 'a/b')).toEqual({
      credentials: { kind: 'basic', username: 'helper-user', password: 'helper-secret' },
      source: 'docker-credential-test',
    });
    expect((await lookup('docker.io', 'library/debian'))?.credentials).toEqual({
      kind: 'identity-token',
      token: 'identity-xyz',
    });
    expect(await lookup('nothing.example', 'x')).toBeUndefined();
    expect(await helper.log()).toEqual(['helped.example']);
    expect(await store.log()).toEqual(['https://index.docker.io/v1/', 'nothing.example']);
  });

  it('reports a missing helper and a broken auth file as errors', async () => {
    const file = join(dir.path, 'config.json');
    await writeJson(file, { credHelpers: { 'x.example': 'does-not-exist' } });
    const lookup = createCredentialStore({ environment: env(), authFile: file });
    const missing = await lookup('x.example', 'a').catch((e: unknown) => e);
    expect(isRegistryError(missing, 'CREDENTIAL_HELPER')).toBe(true);
    await writeFile(file, '{ not json');
    const broken = await createCredentialStore({ environment: env(), authFile: file })(
      'x.example',
      'a',
    ).catch((e: unknown) => e);
    expect(isRegistryError(broken, 'CONFIG')).toBe(true);
  });

  it('an auth file that was named but does not exist is a CONFIG error at once, as in skopeo and podman', () => {
    const missing = join(dir.path, 'nope.json');
    expect(() => createCredentialStore({ environment: env(), authFile: missing })).toThrow(
      `auth file ${missing} does not exist`,
    );
    expect(() => createCredentialStore({ environment: env({ REGISTRY_AUTH_FILE: missing }) })).toThrow(
      `auth file ${missing} (named by REGISTRY_AUTH_FILE) does not exist`,
    );
    const error = (() => {
      try {
        createCredentialStore({ environment: env(), authFile: missing });
      } catch (e) {
        return e;
      }
    })();
    expect(isRegistryError(error, 'CONFIG')).toBe(true);
  });

  it('given credentials are secrets: a message that echoes them shows *** instead', () => {
    createCredentialStore({
      environment: env(),
      credentials: {
        'echo.example': { kind: 'basic', username: 'given-user', password: 'Given-Pw-8812' },
        'token.example': { kind: 'identity-token', token: 'Given-Token-8812' },
      },
    });
    const base64 = Buffer.from('given-user:Given-Pw-8812').toString('base64');
    expect(redactText(`denied given-user:Given-Pw-8812 (${base64}), token Given-Token-8812`)).toBe(
      'denied given-user:*** (***), token ***',
    );
  });
});

describe('credentials from each source against a real htpasswd registry', () => {
  const PASSWORD = 'helper-pass-4711';
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { type: 'htpasswd', users: { carol: PASSWORD } } });
    await pushImage(await buildImage({ seed: 61 }), `${registry.host}/creds/app:v1`, {
      creds: `carol:${PASSWORD}`,
    });
  });
  afterAll(() => registry?.stop());

  const sources: Array<
    [
      string,
      (home: string, root: string, env: Record<string, string | undefined>) => Promise<string | undefined>,
    ]
  > = [
    [
      'explicit authFile',
      async (_h, root) => {
        const file = join(root, 'explicit.json');
        await writeJson(file, { auths: { [registry.host]: { auth: basic('carol', PASSWORD) } } });
        return file;
      },
    ],
    [
      'REGISTRY_AUTH_FILE',
      async (_h, root, env) => {
        env.REGISTRY_AUTH_FILE = join(root, 'env-auth.json');
        await writeJson(env.REGISTRY_AUTH_FILE, {
          auths: { [registry.host]: { auth: basic('carol', PASSWORD) } },
        });
        return undefined;
      },
    ],
    [
      '$XDG_RUNTIME_DIR/containers/auth.json',
      async (_h, root, env) => {
        env.XDG_RUNTIME_DIR = join(root, 'run');
        await writeJson(join(env.XDG_RUNTIME_DIR, 'containers/auth.json'), {
          auths: { [registry.host]: { auth: basic('carol', PASSWORD) } },
        });
        return undefined;
      },
    ],
    [
      '$XDG_CONFIG_HOME/containers/auth.json',
      async (_h, root, env) => {
        env.XDG_CONFIG_HOME = join(root, 'cfg');
        await writeJson(join(env.XDG_CONFIG_HOME, 'containers/auth.json'), {
          auths: { [`${registry.host}/creds`]: { auth: basic('carol', PASSWORD) } },
        });
        return undefined;
      },
    ],
    [
      '$DOCKER_CONFIG/config.json',
      async (_h, root, env) => {
        env.DOCKER_CONFIG = join(root, 'dockercfg');
        await writeJson(join(env.DOCKER_CONFIG, 'config.json'), {
          auths: { [registry.host]: { auth: basic('carol', PASSWORD) } },
        });
        return undefined;
      },
    ],
    [
      '~/.docker/config.json with a credential helper',
      async (home, root, env) => {
        const bin = join(root, 'bin');
        await writeHelper(bin, 'test', registry.host, 'carol', PASSWORD);
        env.PATH = `${bin}:${process.env.PATH}`;
        await writeJson(join(home, '.docker/config.json'), { credHelpers: { [registry.host]: 'test' } });
        return undefined;
      },
    ],
  ];

  it.each(sources)('pulls with credentials from %s', async (_name, setup) => {
    const ctx = await isolatedClientEnv();
    try {
      const authFile = await setup(ctx.home, ctx.root, ctx.env);
      const client = ctx.client(authFile ? { authFile } : {});
      const descriptor = await client.resolve(parseReference(`${registry.host}/creds/app:v1`));
      expect(descriptor.digest).toMatch(/^sha256:/);
      // And the same environment without the file's credentials is refused: the source really mattered.
      const bare = await isolatedClientEnv();
      try {
        const error = await bare
          .client()
          .resolve(parseReference(`${registry.host}/creds/app:v1`))
          .catch((e: unknown) => e);
        expect(isRegistryError(error, 'AUTH_REQUIRED')).toBe(true);
      } finally {
        await bare.cleanup();
      }
    } finally {
      await ctx.cleanup();
    }
  });
});
