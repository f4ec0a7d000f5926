import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // ESM only: it finds the repository root from its own location (import.meta.url). vitest stays external:
    // its describe/it must be the test runner's own instance (a devDependency would otherwise be bundled).
    entry: { 'peer-suites': 'src/peer-suites/index.ts' },
    external: ['vitest'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    target: 'node20',
  },
]);
