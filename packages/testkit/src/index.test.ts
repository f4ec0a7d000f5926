import { expect, it } from 'vitest';
import * as kit from './index.js';

it('exports the documented helpers', () => {
  const exported = new Map(Object.entries(kit));
  for (const name of [
    'startRegistry',
    'buildImage',
    'pushImage',
    'skopeo',
    'tmpDir',
    'freePort',
    'startDockerd',
    'createPodman',
    'faultProxy',
    'fetchBusybox',
    'parseAccessLog',
    'startHostileRegistry',
    'mountSmallFilesystem',
  ]) {
    expect(typeof exported.get(name), name).toBe('function');
  }
});

it('freePort gives distinct loopback ports that can be bound', async () => {
  const { createServer } = await import('node:net');
  const port = await kit.freePort();
  expect(port).toBeGreaterThan(1024);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
});

it('tmpDir creates a directory and cleanup removes it', async () => {
  const { existsSync } = await import('node:fs');
  const dir = await kit.tmpDir('isar-selftest-');
  expect(existsSync(dir.path)).toBe(true);
  expect(dir.path).toMatch(/isar-selftest-/);
  await dir.cleanup();
  expect(existsSync(dir.path)).toBe(false);
});
