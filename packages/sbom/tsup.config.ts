import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { libraryBuild, nodeBuild } from '../../tsup.base.mjs';
import { CYCLONEDX_NAMES } from './src/library.js';

/** The line of packageurl-js that builds an `Intl.Collator` as its module loads (src/strings.js). */
const PURL_COLLATOR = 'const { compare: localeCompare } = new Intl.Collator()';

/**
 * packageurl-js builds an `Intl.Collator` as it loads, only to order the properties of its `PurlComponent`
 * table, whose names it maps to the numbers 0 to 7 first. Building a collator loads ICU's collation data:
 * ~8 ms of CPU in every fetch with an SBOM. Numbers 0 to 7 as strings sort the same by code point, so the
 * bundle gets a code point comparison there; the build fails if packageurl-js changes that line (src/bundle.test.ts checks the purls it makes against the package's own).
 */
const purlWithoutCollator: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'packageurl-js-without-collator',
  setup(build) {
    build.onLoad({ filter: /[\\/]packageurl-js[\\/]src[\\/]strings\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(PURL_COLLATOR))
        throw new Error(
          `${args.path} no longer holds "${PURL_COLLATOR}": review the packageurl-js-without-collator plugin`,
        );
      return {
        contents: source.replace(
          PURL_COLLATOR,
          'const localeCompare = (a, b) => { const x = String(a), y = String(b); return x < y ? -1 : x > y ? 1 : 0 }',
        ),
        loader: 'js',
      };
    });
  },
};

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
 * How the library's src/spdx.ts builds its lower-case id map, as it loads: `Object.fromEntries` of its ~830
 * ids makes V8 add each as a fast property, copying the object's descriptors each time, ~9 ms of CPU in
 * every fetch with an SBOM (the same map by keyed stores, which V8 turns into a dictionary early: ~1 ms).
 */
const SPDX_LOWER_TO_ACTUAL = `Object.freeze(Object.fromEntries(
  _spdxSpecEnum.map(spdxId => [spdxId.toLowerCase(), spdxId])
))`;
/** The same object (same prototype, keys in the same order, the last of equal keys kept, frozen). */
const SPDX_LOWER_TO_ACTUAL_BY_STORES = `Object.freeze(((ids: string[]) => {
  const map: Record<string, SpdxId> = {};
  for (const id of ids) map[id.toLowerCase()] = id;
  return map;
})(_spdxSpecEnum))`;

/**
 * The CycloneDX library, built from its TypeScript sources, of which the bundle keeps only the names
 * src/library.ts lists: its CommonJS build is one closure per file, all kept and all run on first use. Each
 * subpath becomes a module that re-exports those names from the library's source, and esbuild leaves out
 * what they do not reach (XML, validation, vulnerabilities...): loading and the first document, 36 -> 29 ms
 * of CPU. Its SPDX list is a JSON file read as `import { enum }`, a name esbuild's JSON loader does not export;
 * its id map is built by stores (above): with both, 38 -> ~20 ms.
 */
const cycloneDxSubset: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'cyclonedx-library-subset',
  setup(build) {
    build.onResolve(
      { filter: /^@cyclonedx\/cyclonedx-library\/(Enums|Models|Serialize|SPDX|Spec)$/ },
      (args) => ({
        path: args.path.slice('@cyclonedx/cyclonedx-library/'.length),
        namespace: 'cyclonedx-subset',
      }),
    );
    build.onLoad({ filter: /.*/, namespace: 'cyclonedx-subset' }, (args) => {
      const subpath = args.path as keyof typeof CYCLONEDX_NAMES;
      const source = join(CYCLONEDX_SOURCES, CYCLONEDX_ENTRIES[subpath]);
      return {
        contents: `export { ${CYCLONEDX_NAMES[subpath].join(', ')} } from ${JSON.stringify(source)};`,
        loader: 'ts',
        resolveDir: CYCLONEDX_SOURCES,
      };
    });
    build.onLoad({ filter: /[\\/]cyclonedx-library[\\/]src[\\/]spdx\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(SPDX_LOWER_TO_ACTUAL))
        throw new Error(
          `${args.path} no longer builds its id map as this plugin expects: review SPDX_LOWER_TO_ACTUAL`,
        );
      return { contents: source.replace(SPDX_LOWER_TO_ACTUAL, SPDX_LOWER_TO_ACTUAL_BY_STORES), loader: 'ts' };
    });
    build.onLoad({ filter: /[\\/]res[\\/]schema[\\/]spdx\.SNAPSHOT\.schema\.json$/ }, async (args) => {
      const ids: unknown = JSON.parse(await readFile(args.path, 'utf8')).enum;
      return { contents: `const ids = ${JSON.stringify(ids)};\nexport { ids as enum };`, loader: 'js' };
    });
  },
};

// The CycloneDX library goes into the bundle (see src/library.ts for why).
export default defineConfig(
  libraryBuild({
    noExternal: ['@cyclonedx/cyclonedx-library', 'packageurl-js', 'spdx-expression-parse'],
    esbuildPlugins: [...(nodeBuild.esbuildPlugins ?? []), purlWithoutCollator, cycloneDxSubset],
  }),
);
