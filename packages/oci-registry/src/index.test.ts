import { expect, it } from 'vitest';
import { packageName } from './index.js';

it('names itself', () => {
  expect(packageName).toBe('@isar/oci-registry');
});
