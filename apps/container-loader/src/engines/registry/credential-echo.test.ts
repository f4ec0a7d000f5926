import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type FaultProxy,
  faultProxy,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageList, makeArchive } from '../../test-support/archives.js';
import { runCli } from '../../test-support/run-cli.js';

/** Unique to this file: redaction also remembers secrets process-wide, and no other test may teach it this one. */
const PASSWORD = 'Echoed-Pw-4711';

/**
 * The password of `--registry-url http://user:pass@...` must never reach the journal or the report, even
 * when the registry puts it into an error body (a proxy or registry that echoes what it refused). isar-fetch
 * already redacts the same case for passwords from auth files.
 */
describe('a registry that echoes the credentials of --registry-url', () => {
  let registry: Registry;
  let proxy: FaultProxy;
  let work: TmpDir;
  let imagesDir: string;

  beforeAll(async () => {
    [registry, work] = await Promise.all([
      startRegistry({ auth: { type: 'htpasswd', users: { loader: PASSWORD } } }),
      tmpDir('loader-echo-'),
    ]);
    const source = await startRegistry();
    imagesDir = join(work.path, 'images');
    await mkdir(imagesDir);
    const archive = await makeArchive({
      registry: source,
      dir: imagesDir,
      format: 'oci',
      name: 'isar/echo:1',
      seed: 771,
    });
    await source.stop();
    await writeFile(join(imagesDir, 'image.list'), imageList([archive]));
    const body = JSON.stringify({
      errors: [{ code: 'DENIED', message: `user loader with password ${PASSWORD} may not push here` }],
    });
    proxy = await faultProxy(registry.url, [
      {
        kind: 'status',
        status: 404,
        body,
        match: (r) => r.method === 'PUT' && r.path.includes('/manifests/'),
      },
    ]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    await work?.cleanup();
  });

  it('the push fails with the registry message, the password replaced by ***', async () => {
    const url = `http://loader:${PASSWORD}@${proxy.host}`;
    const run = await runCli(
      ['--images-dir', imagesDir, '--engine', 'registry', '--registry-url', url, '--json'],
      {
        ...process.env,
      },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.report?.results[0]?.code).toBe('PUSH_FAILED');
    expect(run.report?.results[0]?.reason).toContain('user loader with password *** may not push here');
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });
});
