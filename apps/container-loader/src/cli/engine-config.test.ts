import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

/** An engine that cannot be set up from its configuration is bad configuration: exit 2, one line, no image tried. */
describe('engine configuration', () => {
  let work: TmpDir;
  let imagesDir: string;
  beforeAll(async () => {
    work = await tmpDir('loader-engine-config-');
    imagesDir = join(work.path, 'images');
    await mkdir(imagesDir);
  });
  afterAll(async () => {
    await work?.cleanup();
  });

  it('REGISTRY_AUTH_FILE naming a missing file stops the registry engine, as it stops skopeo and podman', async () => {
    const run = await runCli(['--images-dir', imagesDir, '--engine', 'registry'], {
      ...process.env,
      REGISTRY_AUTH_FILE: join(work.path, 'missing-auth.json'),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `container-loader: auth file ${join(work.path, 'missing-auth.json')} (named by REGISTRY_AUTH_FILE) does not exist\n`,
    );
    expect(run.stdout).toBe('');
  });
});
