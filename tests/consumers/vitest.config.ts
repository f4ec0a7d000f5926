import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Packs, installs with npm and starts the registry once for every file.
    globalSetup: ['src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each test spawns node/npm/tsc children: one file at a time keeps the two cores for them.
    fileParallelism: false,
  },
});
