import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Engines (dockerd, podman) and large archives: keep the two cores for one file at a time.
    fileParallelism: false,
  },
});
