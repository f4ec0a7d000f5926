import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The workspace build: library entry with types, and the CLI that imports the packages' dist.
    entry: ['src/index.ts', 'src/main.ts'],
    format: ['esm'],
    dts: { entry: 'src/index.ts' },
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The device build: ONE file with every JavaScript dependency inside, for Debian's nodejs (>= 20.19).
    // zstd-napi stays out: @isar/archive imports it lazily and falls back to the `zstd` command.
    entry: { 'container-loader': 'src/main.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    platform: 'node',
    target: 'node20',
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
