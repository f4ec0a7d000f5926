import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLayout, writeOciArchive } from '@isar/archive';
import { buildImage, type Registry, runCommand, startRegistry, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport } from '../report/result.js';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'container-loader.js');

/**
 * An archive may carry many names (an `oci` archive's index annotations, a docker-archive's RepoTags). The
 * loader asks the engine about them one after the other, not all at once: no burst of hundreds of requests
 * or processes, and no pile of abort listeners on the run's signal (Node warned: MaxListenersExceededWarning).
 */
describe('an archive with many names', () => {
  const count = 60;
  let registry: Registry;
  let work: TmpDir;
  let imagesDir: string;

  beforeAll(async () => {
    [registry, work] = await Promise.all([startRegistry(), tmpDir('loader-many-names-')]);
    imagesDir = join(work.path, 'images');
    await mkdir(imagesDir);
    const image = await buildImage({ seed: 791, layers: [0] });
    const layout = await openLayout(image.layoutDir);
    const repoTags = Array.from({ length: count }, (_, i) => `isar/many:${i}`);
    await writeOciArchive(layout.image(), {
      repoTags,
      output: join(imagesDir, 'many.zst'),
      compression: { zstd: {} },
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await work?.cleanup();
  });

  it('a scan loads every name into the registry with no warning, and a second run skips them all', async () => {
    const args = [BIN, '--images-dir', imagesDir, '--engine', 'registry', '--registry-url', registry.url];
    const options = { signal: AbortSignal.timeout(120_000) };
    const first = await runCommand(process.execPath, [...args, '--json'], options);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    expect(first.stderr).not.toMatch(/Warning/);
    const report = JSON.parse(first.stdout) as LoadReport;
    expect(report.results[0]?.images).toHaveLength(count);
    const again = await runCommand(process.execPath, args, options);
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/^skipped many\.zst: already in registry as /);
  });
});
