import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a lock file holds: enough to tell whether its owner is still alive. */
interface LockOwner {
  pid: number;
  host: string;
  since: number;
}

/** Options of {@link acquireLock}: abort signal, a callback while it waits for another owner, polling. */
export interface LockOptions {
  signal?: AbortSignal;
  /** Called once when the lock is busy, so a CLI can say what it waits for. */
  onWait?: (owner: { pid: number; host: string }) => void;
  /** Longest pause between attempts (ms). */
  maxPollMs?: number;
}

/** A lock file held by this process; `release()` removes it. */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

/** A takeover guard older than this is left over from a killed process. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * A lock file per target, as parallel bitbake tasks need: created with O_EXCL, holding the owner's pid.
 * A lock whose owner process is dead (same host) is taken over; a live one is waited for. Takeover goes through
 * a second O_EXCL file so two waiters cannot both remove the stale lock and then each other's fresh one.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const { signal, onWait, maxPollMs = 500 } = options;
  let pause = 20;
  let announced = false;
  for (;;) {
    signal?.throwIfAborted();
    if (await tryCreate(path)) return heldLock(path);
    const owner = await readOwner(path);
    if (owner && isDead(owner)) {
      await takeOverStale(path, owner);
      continue;
    }
    if (owner && !announced) {
      announced = true;
      onWait?.({ pid: owner.pid, host: owner.host });
    }
    await sleep(pause, undefined, signal ? { signal } : undefined);
    pause = Math.min(pause * 2, maxPollMs);
  }
}

/**
 * Removes a lock file whose owner process is dead (a `kill -9` between finishing the work and releasing the
 * lock leaves one next to a complete result). A live owner's lock, or none, is left alone.
 */
export async function clearStaleLock(path: string): Promise<void> {
  const owner = await readOwner(path);
  if (owner && isDead(owner)) await takeOverStale(path, owner);
}

async function tryCreate(path: string): Promise<boolean> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: Date.now() };
  try {
    await writeFile(path, JSON.stringify(owner), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function heldLock(path: string): HeldLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      const owner = await readOwner(path);
      // Only remove our own lock: after a takeover by mistake it could be someone else's.
      if (owner?.pid === process.pid && owner.host === hostname()) await unlink(path).catch(() => {});
    },
  };
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, since: Number(parsed.since) || 0 };
    }
  } catch {
    // Missing (just released) or being written: treat as "ask again".
  }
  return undefined;
}

/** A process on this host that no longer exists. Locks of other hosts (shared DL_DIR over NFS) are never stale. */
function isDead(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function takeOverStale(path: string, stale: LockOwner): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await tryCreate(guard))) {
    const age = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_STALE_MS) await unlink(guard).catch(() => {});
    await sleep(20);
    return;
  }
  try {
    const current = await readOwner(path);
    // Remove it only if it is still the same dead owner's lock.
    if (current && current.pid === stale.pid && current.host === stale.host)
      await unlink(path).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}
