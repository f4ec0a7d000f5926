import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const synced: string[] = [];
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (...args: Parameters<typeof actual.open>) => {
      const handle = await actual.open(...args);
      const datasync = handle.datasync.bind(handle);
      handle.datasync = async () => {
        synced.push(String(args[0]));
        return datasync();
      };
      return handle;
    },
  };
});

const { syncWhileWriting } = await import('./background-sync.js');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-core-sync-'));
  synced.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('syncWhileWriting', () => {
  it('flushes the file over and over while it is written, and stops when told', async () => {
    const path = join(dir, 'archive.tmp');
    const sync = syncWhileWriting(path, 10);
    for (let i = 0; i < 20; i++) {
      await appendFile(path, Buffer.alloc(64 * 1024, i));
      await sleep(5);
    }
    await sync.stop();
    const count = synced.length;
    expect(count).toBeGreaterThanOrEqual(3);
    expect(new Set(synced)).toEqual(new Set([path]));
    await sleep(40);
    expect(synced.length).toBe(count);
    expect((await readFile(path)).length).toBe(20 * 64 * 1024);
  });

  it('waits quietly for a file that does not exist yet', async () => {
    const sync = syncWhileWriting(join(dir, 'not-yet'), 5);
    await sleep(30);
    await sync.stop();
    expect(synced).toEqual([]);
  });
});
