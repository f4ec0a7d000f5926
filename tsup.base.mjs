/**
 * The tsup settings every package shares. Each package's tsup.config.ts imports this file, so `pnpm build` in one
 * package still works on its own; turbo.json lists it as a global dependency so a change here rebuilds all.
 * Plain JavaScript with types beside it (tsup.base.d.mts): a .ts file here would sit outside the packages'
 * `rootDir` when they type-check their tsup.config.ts.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

/** The last `node_modules/<name>` (or `<@scope>/<name>`) directory of a bundled file's path. */
const PACKAGE_DIR = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/;

/**
 * npm packages bundled into a package's dist are copies: their licences (MIT, Apache-2.0, CC-BY...) ask for
 * their notices to go with them. Writes `THIRD-PARTY-NOTICES.md` beside the bundle, listing every package
 * esbuild put in it (from its metafile: what the bundle really holds, not what package.json says) with its
 * licence and licence file; writes nothing when the bundle holds no npm package.
 */
export const bundledPackageNotices = {
  name: 'bundled-package-notices',
  setup(build) {
    build.onEnd(async (result) => {
      const outdir = build.initialOptions.outdir;
      if (!result.metafile || !outdir) return;
      const dirs = new Set();
      for (const input of Object.keys(result.metafile.inputs)) {
        const match = PACKAGE_DIR.exec(input);
        if (match) dirs.add(match[1]);
      }
      if (dirs.size === 0) return;
      const sections = [];
      for (const dir of dirs) {
        const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
        const licenceFile = (await readdir(dir)).find((f) => /^(licen[cs]e|copying|notice)(\.|$)/i.test(f));
        const text = licenceFile
          ? (await readFile(join(dir, licenceFile), 'utf8')).trim()
          : `No licence file in the package; its package.json: licence ${manifest.license ?? 'not given'}, author ${
              typeof manifest.author === 'string' ? manifest.author : (manifest.author?.name ?? 'not given')
            }.`;
        sections.push(
          `## ${manifest.name} ${manifest.version} (${manifest.license ?? 'licence not given'})\n\n${text}\n`,
        );
      }
      sections.sort();
      const header = "# Third-party notices\n\nThis package's dist bundles code of the npm packages below.\n";
      // esbuild runs before tsup writes the bundle: on a clean checkout dist does not exist yet.
      await mkdir(outdir, { recursive: true });
      await writeFile(join(outdir, 'THIRD-PARTY-NOTICES.md'), [header, ...sections].join('\n'));
    });
  },
};

/** Shared by every build: Node 20, source maps (sources inside), the plugins above. */
export const nodeBuild = {
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  esbuildPlugins: [ownPackageJsonFields, bundledPackageNotices],
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
