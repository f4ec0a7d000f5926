/**
 * The README examples, run in the consumer project (only the installed tarballs resolve) against the kit's
 * registry, and their results checked with independent tools (sha256 of the file, zstd + tar). Each README's
 * example block must equal the file that ran, so the documentation cannot drift from working code.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked, runCommand } from '@isar/testkit';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { consumerEnv } from './consumer-project.js';
import { LIBRARIES, REPO_ROOT } from './packages.js';
import { exampleMarker, readmeExample, withReadmeExample } from './readme-example.js';

const setup = inject('consumer');
const examplesDir = new URL('../examples/', import.meta.url);
const installedExamples = join(setup.projectDir, 'examples');

const amd64 = setup.manifests.find((m) => m.platform === 'linux/amd64');
const arm64 = setup.manifests.find((m) => m.platform.startsWith('linux/arm64'));

/** Runs an example from the consumer project in a fresh working directory; returns its JSON line and cwd. */
async function runExample<T>(file: string, args: string[]): Promise<{ out: T; cwd: string; stderr: string }> {
  const cwd = await mkdtemp(join(setup.projectDir, 'run-'));
  const result = await runCommand('node', [join(installedExamples, file), ...args], {
    cwd,
    env: consumerEnv(),
  });
  if (result.code !== 0) throw new Error(`${file} exited with ${result.code}: ${result.stderr}`);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  return { out: JSON.parse(last) as T, cwd, stderr: result.stderr };
}

/** `zstd -dc <file> | tar -xO <entry>` with the system's tools. */
async function entryOfZstdTar(file: string, entry: string): Promise<string> {
  const tar = await runChecked('sh', ['-c', 'zstd -dc -- "$1" | tar -xOf - -- "$2"', 'sh', file, entry]);
  return tar.stdout;
}

async function entriesOfZstdTar(file: string): Promise<string[]> {
  const tar = await runChecked('sh', ['-c', 'zstd -dc -- "$1" | tar -tf -', 'sh', file]);
  return tar.stdout.trim().split('\n');
}

const hex = (digest: string) => digest.replace(/^sha256:/, '');

beforeAll(async () => {
  // Inside the project, so `@isar/...` resolve from its node_modules and nowhere else.
  await cp(examplesDir, installedExamples, { recursive: true });
  expect(amd64 && arm64).toBeTruthy();
});

describe('README examples run against the installed tarballs', () => {
  it('@isar/oci-spec picks a platform from an index on disk', async () => {
    const { out } = await runExample<{ digest: string; exact: boolean; reason: string }>('oci-spec.mjs', [
      setup.layoutDir,
      'linux/arm64',
    ]);
    expect(out.digest).toBe(arm64?.digest);
    expect(out.exact).toBe(true);
  });

  it('@isar/oci-registry resolves the tag and streams a layer blob', async () => {
    const { out, cwd } = await runExample<{
      indexDigest: string;
      manifestDigest: string;
      layer: string;
      size: number;
      file: string;
    }>('oci-registry.mjs', [setup.imageRef, 'arm64', 'layer.bin']);
    expect(out.indexDigest).toBe(setup.indexDigest);
    expect(out.manifestDigest).toBe(arm64?.digest);
    expect(out.layer).toBe(arm64?.layers[0]?.digest);
    const bytes = await readFile(join(cwd, 'layer.bin'));
    expect(bytes.length).toBe(arm64?.layers[0]?.size);
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(arm64?.layers[0]?.digest);
  });

  it('@isar/archive writes a docker-archive from the layout that zstd and tar read back', async () => {
    const { out, cwd } = await runExample<{ configDigest: string; layers: string[] }>('archive.mjs', [
      setup.layoutDir,
      'linux/amd64',
      'demo.tar.zst',
    ]);
    expect(out.configDigest).toBe(amd64?.configDigest);
    const file = join(cwd, 'demo.tar.zst');
    const manifest = JSON.parse(await entryOfZstdTar(file, 'manifest.json')) as Array<{
      Config: string;
      RepoTags: string[];
      Layers: string[];
    }>;
    expect(manifest).toHaveLength(1);
    expect(manifest[0]?.Config).toBe(`${hex(amd64?.configDigest ?? '')}.json`);
    expect(manifest[0]?.RepoTags).toEqual(['docker.io/consumers/demo:1']);
    const diffIds = amd64?.layers.map((l) => l.diffId) ?? [];
    expect(out.layers).toEqual(diffIds);
    const entries = await entriesOfZstdTar(file);
    for (const diffId of diffIds) expect(entries).toContain(`${hex(diffId)}.tar`);
    // The layer entry really is the layer: its sha256 is the diff_id.
    const first = diffIds[0] ?? '';
    const layer = await runChecked('sh', [
      '-c',
      'zstd -dc -- "$1" | tar -xOf - -- "$2" | sha256sum',
      'sh',
      file,
      `${hex(first)}.tar`,
    ]);
    expect(layer.stdout.split(' ')[0]).toBe(hex(first));
  });

  it('@isar/sbom describes an archive the archive example wrote', async () => {
    const written = await runExample<{ layers: string[] }>('archive.mjs', [
      setup.layoutDir,
      'linux/amd64',
      'demo.tar.zst',
    ]);
    const archive = join(written.cwd, 'demo.tar.zst');
    const { out } = await runExample<{ file: string; image: string; layers: string[]; packages: number }>(
      'sbom.mjs',
      [archive, 'docker://docker.io/consumers/demo:1'],
    );
    expect(out.file).toBe(`${archive}.cdx.json`);
    expect(out.image).toBe('docker.io/consumers/demo');
    expect(out.layers).toHaveLength(written.out.layers.length);
    const bom = JSON.parse(await readFile(out.file, 'utf8'));
    expect(bom.specVersion).toBe('1.6');
    expect(bom.metadata.component.externalReferences).toEqual([
      { type: 'distribution', url: 'docker://docker.io/consumers/demo:1' },
    ]);
  });

  it('@isar/fetch-core fetches into a DL_DIR', async () => {
    const url = `docker://${setup.registryHost}/consumers/demo;tag=1`;
    const { out, cwd } = await runExample<{
      path: string;
      localFile: string;
      indexDigest: string;
      manifestDigest: string;
      platform: string;
      warning?: string;
      srcUriLine?: string;
    }>('fetch-core.mjs', [url, 'arm64', 'downloads']);
    expect(out.indexDigest).toBe(setup.indexDigest);
    expect(out.manifestDigest).toBe(arm64?.digest);
    expect(out.localFile).toMatch(/^container-images\/arm64\/.+_1\.zst$/);
    expect(out.path).toBe(join(cwd, 'downloads', out.localFile));
    expect(out.srcUriLine).toContain(`;digest=${setup.indexDigest}`);
    expect(out.warning).toMatch(/checksum/i);
    const manifest = JSON.parse(await entryOfZstdTar(out.path, 'manifest.json')) as Array<{ Config: string }>;
    expect(manifest[0]?.Config).toBe(`${hex(arm64?.configDigest ?? '')}.json`);
  });

  it('@isar/fetch-cli runs a command in-process', async () => {
    const url = `docker://${setup.registryHost}/consumers/demo;tag=1`;
    const { out } = await runExample<{
      code: number;
      result: { indexDigest: string; manifestDigest: string; srcUri: string };
      stderr: string;
    }>('fetch-cli.mjs', [url, 'arm64']);
    expect(out.code).toBe(0);
    expect(out.result.indexDigest).toBe(setup.indexDigest);
    expect(out.result.manifestDigest).toBe(arm64?.digest);
    expect(out.result.srcUri).toMatch(/^SRC_URI = "docker:\/\/.+"$/);
    expect(out.result.srcUri).toContain(`;digest=${setup.indexDigest}`);
  });
});

describe.each(LIBRARIES)('$name README', (pkg) => {
  it('shows the example that the consumer test runs, verbatim', async () => {
    const file = pkg.example ?? '';
    const readmePath = join(REPO_ROOT, pkg.dir, 'README.md');
    const code = await readFile(new URL(file, examplesDir), 'utf8');
    let readme = await readFile(readmePath, 'utf8');
    if (process.env.UPDATE_EXAMPLES === '1' && readmeExample(readme, file) !== code) {
      readme = withReadmeExample(readme, file, code);
      await writeFile(readmePath, readme);
    }
    expect(readme, `${pkg.dir}/README.md needs ${exampleMarker(file)} and a js block`).toContain(
      exampleMarker(file),
    );
    expect(readmeExample(readme, file)).toBe(code);
  });
});
