import { appendFile, readFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';
import { appBuild, nodeBuild } from '../../tsup.base.mjs';

export default defineConfig([
  // The workspace build: library entry with types, and the CLI that imports the packages' dist.
  // `clean` is off because both builds write into dist (the build script empties it first).
  appBuild({ clean: false }),
  {
    // The device build: ONE file with every JavaScript dependency inside, for Debian's and Ubuntu's nodejs
    // (>= 18: bookworm 18.20, noble 18.19, trixie 20.19), so the syntax target is node18.
    // zstd-napi stays out: @isar/archive imports it lazily and falls back to the `zstd` command.
    // undici stays out: it needs Node 20, and the registry engine uses @isar/oci-registry's node:http transport.
    // The default transport's lazy import("undici"), which the loader never reaches, resolves to
    // src/bundle/without-undici.ts, which throws, so the file imports nothing outside Node.
    ...nodeBuild,
    target: 'node18',
    entry: { 'container-loader': 'src/main.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.mjs' }),
    // Everything is bundled but these two (tsup's noExternal wins over external, so exclude them here).
    noExternal: [/^(?!zstd-napi(?:$|\/)).*/],
    external: ['zstd-napi'],
    esbuildOptions(options) {
      options.alias = { ...options.alias, undici: './src/bundle/without-undici.ts' };
    },
    splitting: false,
    sourcemap: false,
    minify: false,
    clean: false,
    // Bundled CommonJS dependencies call require() for Node's built-ins; ESM has none, so provide one.
    banner: {
      js: "import { createRequire as __containerLoaderCreateRequire } from 'node:module';\nconst require = __containerLoaderCreateRequire(import.meta.url);",
    },
    // The file goes onto devices alone (the Isar layer installs just it): it carries the notices and licences
    // of the npm packages inside it (dist/THIRD-PARTY-NOTICES.md, see tsup.base.mjs) in a comment at its end.
    async onSuccess() {
      const notices = await readFile('dist/THIRD-PARTY-NOTICES.md', 'utf8');
      await appendFile('dist/container-loader.mjs', `\n/*\n${notices.replaceAll('*/', '* /')}*/\n`);
    },
  },
]);
