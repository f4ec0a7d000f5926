import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '@isar/testkit';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './cli/args.js';
import { parseConfigText } from './config/config-file.js';
import { resolveSettings } from './config/settings.js';

const SYSTEMD = join(dirname(fileURLToPath(import.meta.url)), '..', 'systemd');

/** `Key=value` pairs of a unit file, by section. */
function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(.+)\]$/.exec(line.trim());
    if (header) section = header[1] as string;
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (pair)
      keys.set(`${section}.${pair[1]}`, [...(keys.get(`${section}.${pair[1]}`) ?? []), pair[2] as string]);
  }
  return keys;
}

describe('the shipped systemd unit and config file', () => {
  it('systemd-analyze verify accepts the unit without a warning', async () => {
    const result = await runCommand('systemd-analyze', ['verify', join(SYSTEMD, 'container-loader.service')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.trim()).toBe('');
  });

  it('is a oneshot that stays active, after the engines, wanted by multi-user.target', async () => {
    const keys = unitKeys(await readFile(join(SYSTEMD, 'container-loader.service'), 'utf8'));
    expect(keys.get('Service.Type')).toEqual(['oneshot']);
    expect(keys.get('Service.RemainAfterExit')).toEqual(['yes']);
    expect(keys.get('Install.WantedBy')).toEqual(['multi-user.target']);
    expect(keys.get('Unit.After')?.[0]?.split(' ')).toEqual(
      expect.arrayContaining(['docker.service', 'podman.service', 'docker-registry.service']),
    );
    expect(keys.get('Service.EnvironmentFile')).toEqual(['/etc/container-loader.conf']);
    // The command line it runs is one the loader accepts.
    const exec = keys.get('Service.ExecStart')?.[0]?.split(' ') ?? [];
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/node', '/usr/lib/container-loader/container-loader.mjs']);
    expect(parseCommandLine(exec.slice(2))).toMatchObject({ config: '/etc/container-loader.conf' });
    for (const dropIn of ['docker.conf', 'registry.conf']) {
      const extra = unitKeys(await readFile(join(SYSTEMD, 'container-loader.service.d', dropIn), 'utf8'));
      expect(extra.get('Unit.Requires')?.[0]).toMatch(/^(docker|docker-registry)\.service$/);
    }
  });

  it('the example config is valid for the loader and means the same to sh', async () => {
    const path = join(SYSTEMD, 'container-loader.conf');
    const text = await readFile(path, 'utf8');
    const settings = resolveSettings({
      flags: {},
      file: { path, assignments: parseConfigText(text, path) },
      env: {},
      cwd: '/',
    });
    expect(settings).toMatchObject({
      engine: 'docker',
      imagesDir: '/usr/share/container-images/images',
      deleteAfterLoad: false,
    });
    const shell = await runCommand('sh', [
      '-c',
      `. ${path}; echo "$CONTAINER_ENGINE $IMAGES_DIR $DELETE_AFTER_LOAD"`,
    ]);
    expect(shell.stdout.trim()).toBe('docker /usr/share/container-images/images 0');
  });
});
