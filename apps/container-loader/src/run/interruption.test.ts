import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type FaultProxy,
  faultProxy,
  type Registry,
  runCommand,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '../report/result.js';
import { type FixtureArchive, imageList, makeArchive } from '../test-support/archives.js';
import { runCli } from '../test-support/run-cli.js';

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'container-loader.mjs');

/** Matches the manifest PUT of one tag of isar/power. */
const isManifestPut =
  (tag: string) =>
  (r: { method: string; path: string }): boolean =>
    r.method === 'PUT' && r.path.endsWith(`/manifests/${tag}`);

describe('interrupted in the middle of a load', () => {
  let registry: Registry;
  let proxy: FaultProxy;
  let work: TmpDir;
  let killed: FixtureArchive;
  let stopped: FixtureArchive;

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm build"`);
    [registry, work] = await Promise.all([startRegistry(), tmpDir('loader-power-')]);
    // Each test's first manifest PUT hangs: every blob is in the registry, the tag is not (the worst moment).
    const hang = (tag: string) =>
      ({ kind: 'delay', ms: 60_000, times: 1, match: isManifestPut(tag) }) as const;
    proxy = await faultProxy(registry.url, [hang('1'), hang('2')]);
    for (const name of ['killed', 'stopped']) await mkdir(join(work.path, name));
    const dir = (name: string) => join(work.path, name);
    killed = await makeArchive({
      registry,
      dir: dir('killed'),
      format: 'oci',
      name: 'isar/power:1',
      seed: 751,
    });
    stopped = await makeArchive({
      registry,
      dir: dir('stopped'),
      format: 'oci',
      name: 'isar/power:2',
      seed: 752,
    });
    await writeFile(join(dir('killed'), 'image.list'), imageList([killed]));
    await writeFile(join(dir('stopped'), 'image.list'), imageList([stopped]));
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    await work?.cleanup();
  });

  const waitForManifestPut = async (tag: string) => {
    for (let waited = 0; !proxy.requests.some(isManifestPut(tag)); waited += 50) {
      if (waited > 60_000) throw new Error('the loader never reached the manifest PUT');
      await sleep(50);
    }
  };
  const tagStatus = async (tag: string) =>
    (await fetch(`${registry.url}/v2/isar/power/manifests/${tag}`, { method: 'HEAD' })).status;

  it('power loss (SIGKILL of the device build) before the tag exists: nothing done, nothing deleted; rerun converges', async () => {
    const args = [BUNDLE, '--images-dir', join(work.path, 'killed'), '--engine', 'registry'];
    args.push('--registry-url', proxy.url, '--delete-after-load');
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitForManifestPut('1');
    child.kill('SIGKILL');
    await exited;

    expect(existsSync(killed.path)).toBe(true);
    expect(await tagStatus('1')).toBe(404);

    const rerun = await runCommand(process.execPath, [...args, '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout) as LoadReport;
    expect(report.results[0]).toMatchObject({
      status: 'loaded',
      deleted: true,
      images: [{ digest: killed.manifestDigest }],
    });
    expect(existsSync(killed.path)).toBe(false);
    const head = await fetch(`${registry.url}/v2/isar/power/manifests/1`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(head.headers.get('docker-content-digest')).toBe(killed.manifestDigest);
  });

  it('stopped (SIGTERM aborts the signal): exit 130, ABORTED, archive kept; the next run converges', async () => {
    const controller = new AbortController();
    const dir = join(work.path, 'stopped');
    const argv = [
      '--images-dir',
      dir,
      '--engine',
      'registry',
      '--registry-url',
      proxy.url,
      '--delete-after-load',
      '--json',
    ];
    const running = runCli(argv, process.env, dir, controller.signal);
    await waitForManifestPut('2');
    controller.abort(new DOMException('interrupted by SIGTERM', 'AbortError'));
    const run = await running;
    expect(run.code).toBe(130);
    expect(run.report?.results[0]).toMatchObject({ status: 'failed', code: 'ABORTED' });
    expect(existsSync(stopped.path)).toBe(true);
    expect(await tagStatus('2')).toBe(404);

    const rerun = await runCli(argv, process.env, dir);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.report?.results[0]).toMatchObject({ status: 'loaded', deleted: true });
    expect(existsSync(stopped.path)).toBe(false);
  });
});
