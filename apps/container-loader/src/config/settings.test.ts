import { describe, expect, it } from 'vitest';
import { parseConfigText } from './config-file.js';
import { resolveSettings } from './settings.js';

const file = (text: string) => ({
  path: '/etc/container-loader.conf',
  assignments: parseConfigText(text, 'c'),
});

describe('resolveSettings: flags over config file over defaults', () => {
  it('takes everything from the file, other keys become the engine environment', () => {
    const settings = resolveSettings({
      flags: {},
      file: file(
        'CONTAINER_ENGINE=podman\nIMAGES_DIR=/usr/share/pkg/images\nIMAGE_LIST=/usr/share/pkg/image.list\nCONTAINER_DELETE_AFTER_LOAD=1\nDOCKER_HOST=unix:///run/d.sock\n',
      ),
      env: { PATH: '/usr/bin' },
      cwd: '/root',
    });
    expect(settings).toEqual({
      imagesDir: '/usr/share/pkg/images',
      listFile: '/usr/share/pkg/image.list',
      engine: 'podman',
      registryUrl: 'http://127.0.0.1:5000',
      deleteAfterLoad: true,
      force: false,
      json: false,
      tmpDir: '/var/tmp',
      env: { DOCKER_HOST: 'unix:///run/d.sock', PATH: '/usr/bin' },
    });
  });

  it('flags win over the file, the process environment over the file', () => {
    const settings = resolveSettings({
      flags: {
        engine: 'registry',
        imagesDir: 'imgs',
        deleteAfterLoad: false,
        registryUrl: 'https://10.0.0.1:5000',
      },
      file: file('CONTAINER_ENGINE=docker\nIMAGES_DIR=/x\nDELETE_AFTER_LOAD=yes\nDOCKER_HOST=from-file\n'),
      env: { DOCKER_HOST: 'from-env', TMPDIR: '/scratch' },
      cwd: '/work',
    });
    expect(settings).toMatchObject({
      engine: 'registry',
      imagesDir: '/work/imgs',
      deleteAfterLoad: false,
      registryUrl: 'https://10.0.0.1:5000',
      tmpDir: '/scratch',
      env: { DOCKER_HOST: 'from-env' },
    });
  });

  it.each([
    [{ engine: 'docker' }, '', 'USAGE', /no images directory/],
    [{ imagesDir: '/x' }, '', 'USAGE', /no engine/],
    [{ imagesDir: '/x', engine: 'lxc' }, '', 'USAGE', /--engine: unknown engine "lxc"/],
    [
      { imagesDir: '/x' },
      'CONTAINER_ENGINE=rkt',
      'USAGE',
      /container-loader\.conf:1 \(CONTAINER_ENGINE\): unknown engine/,
    ],
    [{ engine: 'docker' }, 'IMAGES_DIR=relative/dir', 'CONFIG', /must be an absolute path/],
    [{ engine: 'docker', imagesDir: '/x' }, 'DELETE_AFTER_LOAD=maybe', 'CONFIG', /is not a boolean/],
    [{ engine: 'registry', imagesDir: '/x', registryUrl: 'ftp://h' }, '', 'USAGE', /http:\/\/ or https:\/\//],
    [
      { engine: 'registry', imagesDir: '/x', registryUrl: 'http://h:5000/v2/' },
      '',
      'USAGE',
      /only scheme, host and port/,
    ],
    [{ engine: 'registry', imagesDir: '/x', registryUrl: 'not a url' }, '', 'USAGE', /is not a URL/],
  ])('refuses %j with %s', (flags, text, code, message) => {
    expect(() => resolveSettings({ flags, file: file(text), env: {}, cwd: '/' })).toThrow(
      expect.objectContaining({ code, message: expect.stringMatching(message) }),
    );
  });
});
