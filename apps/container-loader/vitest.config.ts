import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Real dockerd, podman, registries, skopeo and zstd: bounded, but slower than unit tests.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Two cores shared with other work.
    maxWorkers: 2,
  },
});
