import { expect, it } from 'vitest';
import { DEFAULT_TAG, DOCKER_HUB } from './index.js';

it('names Docker Hub and the default tag', () => {
  expect(DOCKER_HUB).toBe('docker.io');
  expect(DEFAULT_TAG).toBe('latest');
});
