import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { libraryBuild, nodeBuild } from '../../tsup.base.mjs';
import { CYCLONEDX_NAMES } from './src/library.js';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * An edit of a bundled dependency's source file: `from`, found exactly once as written, becomes `to`. The
 * build fails when the file no longer holds `from` (a new version of the dependency): the edit must then be
 * reviewed, not silently skipped. src/bundle.test.ts holds the bundle to what the unedited packages give.
 */
function sourceEdit(name: string, file: RegExp, from: string, to: string): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter: file }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (source.split(from).length !== 2)
          throw new Error(`${args.path} no longer holds the code the ${name} edit replaces: review it`);
        return { contents: source.replace(from, to), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/**
 * packageurl-js builds an `Intl.Collator` as it loads, only to order the properties of its `PurlComponent`
 * table, whose names it maps to the numbers 0 to 7 first. Building a collator loads ICU's collation data:
 * ~8 ms of CPU in every fetch with an SBOM. Numbers 0 to 7 as strings sort the same by code point.
 */
const purlWithoutCollator = sourceEdit(
  'packageurl-js-without-collator',
  /[\\/]packageurl-js[\\/]src[\\/]strings\.js$/,
  'const { compare: localeCompare } = new Intl.Collator()',
  'const localeCompare = (a, b) => { const x = String(a), y = String(b); return x < y ? -1 : x > y ? 1 : 0 }',
);

/**
 * The CycloneDX library's src/spdx.ts builds its lower-case id map as it loads with `Object.fromEntries` of
 * ~830 ids: V8 adds each as a fast property, copying the object's descriptors each time (~10 ms in a bare
 * process, ~4 ms of the first document in the bundle). By keyed stores V8 makes it a dictionary early (~1 ms):
 * the same object (same prototype, keys in the same order, the last of equal keys kept, frozen).
 */
const spdxIdMapByStores = sourceEdit(
  'cyclonedx-spdx-id-map-by-stores',
  /[\\/]cyclonedx-library[\\/]src[\\/]spdx\.ts$/,
  `Object.freeze(Object.fromEntries(
  _spdxSpecEnum.map(spdxId => [spdxId.toLowerCase(), spdxId])
))`,
  `Object.freeze(((ids: string[]) => {
  const map: Record<string, SpdxId> = {};
  for (const id of ids) map[id.toLowerCase()] = id;
  return map;
})(_spdxSpecEnum))`,
);

/** The CycloneDX library's TypeScript sources (its npm package ships them). */
const CYCLONEDX_SOURCES = join(
  dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json')),
  'src',
);

/** The source module behind each subpath the package imports (Serialize: without the Node-only XML writer). */
const CYCLONEDX_ENTRIES: Record<keyof typeof CYCLONEDX_NAMES, string> = {
  Enums: 'enums/index.ts',
  Models: 'models/index.ts',
  Serialize: 'serialize/index.common.ts',
  SPDX: 'spdx.ts',
  Spec: 'spec/index.ts',
};

/**
 * The CycloneDX library, built from its TypeScript sources, of which the bundle keeps only the names
 * src/library.ts lists: its CommonJS build is one closure per file, all kept and all run on first use. Each
 * subpath becomes a module that re-exports those names from the library's source, and esbuild leaves out
 * what they do not reach (XML, validation, vulnerabilities...): loading and the first document, 38 -> 29 ms
 * of CPU (with the id map edit above, ~26 ms). Its SPDX list is a JSON file read as `import { enum }`, a name
 * esbuild's JSON loader does not export.
 */
const cycloneDxSubset: Plugin = {
  name: 'cyclonedx-library-subset',
  setup(build) {
    const subpaths = Object.keys(CYCLONEDX_NAMES).join('|');
    build.onResolve({ filter: new RegExp(`^@cyclonedx/cyclonedx-library/(${subpaths})$`) }, (args) => ({
      path: args.path.slice('@cyclonedx/cyclonedx-library/'.length),
      namespace: 'cyclonedx-subset',
    }));
    build.onLoad({ filter: /.*/, namespace: 'cyclonedx-subset' }, (args) => {
      const subpath = args.path as keyof typeof CYCLONEDX_NAMES;
      const source = join(CYCLONEDX_SOURCES, CYCLONEDX_ENTRIES[subpath]);
      return {
        contents: `export { ${CYCLONEDX_NAMES[subpath].join(', ')} } from ${JSON.stringify(source)};`,
        loader: 'ts',
        resolveDir: CYCLONEDX_SOURCES,
      };
    });
    build.onLoad({ filter: /[\\/]res[\\/]schema[\\/]spdx\.SNAPSHOT\.schema\.json$/ }, async (args) => {
      const ids: unknown = JSON.parse(await readFile(args.path, 'utf8')).enum;
      return { contents: `const ids = ${JSON.stringify(ids)};\nexport { ids as enum };`, loader: 'js' };
    });
  },
};

// The CycloneDX library, packageurl-js and spdx-expression-parse go into the bundle (see src/library.ts).
export default defineConfig(
  libraryBuild({
    noExternal: ['@cyclonedx/cyclonedx-library', 'packageurl-js', 'spdx-expression-parse'],
    esbuildPlugins: [
      ...(nodeBuild.esbuildPlugins ?? []),
      purlWithoutCollator,
      spdxIdMapByStores,
      cycloneDxSubset,
    ],
  }),
);
