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

// The CycloneDX library goes into the bundle (see src/library.ts for why).
export default defineConfig(
  libraryBuild({
    noExternal: ['@cyclonedx/cyclonedx-library', 'packageurl-js', 'spdx-expression-parse'],
    esbuildPlugins: [...(nodeBuild.esbuildPlugins ?? []), withoutOptionalPlugins],
  }),
);
