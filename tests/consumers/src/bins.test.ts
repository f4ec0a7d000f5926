/**
 * The apps as installed from their tarballs: `npx isar-fetch ...` and `npx container-loader ...` in the consumer
 * project, a global install into a prefix (what docs/install.md tells a builder to run), and the loader's single
 * file taken out of the tarball and run alone.
 */
import { copyFile, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunResult, runChecked, runCommand } from '@isar/testkit';
import { describe, expect, inject, it } from 'vitest';
import { consumerEnv } from './consumer-project.js';

const setup = inject('consumer');
const amd64 = setup.manifests.find((m) => m.platform === 'linux/amd64');
const version = (name: string) => setup.packed.find((p) => p.name === name)?.version;

/** `npx --no -- <args>` in the consumer project: its own node_modules/.bin only, never a download; `--` keeps
 * npm from taking the command's flags (`--help`, `--version`) as its own. */
function npx(args: string[], cwd = setup.projectDir): Promise<RunResult> {
  return runCommand('npx', ['--no', '--', ...args], { cwd, env: consumerEnv() });
}

describe('isar-fetch from its tarball', () => {
  it('answers --version and --help through npx', async () => {
    const v = await npx(['isar-fetch', '--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(version('isar-fetch'));
    const help = await npx(['isar-fetch', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: isar-fetch <command>/m);
    expect(help.stdout).toMatch(/^\s+fetch\b/m);
  });

  it('computes a local path, and rejects bad input with exit code 2 and one line', async () => {
    const ok = await npx([
      'isar-fetch',
      'localpath',
      'docker://quay.io/libpod/alpine;tag=3.10',
      '--arch',
      'armhf',
    ]);
    expect(ok.stdout.trim()).toBe('container-images/arm/v7/quay.io.libpod.alpine_3.10.zst');
    expect(ok.code).toBe(0);
    const bad = await npx(['isar-fetch', 'localpath', 'docker://quay.io/libpod/alpine', '--arch', 'sparc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^isar-fetch: /);
  });

  it('fetches and unpacks an image, which container-loader (also via npx) pushes into a registry', async () => {
    const work = await mkdtemp(join(setup.projectDir, 'bins-'));
    const url = `docker://${setup.registryHost}/consumers/demo;tag=1`;
    const dlDir = join(work, 'downloads');
    const fetched = await npx(['isar-fetch', 'fetch', url, '--arch', 'amd64', '--dl-dir', dlDir, '--quiet']);
    expect(fetched.stderr).not.toMatch(/error/i);
    expect(fetched.code).toBe(0);
    const archive = fetched.stdout.trim().split('\n').pop() ?? '';
    expect(archive.startsWith(join(dlDir, 'container-images/amd64/'))).toBe(true);
    expect((await stat(archive)).size).toBeGreaterThan(0);

    const images = join(work, 'images');
    await mkdir(images);
    const unpacked = await npx([
      'isar-fetch',
      'unpack',
      url,
      '--arch',
      'amd64',
      '--dl-dir',
      dlDir,
      '--workdir',
      images,
    ]);
    expect(unpacked.code).toBe(0);
    const file = unpacked.stdout.trim().split('\n').pop() ?? '';
    const name = file.split('/').pop() ?? '';
    expect((await stat(join(images, name))).isFile()).toBe(true);
    // Isar's image.list: "<archive file> <name>:<tag>" per line.
    await writeFile(join(images, 'image.list'), `${name} consumers/loaded:1\n`);

    const loaded = await npx([
      'container-loader',
      '--images-dir',
      images,
      '--engine',
      'registry',
      '--registry-url',
      `http://${setup.registryHost}`,
      '--tmp-dir',
      work,
    ]);
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    // The registry now serves the image under the new name, with the config the fetched image had.
    const response = await fetch(`http://${setup.registryHost}/v2/consumers/loaded/manifests/1`, {
      headers: {
        accept:
          'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      },
    });
    expect(response.status).toBe(200);
    const manifest = (await response.json()) as { config: { digest: string } };
    expect(manifest.config.digest).toBe(amd64?.configDigest);
  });
});

describe('container-loader from its tarball', () => {
  it('answers --help and --version through npx', async () => {
    const help = await npx(['container-loader', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: container-loader /);
    const v = await npx(['container-loader', '--version']);
    expect(v.stdout.trim()).toBe(version('container-loader'));
  });

  it('ships the single-file build, which runs alone (no node_modules)', async () => {
    const alone = await mkdtemp(join(setup.workDir, 'single-'));
    const file = join(alone, 'container-loader.mjs');
    await copyFile(join(setup.projectDir, 'node_modules/container-loader/dist/container-loader.mjs'), file);
    const result = await runCommand('node', [file, '--version'], { cwd: alone, env: consumerEnv() });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(version('container-loader'));
  });
});

describe('global install (docs/install.md)', () => {
  it('npm install -g of the tarballs gives a working isar-fetch and container-loader on PATH', async () => {
    const prefix = join(setup.workDir, 'global');
    const tarballs = setup.packed.map((p) => p.tarball);
    // --ignore-scripts skips zstd-napi's compile here (the archive falls back to the zstd command); the
    // project install above proves the addon. --prefer-offline: most dependencies are in npm's cache from the
    // project install, but not all: the project pins @types/node (zstd-napi's "*" dependency) to ^20, a global
    // install takes the newest @types/node and its undici-types. consumerEnv's fetch timeout bounds a stall.
    await runChecked(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        ...tarballs,
      ],
      { env: consumerEnv() },
    );
    const env = consumerEnv({ PATH: `${join(prefix, 'bin')}:${consumerEnv().PATH ?? ''}` });
    const fetchVersion = await runCommand('isar-fetch', ['--version'], { cwd: prefix, env });
    expect(fetchVersion.stdout.trim()).toBe(version('isar-fetch'));
    const path = await runCommand(
      'isar-fetch',
      ['localpath', `docker://${setup.registryHost}/consumers/demo;tag=1`, '--arch', 'arm64'],
      { cwd: prefix, env },
    );
    expect(path.code).toBe(0);
    expect(path.stdout.trim()).toMatch(/^container-images\/arm64\/.+_1\.zst$/);
    const loader = await runCommand('container-loader', ['--version'], { cwd: prefix, env });
    expect(loader.stdout.trim()).toBe(version('container-loader'));
    // Resolved from the global tree, not from the consumer project or the workspace.
    const link = await readFile(join(prefix, 'lib/node_modules/isar-fetch/package.json'), 'utf8');
    expect(JSON.parse(link).version).toBe(version('isar-fetch'));
    // npm resolves every dependency of seven tarballs again for the global tree: over a minute on a busy
    // two-core machine.
  }, 240_000);
});
