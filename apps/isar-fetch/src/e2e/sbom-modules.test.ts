import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  pushImage,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';

/**
 * The SBOM's modules (@isar/sbom, the CycloneDX library, packageurl-js, whose load starts ICU) cost ~50 ms of
 * CPU: a command that makes no SBOM must not load them. Which modules a run loads is recorded by a resolve
 * hook the real CLI process gets through NODE_OPTIONS; the run that makes an SBOM shows the record works.
 */
let registry: Registry;
let image: BuiltImage;
let work: TmpDir;
let preload: string;

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({ seed: 57, layers: [0, 100_000] });
  await pushImage(image, `${registry.host}/demo/modules:1`);
  work = await tmpDir('isar-fetch-sbom-modules-');
  const hooks = join(work.path, 'record-hooks.mjs');
  await writeFile(
    hooks,
    [
      "import { appendFileSync } from 'node:fs';",
      'let out;',
      'export function initialize(data) { out = data.out; }',
      'export async function resolve(specifier, context, next) {',
      '  const resolved = await next(specifier, context);',
      '  appendFileSync(out, `${resolved.url}\\n`);',
      '  return resolved;',
      '}',
    ].join('\n'),
  );
  preload = join(work.path, 'record-modules.mjs');
  await writeFile(
    preload,
    [
      "import { register } from 'node:module';",
      `register(${JSON.stringify(`file://${hooks}`)}, { data: { out: process.env.MODULE_LOG } });`,
    ].join('\n'),
  );
});
afterAll(async () => {
  await registry?.stop();
  await work?.cleanup();
});

/** Runs a fetch and returns the URLs of the modules it loaded. */
async function modulesOf(name: string, extra: string[]): Promise<string[]> {
  const log = join(work.path, `${name}.log`);
  await writeFile(log, '');
  const run = await cli(
    [
      'fetch',
      `docker://${registry.host}/demo/modules;tag=1;digest=${image.digest}`,
      '--dl-dir',
      join(work.path, name),
      '--arch',
      'amd64',
      '--quiet',
      ...extra,
    ],
    { env: { NODE_OPTIONS: `--import=${preload}`, MODULE_LOG: log } },
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

const sbomModules = (urls: string[]) =>
  urls.filter((url) => /\/sbom\/dist\/|packageurl-js|spdx-expression-parse/.test(url));

describe('the SBOM modules are loaded only for an SBOM', () => {
  it('a docker-archive fetch makes its SBOM and loads them', async () => {
    const urls = await modulesOf('with', []);
    expect(urls.some((url) => url.endsWith('/isar-fetch/dist/main.js'))).toBe(true);
    expect(sbomModules(urls)).not.toEqual([]);
  });

  it('--no-sbom, and the oci format without --sbom, load none of them', async () => {
    for (const [name, extra] of [
      ['without', ['--no-sbom']],
      ['oci', ['--format', 'oci']],
    ] as const) {
      const urls = await modulesOf(name, [...extra]);
      expect(
        urls.some((url) => url.endsWith('/isar-fetch/dist/main.js')),
        name,
      ).toBe(true);
      expect(sbomModules(urls), name).toEqual([]);
    }
  });
});
