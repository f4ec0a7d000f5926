import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
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

const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'container-loader.mjs');

describe('power loss in the middle of a load', () => {
  let registry: Registry;
  let proxy: FaultProxy;
  let work: TmpDir;
  let archive: FixtureArchive;

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "pnpm build"`);
    [registry, work] = await Promise.all([startRegistry(), tmpDir('loader-power-')]);
    // The first manifest PUT hangs: every blob is in the registry, the tag is not (the worst moment to die).
    proxy = await faultProxy(registry.url, [
      {
        kind: 'delay',
        ms: 60_000,
        times: 1,
        match: (r) => r.method === 'PUT' && r.path.includes('/manifests/'),
      },
    ]);
    archive = await makeArchive({ registry, dir: work.path, format: 'oci', name: 'isar/power:1', seed: 751 });
    await writeFile(join(work.path, 'image.list'), imageList([archive]));
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    await work?.cleanup();
  });

  const args = () => [BUNDLE, '--images-dir', work.path, '--engine', 'registry', '--registry-url', proxy.url];
  const manifestPuts = () =>
    proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/')).length;

  it('killed before the tag exists: nothing counted as done, nothing deleted; the next run converges', async () => {
    const child = spawn(process.execPath, [...args(), '--delete-after-load'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (let waited = 0; manifestPuts() === 0; waited += 50) {
      if (waited > 60_000) throw new Error('the loader never reached the manifest PUT');
      await sleep(50);
    }
    child.kill('SIGKILL');
    await exited;

    expect(existsSync(archive.path)).toBe(true);
    const tag = await fetch(`${registry.url}/v2/isar/power/manifests/1`, { method: 'HEAD' });
    expect(tag.status).toBe(404);

    const rerun = await runCommand(process.execPath, [...args(), '--delete-after-load', '--json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout) as LoadReport;
    expect(report.results[0]).toMatchObject({
      status: 'loaded',
      deleted: true,
      images: [{ digest: archive.manifestDigest }],
    });
    expect(existsSync(archive.path)).toBe(false);
    const head = await fetch(`${registry.url}/v2/isar/power/manifests/1`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(head.headers.get('docker-content-digest')).toBe(archive.manifestDigest);
  });
});
