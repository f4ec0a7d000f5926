/**
 * docs/api/<package>.md is generated from each package's published declarations; this test regenerates it and
 * fails when the committed file differs, so the reference follows every change of the public API (and a
 * change of the API shows up in review as a diff of that file). `pnpm --filter @isar/consumer-tests api-docs`
 * rewrites the files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiReference } from './api-reference.js';
import { PUBLISHED, REPO_ROOT } from './packages.js';
import { readManifest } from './run-in-project.js';

const docsDir = join(REPO_ROOT, 'docs/api');

export function apiDocFile(name: string): string {
  return join(docsDir, `${name.replace(/^@isar\//, '')}.md`);
}

describe.each(PUBLISHED)('$name API reference', (pkg) => {
  it('is docs/api/<name>.md, up to date with dist/index.d.ts', async () => {
    const dir = join(REPO_ROOT, pkg.dir);
    const manifest = (await readManifest(dir)) as { description?: string };
    const intro = `${manifest.description ?? ''}.\n\nInstall, examples and behaviour: [README](../../${pkg.dir}/README.md).`;
    const reference = apiReference(pkg.name, join(dir, 'dist/index.d.ts'), intro);
    expect(reference.exports.length).toBeGreaterThan(0);
    const file = apiDocFile(pkg.name);
    if (process.env.UPDATE_API_DOCS === '1') {
      await mkdir(docsDir, { recursive: true });
      await writeFile(file, reference.markdown);
      if (reference.undocumented.length > 0) {
        console.log(`${pkg.name}: no TSDoc on ${reference.undocumented.join(', ')}`);
      }
    }
    const committed = await readFile(file, 'utf8').catch(() => '');
    expect(committed, `${file} is stale: run pnpm --filter @isar/consumer-tests api-docs`).toBe(
      reference.markdown,
    );
  });
});
