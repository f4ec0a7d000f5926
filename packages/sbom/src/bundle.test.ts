import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { buildCycloneDx } from './cyclonedx.js';
import type { Inventory } from './inventory.js';

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

const IMAGE = {
  repository: 'localhost/bundle',
  tag: '1',
  repoTags: ['localhost/bundle:1'],
  configDigest: `sha256:${'0'.repeat(64)}`,
  platform: { os: 'linux', architecture: 'amd64' },
  layers: [],
};
const EMPTY = { osRelease: { ID: 'debian', VERSION_ID: '12' }, deb: [], apk: [], warnings: [] };

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

  it('writes the same document as the unbundled libraries (its CycloneDX part built from their sources)', async () => {
    const { buildCycloneDx: bundled } = await import(join(DIST, 'index.js'));
    const image = {
      ...IMAGE,
      manifestDigest: `sha256:${'1'.repeat(64)}`,
      indexDigest: `sha256:${'2'.repeat(64)}`,
      sourceUrl: 'docker://localhost/bundle;tag=1',
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      layers: [{ digest: `sha256:${'3'.repeat(64)}`, diffId: `sha256:${'4'.repeat(64)}` }],
    };
    const inventory: Inventory = {
      osRelease: { ID: 'Debian', VERSION_ID: '12', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
      deb: [
        {
          name: 'zlib1g',
          version: '1:1.2.13',
          architecture: 'armhf',
          sourceName: 'zlib',
          database: 'var/lib/dpkg/status',
          licenses: { machineReadable: true, spdx: ['Zlib'], unmapped: [] },
        },
        {
          name: 'libc6',
          version: '2.36-9',
          architecture: 'armhf',
          state: 'half-configured',
          database: 'var/lib/dpkg/status',
          licenses: {
            machineReadable: true,
            spdx: ['GPL-2.0-or-later WITH GCC-exception-2.0', 'LGPL-2.1-or-later'],
            unmapped: [],
          },
        },
        {
          name: 'base-files',
          version: '12.4',
          architecture: 'armhf',
          database: 'var/lib/dpkg/status.d/base',
          licenses: { machineReadable: true, spdx: ['GPL-2.0-or-later', 'MIT'], unmapped: ['public-domain'] },
        },
      ],
      apk: [
        {
          name: 'musl',
          version: '1.2.4-r2',
          architecture: 'armv7',
          license: 'MIT',
          origin: 'musl',
          database: 'lib/apk/db/installed',
        },
      ],
      warnings: ['second warning', 'first warning'],
    };
    const timestamp = new Date('2026-01-02T03:04:05Z');
    expect(bundled(image, inventory, { timestamp })).toBe(buildCycloneDx(image, inventory, { timestamp }));
  });

  it('makes the same purls as packageurl-js itself (its collator is replaced in the bundle)', async () => {
    const { buildCycloneDx } = await import(join(DIST, 'index.js'));
    const word = fc.stringMatching(/^[a-z0-9][a-z0-9.+~:_ %/@?#-]{0,12}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(word, word, word), { minLength: 1, maxLength: 4 }), (packages) => {
        const deb = packages.map(([name, version, architecture]) => ({ name, version, architecture }));
        const document = JSON.parse(buildCycloneDx(IMAGE, { ...EMPTY, deb }));
        const purls = document.components
          .filter((c: { type: string }) => c.type === 'library')
          .map((c: { purl: string }) => c.purl)
          .sort();
        const expected = deb
          .map((p) =>
            new PackageURL('deb', 'debian', p.name, p.version, {
              arch: p.architecture,
              distro: 'debian-12',
            }).toString(),
          )
          .sort();
        expect(purls).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('loads ICU for nothing: no collator, no localeCompare, in loading or in a document', () => {
    // Either loads ICU's collation data, ~8 ms of CPU in every fetch (see src/cyclonedx.ts, tsup.config.ts).
    const probe = `
      const seen = [];
      const { localeCompare } = String.prototype;
      String.prototype.localeCompare = function (...args) { seen.push('localeCompare'); return localeCompare.apply(this, args); };
      const { Collator } = Intl;
      Intl.Collator = function (...args) { seen.push('Intl.Collator'); return new Collator(...args); };
      const { buildCycloneDx } = await import(${JSON.stringify(join(DIST, 'index.js'))});
      buildCycloneDx(${JSON.stringify(IMAGE)}, ${JSON.stringify({
        ...EMPTY,
        deb: [
          {
            name: 'zlib1g',
            version: '1:1.2.13',
            architecture: 'amd64',
            licenses: { machineReadable: true, spdx: ['Zlib'], unmapped: [] },
          },
          {
            name: 'base-files',
            version: '12.4',
            architecture: 'amd64',
            licenses: { machineReadable: true, spdx: ['GPL-2.0-or-later'], unmapped: ['public-domain'] },
          },
        ],
        warnings: ['b', 'a'],
      })});
      console.log(JSON.stringify(seen));`;
    const seen = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    expect(JSON.parse(seen)).toEqual([]);
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
