import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Real registries, skopeo and tinyproxy: bounded, but slower than unit tests.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Two cores shared with other work.
    maxWorkers: 2,
  },
});
