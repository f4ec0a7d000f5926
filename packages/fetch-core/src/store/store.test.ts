import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Descriptor, Digest } from '@isar/oci-spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sbomPathOf } from '../pipeline/publish-sbom.js';
import { recordPathOf } from '../pipeline/published-record.js';
import { publishAtomically, removeStaleTempFiles, tempPathFor } from './atomic-file.js';
import { BlobCache } from './blob-cache.js';
import { acquireLock, type LockWait } from './file-lock.js';
import { archiveLockPath } from './lock-paths.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-core-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = spawn('sleep', ['30']);
  const pid = child.pid as number;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return pid;
}

describe('acquireLock', () => {
  it('serialises holders of one lock', async () => {
    const path = join(dir, 'x.lock');
    const order: string[] = [];
    const first = await acquireLock(path);
    const second = acquireLock(path, { maxPollMs: 20 }).then((lock) => {
      order.push('second acquired');
      return lock;
    });
    await new Promise((r) => setTimeout(r, 100));
    order.push('first releases');
    await first.release();
    await (await second).release();
    expect(order).toEqual(['first releases', 'second acquired']);
  });

  it('never exists without its owner record, and leaves no private file behind', async () => {
    const path = join(dir, 'x.lock');
    const lock = await acquireLock(path);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(await readdir(dir)).toEqual(['x.lock']);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over the lock of a killed process', async () => {
    const path = join(dir, 'x.lock');
    await writeFile(path, JSON.stringify({ pid: await deadPid(), host: hostname(), since: 0 }));
    const lock = await acquireLock(path, { signal: AbortSignal.timeout(2000) });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', async () => {
    const path = join(dir, 'x.lock');
    const sleeper = spawn('sleep', ['30']);
    try {
      await writeFile(path, JSON.stringify({ pid: sleeper.pid, host: hostname(), since: 0, start: '1' }));
      const lock = await acquireLock(path, { signal: AbortSignal.timeout(2000) });
      await lock.release();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('waits for a live owner of this host, silently at first, then says who it waits for', async () => {
    const path = join(dir, 'x.lock');
    const sleeper = spawn('sleep', ['30']);
    try {
      await writeFile(path, JSON.stringify({ pid: sleeper.pid, host: hostname(), since: 0 }));
      const waits: LockWait[] = [];
      const attempt = acquireLock(path, {
        signal: AbortSignal.timeout(700),
        noticeAfterMs: 300,
        staleAfterMs: 100, // never applies to a live process of this host
        maxPollMs: 20,
        onWait: (w) => waits.push(w),
      });
      await expect(attempt).rejects.toThrow(/abort|timeout/i);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toMatchObject({ path, owner: { pid: sleeper.pid, host: hostname() } });
      expect(waits[0]?.waitedMs).toBeGreaterThanOrEqual(300);
      expect(await readFile(path, 'utf8')).toContain(String(sleeper.pid));
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('says nothing about a wait shorter than the notice delay', async () => {
    const path = join(dir, 'x.lock');
    const first = await acquireLock(path);
    const waits: LockWait[] = [];
    const second = acquireLock(path, { maxPollMs: 20, onWait: (w) => waits.push(w) });
    setTimeout(() => void first.release(), 100);
    await (await second).release();
    expect(waits).toEqual([]);
  });

  it('an empty file (not an isar-fetch lock) is reported, then taken over once nothing refreshes it', async () => {
    const path = join(dir, 'x.lock');
    await writeFile(path, '');
    const waits: LockWait[] = [];
    const started = Date.now();
    const lock = await acquireLock(path, {
      signal: AbortSignal.timeout(5000),
      noticeAfterMs: 50,
      staleAfterMs: 600,
      maxPollMs: 20,
      onWait: (w) => waits.push(w),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ path, foreign: expect.stringMatching(/empty/), staleAfterMs: 600 });
    expect(waits[0]?.owner).toBeUndefined();
    await lock.release();
  });

  it('a foreign file that keeps being touched is never taken over', async () => {
    const path = join(dir, 'x.lock');
    await writeFile(path, 'held by some other tool');
    const toucher = setInterval(() => void utimes(path, new Date(), new Date()), 50);
    try {
      const waits: LockWait[] = [];
      const attempt = acquireLock(path, {
        signal: AbortSignal.timeout(1200),
        noticeAfterMs: 0,
        staleAfterMs: 400,
        maxPollMs: 20,
        onWait: (w) => waits.push(w),
      });
      await expect(attempt).rejects.toThrow(/abort|timeout/i);
      expect(waits[0]?.foreign).toMatch(/unknown content/);
      expect(await readFile(path, 'utf8')).toBe('held by some other tool');
    } finally {
      clearInterval(toucher);
    }
  });

  it('a lock of another host (shared DL_DIR) is kept while its heartbeat runs, taken over when it stops', async () => {
    const path = join(dir, 'x.lock');
    await writeFile(path, JSON.stringify({ pid: await deadPid(), host: 'another-build-host', since: 0 }));
    const heartbeat = setInterval(() => void utimes(path, new Date(), new Date()), 50);
    const options = { noticeAfterMs: 0, staleAfterMs: 400, maxPollMs: 20 };
    try {
      const waits: LockWait[] = [];
      const attempt = acquireLock(path, {
        ...options,
        signal: AbortSignal.timeout(1000),
        onWait: (w) => waits.push(w),
      });
      await expect(attempt).rejects.toThrow(/abort|timeout/i);
      expect(waits[0]?.owner).toEqual({ pid: expect.any(Number), host: 'another-build-host' });
    } finally {
      clearInterval(heartbeat);
    }
    const lock = await acquireLock(path, { ...options, signal: AbortSignal.timeout(3000) });
    expect(JSON.parse(await readFile(path, 'utf8')).host).toBe(hostname());
    await lock.release();
  });

  it('a held lock beats: its mtime moves, so waiters elsewhere see it alive', async () => {
    const path = join(dir, 'x.lock');
    const lock = await acquireLock(path, { heartbeatMs: 50 });
    const before = (await stat(path)).mtimeMs;
    await new Promise((r) => setTimeout(r, 200));
    expect((await stat(path)).mtimeMs).toBeGreaterThan(before);
    await lock.release();
  });

  it("is independent of bitbake's flock on <archive>.lock: the archive lock has its own name", () => {
    expect(archiveLockPath('/dl/container-images/amd64/x_latest.zst')).toBe(
      '/dl/container-images/amd64/x_latest.zst.isar-fetch.lock',
    );
  });
});

describe('publishAtomically', () => {
  it('replaces the file only when the write completed', async () => {
    const target = join(dir, 'out', 'image.zst');
    await publishAtomically(target, (tmp) => writeFile(tmp, 'old'));
    await expect(
      publishAtomically(target, async (tmp) => {
        await writeFile(tmp, 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(target, 'utf8')).toBe('old');
    expect(await readdir(join(dir, 'out'))).toEqual(['image.zst']);
    await publishAtomically(target, (tmp) => writeFile(tmp, 'new'));
    expect(await readFile(target, 'utf8')).toBe('new');
  });
});

describe('removeStaleTempFiles', () => {
  it("removes the temp files of one target (a killed writer's), nothing else", async () => {
    const target = join(dir, 'image.zst');
    await writeFile(join(dir, '.image.zst.tmp-123-abcd'), 'half');
    await writeFile(join(dir, '.image.zst.tmp-456-beef'), 'half');
    await writeFile(join(dir, '.other.zst.tmp-123-abcd'), 'other target');
    await writeFile(target, 'published');
    expect(await removeStaleTempFiles(target)).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['.other.zst.tmp-123-abcd', 'image.zst']);
    expect(await removeStaleTempFiles(join(dir, 'missing-dir', 'x.zst'))).toBe(0);
  });

  it("removes the temp files of the archive's SBOM and record too (as publishAtomically names them)", async () => {
    const target = join(dir, 'image.zst');
    const stale = [tempPathFor(sbomPathOf(target)), tempPathFor(recordPathOf(target)), tempPathFor(target)];
    for (const path of stale) await writeFile(path, 'half');
    // Another target whose name merely starts with this one's keeps its temp files.
    const others = ['.image.zst.cdx.json.zst.tmp-1-abcd', '.image.zst.old.tmp-1-abcd', '.image.zst.lock'];
    for (const name of others) await writeFile(join(dir, name), 'other');
    await writeFile(sbomPathOf(target), '{}');
    expect(await removeStaleTempFiles(target)).toBe(3);
    expect((await readdir(dir)).sort()).toEqual([...others, 'image.zst.cdx.json'].sort());
    // Without companions: only the archive's own.
    await writeFile(tempPathFor(sbomPathOf(target)), 'half');
    expect(await removeStaleTempFiles(target, [])).toBe(0);
  });
});

describe('BlobCache', () => {
  const content = Buffer.from('layer bytes');
  const descriptor: Descriptor = {
    mediaType: 'application/octet-stream',
    digest: `sha256:${createHash('sha256').update(content).digest('hex')}` as Digest,
    size: content.length,
  };

  /** Writes through `<path>.partial` and renames, as oci-registry's downloadBlobToFile does. */
  const writeThroughPartial = async (path: string, bytes: Buffer) => {
    await writeFile(`${path}.partial`, bytes);
    await rename(`${path}.partial`, path);
  };

  it('downloads a blob once, then serves it from disk', async () => {
    const cache = new BlobCache(join(dir, 'blobs'));
    let downloads = 0;
    const download = async (path: string) => {
      downloads++;
      await writeThroughPartial(path, content);
      return 'fetched';
    };
    const [a, b] = await Promise.all([cache.fill(descriptor, download), cache.fill(descriptor, download)]);
    expect(downloads).toBe(1);
    expect([a.download, b.download].sort()).toEqual(['fetched', undefined]);
    expect(await readFile(a.path)).toEqual(content);
    expect(a.path).toBe(join(dir, 'blobs', 'sha256', descriptor.digest.slice(7)));
    expect((await cache.fill(descriptor, download)).download).toBeUndefined();
    expect(downloads).toBe(1);
  });

  it('clears the lock a killed process left next to a complete blob, never a live one', async () => {
    const cache = new BlobCache(join(dir, 'blobs'));
    const path = cache.pathOf(descriptor.digest);
    const download = async (target: string) => writeThroughPartial(target, content);
    await cache.fill(descriptor, download);
    const lock = `${path}.lock`;
    const owner = (pid: number) => JSON.stringify({ pid, host: hostname(), since: Date.now() });
    const live = owner(process.ppid);
    await writeFile(lock, live);
    await cache.fill(descriptor, download);
    expect(await readFile(lock, 'utf8')).toBe(live);
    await writeFile(lock, owner(await deadPid()));
    expect((await cache.fill(descriptor, download)).download).toBeUndefined();
    expect((await readdir(join(dir, 'blobs', 'sha256'))).sort()).toEqual([descriptor.digest.slice(7)]);
  });

  it('keeps nothing under the digest when the download fails', async () => {
    const cache = new BlobCache(join(dir, 'blobs'));
    await expect(
      cache.fill(descriptor, async (path) => {
        await writeFile(`${path}.partial`, content.subarray(0, 4));
        throw new Error('connection reset');
      }),
    ).rejects.toThrow('connection reset');
    expect(await cache.lookup(descriptor)).toBeUndefined();
    // The partial file stays for the next run to resume; the lock is gone.
    expect(await readFile(cache.partialPathOf(descriptor.digest))).toEqual(content.subarray(0, 4));
    expect((await readdir(join(dir, 'blobs', 'sha256'))).sort()).toEqual([
      `${descriptor.digest.slice(7)}.partial`,
    ]);
  });

  it('refuses a download that reports success but leaves no complete blob', async () => {
    const cache = new BlobCache(join(dir, 'blobs'));
    await expect(
      cache.fill(descriptor, (path) => writeThroughPartial(path, content.subarray(1))),
    ).rejects.toMatchObject({ code: 'BLOB_CACHE' });
  });

  it('refuses digests that are not digests', () => {
    const cache = new BlobCache(dir);
    expect(() => cache.pathOf('sha256:../../etc/passwd' as Digest)).toThrow(/invalid digest/);
  });
});
