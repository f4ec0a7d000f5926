import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DOCKER,
  type Dockerd,
  type Registry,
  runChecked,
  runCommand,
  startDockerd,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from './report/result.js';
import { type FixtureArchive, imageList, makeArchive } from './test-support/archives.js';
import { findNode18 } from './test-support/node18.js';

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'container-loader.mjs');

const node18 = await findNode18();

if (typeof node18 === 'string') {
  describe('the single-file build under Node 18', () => {
    it.skip(`skipped, no Node 18 to run it with: ${node18}`, () => {});
  });
} else {
  /**
   * The device build run by Debian bookworm's own Node 18 (no `File`, no undici 7 possible), as on a bookworm
   * or noble device: every engine, for real. Before the node:http transport, the registry engine failed every
   * image here with `File is not defined [ENGINE_UNAVAILABLE]`.
   */
  describe(`the single-file build under Node 18 (${node18.version}, ${node18.origin})`, () => {
    let source: Registry;
    let plain: Registry;
    let secure: Registry;
    let token: Registry;
    let dockerd: Dockerd;
    let device: TmpDir;
    let work: TmpDir;
    let loader: string;
    let imagesDir: string;
    let oci: FixtureArchive;
    let docker: FixtureArchive;

    beforeAll(async () => {
      if (!existsSync(BUNDLE))
        throw new Error(`${BUNDLE} is missing: run "pnpm build" (turbo runs it before tests)`);
      [source, plain, secure, token, dockerd, device, work] = await Promise.all([
        startRegistry(),
        startRegistry(),
        startRegistry({ tls: true, auth: { type: 'htpasswd', users: { loader: 'device-secret' } } }),
        startRegistry({ auth: { type: 'token', users: { loader: 'token-secret' } } }),
        startDockerd(),
        tmpDir('loader-node18-'),
        tmpDir('loader-node18-work-'),
      ]);
      loader = join(device.path, 'container-loader.mjs');
      await copyFile(BUNDLE, loader);
      imagesDir = join(device.path, 'images');
      await runChecked('mkdir', ['-p', imagesDir]);
      oci = await makeArchive({
        registry: source,
        dir: imagesDir,
        format: 'oci',
        name: 'isar/node18:oci',
        seed: 1801,
      });
      docker = await makeArchive({
        registry: source,
        dir: imagesDir,
        format: 'docker-archive',
        name: 'isar/node18:docker',
        seed: 1802,
      });
      await runChecked('sh', ['-c', `cat > ${join(device.path, 'image.list')}`], {
        input: imageList([oci, docker]),
      });
    });
    afterAll(async () => {
      await Promise.all([source?.stop(), plain?.stop(), secure?.stop(), token?.stop(), dockerd?.stop()]);
      await Promise.all([device?.cleanup(), work?.cleanup()]);
    });

    /** The copied file under Node 18, with a minimal environment, as a systemd unit runs it. */
    const runBundle = (args: string[], env: Record<string, string | undefined> = {}) =>
      runCommand(node18.command, [...node18.prefix, loader, ...args], {
        cwd: device.path,
        env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', HOME: device.path, TMPDIR: work.path, ...env },
      });

    const pushTo = (url: string, env: Record<string, string | undefined> = {}) =>
      runBundle(['--images-dir', imagesDir, '--engine', 'registry', '--registry-url', url, '--json'], env);

    const digestOf = async (ref: string, tls: string[] = ['--tls-verify=false']) => {
      const { stdout } = await runChecked('skopeo', ['inspect', '--raw', ...tls, `docker://${ref}`]);
      return `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
    };

    it('is a Node without the globals undici 7 needs, and the file starts', async () => {
      const globals = await runCommand(node18.command, [
        ...node18.prefix,
        '-p',
        '[process.version, typeof File].join(" ")',
      ]);
      expect(globals.stdout.trim()).toBe(`${node18.version} undefined`);
      const version = await runBundle(['--version']);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it('registry engine: pushes both formats (oci digest kept), then skips them', async () => {
      const run = await pushTo(plain.url);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as LoadReport;
      expect(report.summary).toEqual({ loaded: 2, skipped: 0, failed: 0 });
      expect(report.results[0]?.images?.[0]?.digest).toBe(oci.manifestDigest);
      expect(await digestOf(`${plain.host}/isar/node18:oci`)).toBe(oci.manifestDigest);
      expect(await digestOf(`${plain.host}/isar/node18:docker`)).toBe(report.results[1]?.images?.[0]?.digest);
      const again = await pushTo(plain.url);
      expect((JSON.parse(again.stdout) as LoadReport).summary).toEqual({ loaded: 0, skipped: 2, failed: 0 });
    });

    it('registry engine: HTTPS with the registry CA and basic auth, password never printed', async () => {
      const url = `https://loader:device-secret@${secure.host}`;
      const ca = secure.ca?.certFile;
      const run = await pushTo(url, { SSL_CERT_FILE: ca });
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as LoadReport).summary).toEqual({ loaded: 2, skipped: 0, failed: 0 });
      expect(run.stdout + run.stderr).not.toContain('device-secret');
      const tls = [
        '--cert-dir',
        join(secure.ca?.certsDir ?? '', secure.host),
        '--creds',
        'loader:device-secret',
      ];
      expect(await digestOf(`${secure.host}/isar/node18:oci`, tls)).toBe(oci.manifestDigest);

      const untrusted = await pushTo(url);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr + untrusted.stdout).toMatch(/TLS failure.*\[ENGINE_UNAVAILABLE\]/);
      const wrong = await pushTo(`https://loader:wrong-secret@${secure.host}`, { SSL_CERT_FILE: ca });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr + wrong.stdout).not.toContain('wrong-secret');
    });

    it('registry engine: bearer tokens from the token server', async () => {
      const before = token.tokenServer?.requests.length ?? 0;
      const run = await pushTo(`http://loader:token-secret@${token.host}`);
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as LoadReport).summary).toEqual({ loaded: 2, skipped: 0, failed: 0 });
      expect((token.tokenServer?.requests.length ?? 0) - before).toBeGreaterThan(0);
      const tls = ['--tls-verify=false', '--creds', 'loader:token-secret'];
      expect(await digestOf(`${token.host}/isar/node18:oci`, tls)).toBe(oci.manifestDigest);
    });

    it('docker engine: loads both formats into dockerd; the images run', async () => {
      const run = await runBundle(['--images-dir', imagesDir, '--engine', 'docker', '--json'], {
        ...dockerd.env,
        CONTAINER_LOADER_DOCKER: DOCKER,
      });
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as LoadReport).summary).toEqual({ loaded: 2, skipped: 0, failed: 0 });
      for (const archive of [oci, docker]) {
        const inspect = await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', archive.name]);
        expect(inspect.stdout.trim()).toBe(archive.configDigest);
        const echo = await dockerd.docker([
          'run',
          '--rm',
          '--network',
          'none',
          archive.name,
          '/bin/busybox',
          'echo',
          `hi ${archive.name}`,
        ]);
        expect(echo.code, echo.stderr).toBe(0);
        expect(echo.stdout.trim()).toBe(`hi ${archive.name}`);
      }
    });
  });
}
