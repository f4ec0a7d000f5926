import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { entryCredentials, readAuthFile } from './auth-file.js';
import { createCredentialStore } from './credential-store.js';
import { resolveEnvironment } from './environment.js';

const basic = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

let dir: TmpDir;
beforeEach(async () => {
  dir = await tmpDir('isar-auth-file-');
});
afterEach(() => dir.cleanup());

async function file(name: string, content: unknown): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('readAuthFile', () => {
  it.each([
    [
      'exact key last',
      { 'index.docker.io': { auth: basic('index', 'i') }, 'docker.io': { auth: basic('hub', 'h') } },
    ],
    [
      'exact key first',
      { 'docker.io': { auth: basic('hub', 'h') }, 'index.docker.io': { auth: basic('index', 'i') } },
    ],
    [
      'legacy URL key first',
      {
        'https://index.docker.io/v1/': { auth: basic('url', 'u') },
        'docker.io': { auth: basic('hub', 'h') },
      },
    ],
  ])('the exact docker.io key wins over keys normalising to it: %s', async (_name, auths) => {
    const read = await readAuthFile(await file('auth.json', { auths }));
    expect(entryCredentials(read?.auths.get('docker.io') ?? {}, 'auth.json')).toEqual({
      kind: 'basic',
      username: 'hub',
      password: 'h',
    });
  });

  it.each([
    [
      'legacy format (~/.dockercfg)',
      { 'https://index.docker.io/v1/': { auth: basic('legacy', 'l') } },
      'docker.io',
    ],
    ['legacy format with a path', { 'https://localhost/v1': { auth: basic('legacy', 'l') } }, 'localhost'],
    ['current format', { auths: { 'quay.io': { auth: basic('legacy', 'l') } } }, 'quay.io'],
  ])('reads the %s', async (_name, content, key) => {
    const read = await readAuthFile(await file('f.json', content));
    expect(entryCredentials(read?.auths.get(key) ?? {}, 'f.json')).toMatchObject({ username: 'legacy' });
  });

  it.each([
    ['not JSON', 'I am not JSON', 'is not valid JSON'],
    ['an array', '[]', 'is not a JSON object'],
  ])('refuses a file that is %s, naming it', async (_name, text, message) => {
    const path = await file('bad.json', text);
    const error = await readAuthFile(path).catch((e: unknown) => e);
    expect(isRegistryError(error, 'CONFIG')).toBe(true);
    expect((error as Error).message).toContain(`auth file ${path} ${message}`);
  });
});

describe('entryCredentials', () => {
  it.each([
    [
      { auth: basic('robot', ''), identitytoken: 'tok' },
      { kind: 'identity-token', token: 'tok', username: 'robot' },
    ],
    [{ identitytoken: 'tok' }, { kind: 'identity-token', token: 'tok' }],
    [
      { username: 'u', identitytoken: 'tok' },
      { kind: 'identity-token', token: 'tok', username: 'u' },
    ],
    [{ auth: basic('u', 'p') }, { kind: 'basic', username: 'u', password: 'p' }],
  ])('%j -> %j', (entry, expected) => {
    expect(entryCredentials(entry, 'auth.json')).toEqual(expected);
  });
});

describe('registries.conf credential-helpers', () => {
  async function helper(name: string, answer: string) {
    const bin = join(dir.path, 'bin');
    await mkdir(bin, { recursive: true });
    const path = join(bin, `docker-credential-${name}`);
    await writeFile(path, `#!/bin/sh\nread -r server\nprintf '%s\\n' '${answer}'\n`);
    await chmod(path, 0o755);
  }
  const environment = () =>
    resolveEnvironment({
      env: { HOME: join(dir.path, 'home'), PATH: `${join(dir.path, 'bin')}:${process.env.PATH}` },
      homeDir: join(dir.path, 'home'),
      rootDir: dir.path,
    });

  it.each([
    [undefined, 'file'],
    [['containers-auth.json', 'vault'], 'file'],
    [['vault', 'containers-auth.json'], 'vault'],
    [['vault'], 'vault'],
  ])('in order %j: %s answers', async (credentialHelpers, winner) => {
    await helper('vault', '{"Username":"vault","Secret":"v"}');
    await mkdir(join(dir.path, 'home', '.docker'), { recursive: true });
    await file('home/.docker/config.json', { auths: { 'reg.example': { auth: basic('file', 'f') } } });
    const lookup = createCredentialStore({
      environment: environment(),
      ...(credentialHelpers ? { credentialHelpers } : {}),
    });
    expect((await lookup('reg.example', 'app'))?.credentials).toMatchObject({ username: winner });
  });

  it('a helper list without containers-auth.json never reads the auth files', async () => {
    await helper('empty', '{}');
    await mkdir(join(dir.path, 'home', '.docker'), { recursive: true });
    await file('home/.docker/config.json', { auths: { 'reg.example': { auth: basic('file', 'f') } } });
    const lookup = createCredentialStore({ environment: environment(), credentialHelpers: ['empty'] });
    expect(await lookup('reg.example', 'app')).toBeUndefined();
  });
});
