import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Real registries, skopeo and dockerd: slower than unit tests, but bounded.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Two cores shared with other work: run the heavy files one or two at a time.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
