import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GrowingFile, readGrowingFile } from './growing-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-core-growing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A writer that appends `bytes` to `<final>.partial` in pieces with pauses, then renames it, as downloads do. */
function slowWriter(bytes: Buffer, options: { startDelayMs?: number; piece?: number } = {}) {
  const finalPath = join(dir, 'blob');
  const partialPath = `${finalPath}.partial`;
  const state: { done: boolean; failure?: unknown } = { done: false };
  const written = (async () => {
    await sleep(options.startDelayMs ?? 0);
    await writeFile(partialPath, '');
    const piece = options.piece ?? 7_000;
    for (let at = 0; at < bytes.length; at += piece) {
      await appendFile(partialPath, bytes.subarray(at, at + piece));
      await sleep(1);
    }
    await rename(partialPath, finalPath);
    state.done = true;
  })();
  const file: GrowingFile = { partialPath, finalPath, size: bytes.length, state: () => ({ ...state }) };
  return { file, state, written };
}

describe('readGrowingFile', () => {
  it('follows a file while it is written and renamed, and yields exactly its bytes', async () => {
    const bytes = randomBytes(300_000);
    const { file, written } = slowWriter(bytes);
    const read = await buffer(readGrowingFile(file, new AbortController().signal));
    await written;
    expect(read.equals(bytes)).toBe(true);
  });

  it('waits for a file that does not exist yet', async () => {
    const bytes = randomBytes(50_000);
    const { file, written } = slowWriter(bytes, { startDelayMs: 30 });
    const read = await buffer(readGrowingFile(file, new AbortController().signal));
    await written;
    expect(read.equals(bytes)).toBe(true);
  });

  it('reads a file that is already complete at its final path', async () => {
    const bytes = randomBytes(10_000);
    const finalPath = join(dir, 'done');
    await writeFile(finalPath, bytes);
    const file: GrowingFile = {
      partialPath: `${finalPath}.partial`,
      finalPath,
      size: bytes.length,
      state: () => ({ done: false }),
    };
    expect((await buffer(readGrowingFile(file, new AbortController().signal))).equals(bytes)).toBe(true);
  });

  it("ends with the writer's failure", async () => {
    const bytes = randomBytes(200_000);
    const { file, state, written } = slowWriter(bytes);
    const failure = new Error('registry went away');
    setTimeout(() => {
      state.failure = failure;
    }, 20);
    await expect(buffer(readGrowingFile(file, new AbortController().signal))).rejects.toBe(failure);
    await written;
  });

  it('fails when the writer is done but the file is shorter than promised', async () => {
    const finalPath = join(dir, 'short');
    await writeFile(finalPath, randomBytes(1000));
    const file: GrowingFile = {
      partialPath: `${finalPath}.partial`,
      finalPath,
      size: 2000,
      state: () => ({ done: true }),
    };
    await expect(buffer(readGrowingFile(file, new AbortController().signal))).rejects.toMatchObject({
      code: 'BLOB_CACHE',
    });
  });

  it('stops at once when aborted while waiting', async () => {
    const file: GrowingFile = {
      partialPath: join(dir, 'never.partial'),
      finalPath: join(dir, 'never'),
      size: 10,
      state: () => ({ done: false }),
    };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    const started = performance.now();
    await expect(buffer(readGrowingFile(file, controller.signal))).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
