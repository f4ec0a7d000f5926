/**
 * The tsup settings every package shares. Each package's tsup.config.ts imports this file, so `pnpm build` in one
 * package still works on its own; turbo.json lists it as a global dependency so a change here rebuilds all.
 * Plain JavaScript with types beside it (tsup.base.d.mts): a .ts file here would sit outside the packages'
 * `rootDir` when they type-check their tsup.config.ts.
 */
import { readFile } from 'node:fs/promises';

/**
 * `import packageJson from '../package.json' with { type: 'json' }` would bundle the whole manifest (scripts,
 * devDependencies naming workspace-only packages...) into the shipped code; keep only what code reads from it.
 * Dependencies' own package.json files (node_modules) are left alone.
 */
export const ownPackageJsonFields = {
  name: 'own-package-json-fields',
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, async (args) => {
      if (/[\\/]node_modules[\\/]/.test(args.path)) return undefined;
      const { name, version, description } = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ name, version, description }), loader: 'json' };
    });
  },
};

/** Shared by every build: Node 20, source maps (sources inside), the plugin above. */
export const nodeBuild = {
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  esbuildPlugins: [ownPackageJsonFields],
};

/**
 * A published library: `src/index.ts` as ESM (`dist/index.js`) and CommonJS (`dist/index.cjs`), each with its
 * declarations (`.d.ts`, `.d.cts`), matching the `exports` map of every library package.json.
 */
export function libraryBuild(overrides = {}) {
  return {
    ...nodeBuild,
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    ...overrides,
  };
}

/** An app: the library entry (ESM + types) and the bin's `src/main.ts`, ESM only. */
export function appBuild(overrides = {}) {
  return {
    ...nodeBuild,
    entry: ['src/index.ts', 'src/main.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts' },
    clean: true,
    ...overrides,
  };
}
