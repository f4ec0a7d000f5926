/**
 * Each published package, as npm installed it from its tarball: what the tarball holds, its package.json,
 * its entry points (ESM and CommonJS), what its exports map hides, and what its built files import.
 */
import { readFile, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { runChecked } from '@isar/testkit';
import { describe, expect, inject, it } from 'vitest';
import { coversFrom, declaredMinimum } from './engines.js';
import { importSpecifiers, packageOf } from './import-specifiers.js';
import { PUBLISHED } from './packages.js';
import {
  findInstalled,
  installedDir,
  listFiles,
  nodeEval,
  nodeJson,
  type PackageManifest,
  readManifest,
} from './run-in-project.js';

const setup = inject('consumer');
const packedVersion = new Map(setup.packed.map((p) => [p.name, p.version]));

/** Production dependencies (with optional and peer ones) of an installed package, read from its manifest. */
function runtimeDependencies(manifest: PackageManifest): string[] {
  return Object.keys({
    ...manifest.dependencies,
    ...manifest.optionalDependencies,
    ...manifest.peerDependencies,
  });
}

describe.each(PUBLISHED)('$name from its tarball', (pkg) => {
  const dir = installedDir(setup.projectDir, pkg.name);
  const tarball = setup.packed.find((p) => p.name === pkg.name)?.tarball ?? '';

  it('holds the build, package.json, docs and licence, nothing else', async () => {
    const { stdout } = await runChecked('tar', ['-tzf', tarball]);
    const entries = stdout
      .trim()
      .split('\n')
      .map((e) => e.replace(/^package\//, ''));
    expect(entries).toContain('package.json');
    expect(entries).toContain('README.md');
    expect(entries).toContain('CHANGELOG.md');
    expect(entries).toContain('LICENSE');
    const allowed =
      /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/[^/]+|bin\/[^/]+\.js|systemd\/.+)$/;
    expect(entries.filter((e) => !allowed.test(e))).toEqual([]);
    expect(entries.filter((e) => /\.test\.|(^|\/)src\/|tsconfig|vitest/.test(e))).toEqual([]);
  });

  it('names real versions of its dependencies (no workspace: or catalog:)', async () => {
    const manifest = await readManifest(dir);
    for (const [name, range] of Object.entries({
      ...manifest.dependencies,
      ...manifest.optionalDependencies,
      ...manifest.peerDependencies,
    })) {
      expect(range, name).not.toMatch(/^(workspace|catalog|link|file):/);
      const ours = packedVersion.get(name);
      if (ours !== undefined) expect(range, name).toBe(ours);
    }
    expect(runtimeDependencies(manifest)).not.toContain('@isar/testkit');
  });

  it('declares engines that every runtime dependency (transitively) also allows', async () => {
    const manifest = await readManifest(dir);
    const minimum = declaredMinimum(manifest.engines?.node ?? '');
    const problems: string[] = [];
    const seen = new Set<string>();
    const queue: string[] = [dir];
    while (queue.length > 0) {
      const current = queue.shift() as string;
      if (seen.has(current)) continue;
      seen.add(current);
      const m = await readManifest(current);
      if (!coversFrom(m.engines?.node, minimum)) {
        problems.push(`${m.name}@${m.version} needs node ${m.engines?.node}`);
      }
      const optional = { ...m.optionalDependencies, ...m.peerDependencies };
      for (const name of Object.keys(m.dependencies ?? {}).filter((n) => !(n in optional))) {
        queue.push(await findInstalled(current, name, setup.projectDir));
      }
      // Optional and peer dependencies count where they are installed (b4a's optional react-native-b4a is not).
      for (const name of Object.keys(optional)) {
        queue.push(
          ...(await findInstalled(current, name, setup.projectDir)
            .then((d) => [d])
            .catch(() => [])),
        );
      }
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBeGreaterThan(0);
  });

  it('declares sideEffects, with the bin as the only file that has any', async () => {
    const manifest = await readManifest(dir);
    if (pkg.kind === 'library') {
      expect(manifest.sideEffects).toBe(false);
    } else {
      // Importing the app's library entry does nothing; running dist/main.js (the bin) does.
      expect(manifest.sideEffects).toEqual(expect.arrayContaining(['./dist/main.js']));
    }
  });

  it('ships every file its exports map, main/module/types and bin point at', async () => {
    const manifest = await readManifest(dir);
    const targets = new Set<string>();
    const walk = (node: unknown) => {
      if (typeof node === 'string') targets.add(node);
      else if (node && typeof node === 'object') for (const value of Object.values(node)) walk(value);
    };
    walk([manifest.exports, manifest.main, manifest.module, manifest.types, manifest.bin]);
    expect(targets.size).toBeGreaterThan(1);
    const missing: string[] = [];
    for (const target of targets) {
      await stat(join(dir, target)).catch(() => missing.push(target));
    }
    expect(missing).toEqual([]);
  });

  it('lists `types` first in every condition of its exports map', async () => {
    const manifest = await readManifest(dir);
    const conditions: Record<string, unknown>[] = [];
    const walk = (node: unknown) => {
      if (node && typeof node === 'object') {
        conditions.push(node as Record<string, unknown>);
        for (const value of Object.values(node)) walk(value);
      }
    };
    walk(manifest.exports);
    const withTypes = conditions.filter((c) => 'types' in c);
    expect(withTypes.length).toBeGreaterThan(0);
    for (const condition of withTypes) expect(Object.keys(condition)[0]).toBe('types');
  });

  it('imports only Node built-ins and its declared dependencies from its built files', async () => {
    const manifest = await readManifest(dir);
    const allowed = new Set([manifest.name, ...runtimeDependencies(manifest)]);
    const files = (await listFiles(join(dir, 'dist'))).filter((f) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const stray: string[] = [];
    for (const file of files) {
      const source = await readFile(join(dir, 'dist', file), 'utf8');
      for (const specifier of importSpecifiers(source)) {
        const name = packageOf(specifier);
        // Relative paths stay inside dist; `node:` names Node's own modules (bundled undici feature-detects
        // newer ones such as node:sqlite, so "exists in this Node" is not the question here).
        if (name === undefined || isBuiltin(specifier)) continue;
        if (!allowed.has(name)) stray.push(`${file}: ${specifier}`);
      }
      // Not even as text (e.g. a bundled package.json with its devDependencies).
      if (source.includes('@isar/testkit')) stray.push(`${file}: mentions @isar/testkit`);
    }
    expect(stray).toEqual([]);
  });

  it('keeps internals out of reach: deep paths are not exported', async () => {
    const files = (await listFiles(join(dir, 'dist'))).filter((f) => !f.endsWith('.map'));
    const deep = [
      ...files.map((f) => `${pkg.name}/dist/${f}`),
      `${pkg.name}/dist`,
      `${pkg.name}/src/index.ts`,
    ];
    const code = `
      const results = {};
      for (const spec of ${JSON.stringify(deep)}) {
        try { await import(spec); results[spec] = 'loaded'; } catch (e) { results[spec] = e.code; }
      }
      console.log(JSON.stringify(results));`;
    const results = await nodeJson<Record<string, string>>(setup.projectDir, code);
    for (const spec of deep) expect(results[spec], spec).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    // package.json stays readable on purpose (tools read versions through it).
    const version = await nodeJson<string>(
      setup.projectDir,
      `const m = await import(${JSON.stringify(`${pkg.name}/package.json`)}, { with: { type: 'json' } }); console.log(JSON.stringify(m.default.version));`,
    );
    expect(version).toBe(packedVersion.get(pkg.name));
  });

  if (pkg.kind === 'library') {
    it('loads as ESM (import) and as CommonJS (require, without require(esm)) with the same exports', async () => {
      const name = JSON.stringify(pkg.name);
      const esm = await nodeJson<{ url: string; keys: string[] }>(
        setup.projectDir,
        `const m = await import(${name}); console.log(JSON.stringify({ url: import.meta.resolve(${name}), keys: Object.keys(m).sort() }));`,
      );
      // Without require(esm) (unflagged only from Node 20.19), so the CommonJS build and every dependency it
      // requires must really be CommonJS-loadable on the oldest Node our engines allow.
      const cjs = await nodeJson<{ path: string; keys: string[] }>(
        setup.projectDir,
        `const m = require(${name}); console.log(JSON.stringify({ path: require.resolve(${name}), keys: Object.keys(m).sort() }));`,
        { type: 'commonjs', flags: ['--no-experimental-require-module'] },
      );
      expect(esm.url).toMatch(/\/node_modules\/.+\/dist\/index\.js$/);
      expect(cjs.path).toMatch(/\/node_modules\/.+\/dist\/index\.cjs$/);
      expect(esm.keys.length).toBeGreaterThan(3);
      expect(cjs.keys).toEqual(esm.keys);
      const deepRequire = await nodeEval(
        setup.projectDir,
        `require(${JSON.stringify(`${pkg.name}/dist/index.cjs`)})`,
        { type: 'commonjs' },
      );
      expect(deepRequire.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    });
  } else {
    it('loads its library entry as ESM and links its bin', async () => {
      const keys = await nodeJson<string[]>(
        setup.projectDir,
        `const m = await import(${JSON.stringify(pkg.name)}); console.log(JSON.stringify(Object.keys(m)));`,
      );
      expect(keys).toContain('main');
      const manifest = await readManifest(dir);
      for (const bin of pkg.bins ?? []) {
        expect(manifest.bin).toHaveProperty(bin);
        const linked = await readFile(join(setup.projectDir, 'node_modules/.bin', bin), 'utf8');
        expect(linked.startsWith('#!/usr/bin/env node')).toBe(true);
      }
    });
  }
});

describe('zstd-napi in the consumer project', () => {
  it('loads, so @isar/archive compresses with the addon, not the command fallback', async () => {
    const code = `
      import { createZstdCompressor } from '@isar/archive';
      const c = await createZstdCompressor({ engine: 'addon' });
      c.end(Buffer.from('hello'));
      const chunks = [];
      for await (const chunk of c) chunks.push(chunk);
      console.log(JSON.stringify(Buffer.concat(chunks).subarray(0, 4).toString('hex')));`;
    expect(await nodeJson<string>(setup.projectDir, code)).toBe('28b52ffd'); // zstd frame magic
  });
});
