import { readFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';
import { libraryBuild, nodeBuild } from '../../tsup.base.mjs';

/**
 * The CycloneDX library's optional plugins (XML stringifiers and validators, JSON validators): this package
 * never asks for them, so the bundle gets a module that throws in their place, as when they are not installed.
 */
const withoutOptionalPlugins: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'without-cyclonedx-optional-plugins',
  setup(build) {
    build.onResolve(
      { filter: /^(xmlbuilder2|libxmljs2|ajv|ajv-formats|ajv-formats-draft2019)$/ },
      (args) => ({
        path: args.path,
        namespace: 'absent-optional-plugin',
      }),
    );
    build.onLoad({ filter: /.*/, namespace: 'absent-optional-plugin' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not part of @isar/sbom`)});`,
      loader: 'js',
    }));
  },
};

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

// The CycloneDX library goes into the bundle (see src/library.ts for why).
export default defineConfig(
  libraryBuild({
    noExternal: ['@cyclonedx/cyclonedx-library', 'packageurl-js', 'spdx-expression-parse'],
    esbuildPlugins: [...(nodeBuild.esbuildPlugins ?? []), withoutOptionalPlugins, purlWithoutCollator],
  }),
);
