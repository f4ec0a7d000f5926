import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/**
 * The CycloneDX library, packageurl-js and spdx-expression-parse (with the SPDX lists it reads) are bundled
 * into dist: each CommonJS file Node loads on its own costs a fetch CPU (module resolution V8 compiles hot).
 * Bundled code is a copy: their licences must go with it.
 */
describe('the bundle', () => {
  it('imports none of the bundled packages at run time', async () => {
    if (!existsSync(join(DIST, 'index.js'))) throw new Error('dist is missing: run "pnpm build" first');
    for (const file of ['index.js', 'index.cjs']) {
      const code = await readFile(join(DIST, file), 'utf8');
      for (const name of ['packageurl-js', 'spdx-expression-parse', '@cyclonedx/cyclonedx-library'])
        expect(code, `${file}: ${name}`).not.toMatch(
          new RegExp(`(?:from |require\\(|import\\()["']${name}["'/]`),
        );
    }
  });

  it('ships the notice and licence of every package it holds', async () => {
    const notices = await readFile(join(DIST, 'THIRD-PARTY-NOTICES.md'), 'utf8');
    const sections = [...notices.matchAll(/^## (\S+) (\S+) \((.+)\)$/gm)].map((m) => [m[1], m[3]]);
    expect(sections).toEqual([
      ['@cyclonedx/cyclonedx-library', 'Apache-2.0'],
      ['packageurl-js', 'MIT'],
      ['spdx-exceptions', 'CC-BY-3.0'],
      ['spdx-expression-parse', 'MIT'],
      ['spdx-license-ids', 'CC0-1.0'],
    ]);
    // The licence files' texts, not just their names.
    expect(notices).toContain('Permission is hereby granted, free of charge');
    expect(notices).toContain('Apache License');
  });
});
