import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRegistryError } from '../errors/registry-error.js';
import { defaultCertDirs, loadEnvironmentCas, loadRegistryCerts } from './certs.js';
import { resolveEnvironment } from './environment.js';

describe('certs.d lookup', () => {
  let dir: TmpDir;
  beforeEach(async () => {
    dir = await tmpDir('isar-certs-');
  });
  afterEach(() => dir.cleanup());

  async function put(path: string, text: string) {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text);
  }

  it('lists the containers and docker roots, user first', () => {
    const env = resolveEnvironment({ env: {}, homeDir: '/home/u', rootDir: '/r' });
    expect(defaultCertDirs(env)).toEqual([
      '/home/u/.config/containers/certs.d',
      '/r/etc/containers/certs.d',
      '/r/etc/docker/certs.d',
    ]);
  });

  it('reads CAs and a client certificate pair from the first root that has the host', async () => {
    const first = join(dir.path, 'first');
    const second = join(dir.path, 'second');
    await put(join(first, 'reg.example:5000/ca.crt'), 'CA-1');
    await put(join(first, 'reg.example:5000/client.cert'), 'CERT');
    await put(join(first, 'reg.example:5000/client.key'), 'KEY');
    await put(join(second, 'reg.example:5000/other.crt'), 'CA-2');
    await put(join(second, 'secure.example/ca.crt'), 'CA-443');
    expect(loadRegistryCerts([first, second], 'reg.example', 5000)).toMatchObject({
      ca: ['CA-1'],
      cert: 'CERT',
      key: 'KEY',
    });
    expect(loadRegistryCerts([first, second], 'secure.example', 443).ca).toEqual(['CA-443']);
    expect(loadRegistryCerts([first, second], 'secure.example', 8443).ca).toEqual([]);
  });

  it('refuses a client certificate without its key, and a key without its certificate', async () => {
    await put(join(dir.path, 'a/h:1/client.cert'), 'CERT');
    await put(join(dir.path, 'b/h:1/client.key'), 'KEY');
    for (const root of ['a', 'b']) {
      let error: unknown;
      try {
        loadRegistryCerts([join(dir.path, root)], 'h', 1);
      } catch (e) {
        error = e;
      }
      expect(isRegistryError(error, 'CONFIG')).toBe(true);
    }
  });

  it('adds SSL_CERT_FILE and the PEM files of SSL_CERT_DIR', async () => {
    await put(join(dir.path, 'bundle.pem'), 'BUNDLE');
    await put(join(dir.path, 'certs/a.pem'), 'A');
    await put(join(dir.path, 'certs/README'), 'not a cert');
    const env = resolveEnvironment({
      env: { SSL_CERT_FILE: join(dir.path, 'bundle.pem'), SSL_CERT_DIR: join(dir.path, 'certs') },
      homeDir: dir.path,
    });
    expect(loadEnvironmentCas(env).ca).toEqual(['BUNDLE', 'A']);
  });
});
