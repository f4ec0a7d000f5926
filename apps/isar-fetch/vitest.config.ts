import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Registries, engines and spawned CLIs: keep the two cores for one file at a time.
    fileParallelism: false,
  },
});
