import { defineConfig } from 'tsup';
import { appBuild, nodeBuild } from '../../tsup.base.mjs';

export default defineConfig([
  // The workspace build: library entry with types, and the CLI that imports the packages' dist.
  // `clean` is off because both builds write into dist (the build script empties it first).
  appBuild({ clean: false }),
  {
    // The device build: ONE file with every JavaScript dependency inside, for Debian's nodejs (>= 20.19).
    // zstd-napi stays out: @isar/archive imports it lazily and falls back to the `zstd` command.
    ...nodeBuild,
    entry: { 'container-loader': 'src/main.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    noExternal: [/.*/],
    external: ['zstd-napi'],
    splitting: false,
    sourcemap: false,
    minify: false,
    clean: false,
    // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has none, so provide one.
    banner: {
      js: "import { createRequire as __containerLoaderCreateRequire } from 'node:module';\nconst require = __containerLoaderCreateRequire(import.meta.url);",
    },
  },
]);
