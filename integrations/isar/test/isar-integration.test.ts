import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildImage, pushImage, type Registry, startRegistry } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const isarFetch = `${process.execPath} ${fileURLToPath(new URL('../../../apps/isar-fetch/bin/isar-fetch.js', import.meta.url))}`;

let registry: Registry;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  registry = await startRegistry();
  const image = await buildImage({ platforms: ['linux/amd64', 'linux/arm64'], layers: 2 });
  const { digest } = await pushImage(image, `${registry.host}/demo/busybox:1.0`);
  env = {
    ...process.env,
    ISAR_FETCH: isarFetch,
    ISAR_TEST_REGISTRY: registry.host,
    ISAR_TEST_INDEX_DIGEST: digest,
  };
});

afterAll(async () => {
  await registry?.stop();
});

describe('Isar integration', () => {
  it('the bitbake fetcher passes its unit tests against the real CLI and registry', async () => {
    const result = await run('python3', ['-m', 'unittest', '-v', 'test_container_fetcher'], {
      cwd: here,
      env,
    }).catch((error) => error);
    // unittest reports on stderr; show it when something failed.
    expect(result.stderr, result.stderr).toMatch(/\nOK\n?$/);
  });

  it('the calls bitbake makes, in order, work for a multi-arch image with and without digest', async () => {
    const result = await run('bash', [join(here, 'bitbake-sequence.sh')], { env }).catch((error) => error);
    expect(result.code ?? 0, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('ok: arm64, digest pinned: yes');
    expect(result.stdout).toContain('ok: cached pinned URL left as it was');
  });
});
