import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPodman,
  PODMAN,
  type Podman,
  type Registry,
  runChecked,
  runCommand,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from './report/result.js';
import { type FixtureArchive, imageList, makeArchive } from './test-support/archives.js';

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'container-loader.mjs');

/**
 * The device build: dist/container-loader.mjs copied alone into an empty directory (no node_modules anywhere
 * up the tree), run by plain `node`. zstd-napi cannot load there, so the `zstd` command does the work.
 */
describe('the single-file build runs on its own with the zstd command', () => {
  let registry: Registry;
  let podman: Podman;
  let work: TmpDir;
  let device: TmpDir;
  let loader: string;
  let imagesDir: string;
  let oci: FixtureArchive;
  let docker: FixtureArchive;

  beforeAll(async () => {
    if (!existsSync(BUNDLE))
      throw new Error(`${BUNDLE} is missing: run "pnpm build" (turbo runs it before tests)`);
    [registry, podman, work, device] = await Promise.all([
      startRegistry(),
      createPodman(),
      tmpDir('loader-bundle-'),
      tmpDir('loader-device-'),
    ]);
    loader = join(device.path, 'container-loader.mjs');
    await copyFile(BUNDLE, loader);
    imagesDir = join(device.path, 'images');
    await runChecked('mkdir', ['-p', imagesDir]);
    oci = await makeArchive({ registry, dir: imagesDir, format: 'oci', name: 'isar/bundled:oci', seed: 741 });
    docker = await makeArchive({
      registry,
      dir: imagesDir,
      format: 'docker-archive',
      name: 'isar/bundled:docker',
      seed: 742,
    });
    await runChecked('sh', ['-c', `cat > ${join(device.path, 'image.list')}`], {
      input: imageList([oci, docker]),
    });
  });
  afterAll(async () => {
    await Promise.all([registry?.stop(), podman?.cleanup()]);
    await Promise.all([work?.cleanup(), device?.cleanup()]);
  });

  /** Runs the copied file with a minimal environment, as a systemd unit would. */
  const runBundle = (args: string[], env: Record<string, string | undefined>) =>
    runCommand(process.execPath, [loader, ...args], {
      cwd: device.path,
      env: { PATH: '/usr/bin:/bin', HOME: device.path, TMPDIR: work.path, ...env },
    });

  it('is one self-contained file: no imports of workspace or npm packages', async () => {
    const text = await readFile(loader, 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const imports = [...text.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map((m) => m[1]);
    const foreign = imports.filter(
      (specifier) => !builtinModules.includes(specifier?.replace(/^node:/, '') ?? ''),
    );
    expect(foreign).toEqual([]);
    for (let dir = device.path; dir !== '/'; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(false);
    }
    const version = await runBundle(['--version'], {});
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('carries the notice and licence of every npm package inside it', async () => {
    const text = await readFile(loader, 'utf8');
    const notices = text.slice(text.lastIndexOf('\n/*\n# Third-party notices'));
    const packages = [...notices.matchAll(/^## (\S+) \S+ \((.+)\)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    // The archive reader's tar parser and the config reader, at least, are npm packages bundled in.
    expect(packages).toEqual(expect.arrayContaining(['tar-stream MIT', 'smol-toml BSD-3-Clause']));
    expect(notices).toContain('Permission is hereby granted');
    expect(notices.trimEnd().endsWith('*/')).toBe(true);
  });

  it('carries no undici (it needs Node 20) and loads nothing by name outside Node', async () => {
    const text = await readFile(loader, 'utf8');
    expect(text).not.toMatch(/node_modules\/(\.pnpm\/)?undici/);
    const loads = [...text.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(loads.filter((specifier) => !specifier?.startsWith('node:'))).toEqual([]);
    // The registry engine picks the node:http transport (node18.test.ts runs this file under Node 18).
    expect(text).toMatch(/httpTransport: nodeHttpTransport/);
  });

  it('pushes both formats into a registry (oci digest kept), then skips them', async () => {
    const args = [
      '--images-dir',
      imagesDir,
      '--engine',
      'registry',
      '--registry-url',
      registry.url,
      '--json',
    ];
    const run = await runBundle(args, {});
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as LoadReport;
    expect(report.summary).toEqual({ loaded: 2, skipped: 0, failed: 0 });
    expect(report.results[0]?.images?.[0]?.digest).toBe(oci.manifestDigest);
    const { stdout } = await runChecked('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/isar/bundled:oci`,
    ]);
    expect(`sha256:${createHash('sha256').update(stdout).digest('hex')}`).toBe(oci.manifestDigest);
    const again = await runBundle(args, {});
    expect((JSON.parse(again.stdout) as LoadReport).summary).toEqual({ loaded: 0, skipped: 2, failed: 0 });
  });

  it('loads both formats into podman', async () => {
    const env = { ...podman.env, PATH: '/usr/bin:/bin', CONTAINER_LOADER_PODMAN: PODMAN };
    const run = await runBundle(['--images-dir', imagesDir, '--engine', 'podman'], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^loaded isar\.bundled:oci\.zst \(line 2\) into podman: docker\.io\/isar\/bundled:oci /m,
    );
    const images = await podman.podman(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(images.stdout).toContain('docker.io/isar/bundled:docker');
  });

  it('without the zstd command (and no addon) every archive fails with a clear reason', async () => {
    const run = await runBundle(
      ['--images-dir', imagesDir, '--engine', 'registry', '--registry-url', registry.url, '--force'],
      { PATH: '/nonexistent' },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout, run.stderr).toMatch(
      /^failed isar\.bundled:oci\.zst .*install the zstd package \[ARCHIVE_UNREADABLE\]$/m,
    );
  });
});
