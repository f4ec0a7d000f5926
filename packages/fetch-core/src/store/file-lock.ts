import { randomBytes } from 'node:crypto';
import { link, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isOwnRecord,
  type LockContent,
  type LockOwner,
  ownerLiveness,
  ownRecord,
  readLockContent,
} from './lock-owner.js';

/** What a waiter reports: the lock path, and its owner or why the file is not an isar-fetch lock. */
export interface LockWait {
  path: string;
  /** The owner named in the lock file, when it is an isar-fetch lock. */
  owner?: { pid: number; host: string };
  /** Why the file is not trusted as a lock (empty, unreadable, unknown content), when it is not ours. */
  foreign?: string;
  /** How long this process has waited so far (ms). */
  waitedMs: number;
  /** A lock that shows no sign of life (no heartbeat) for this long is taken over (ms). */
  staleAfterMs: number;
}

/** Options of {@link acquireLock}. */
export interface LockOptions {
  signal?: AbortSignal;
  /** Called when the wait has lasted `noticeAfterMs`, and again whenever the holder changes. */
  onWait?: (wait: LockWait) => void;
  /** Longest pause between attempts (ms). */
  maxPollMs?: number;
  /** How long a wait stays silent (ms); default 3 s. */
  noticeAfterMs?: number;
  /** A lock not refreshed for this long is stale when its owner's liveness cannot be checked (ms); default 60 s. */
  staleAfterMs?: number;
  /** How often a held lock's mtime is refreshed (ms); default 10 s. */
  heartbeatMs?: number;
}

/** A lock file held by this process; `release()` removes it. */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

/** A takeover guard older than this is left over from a killed process. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * A lock file per target. Created by writing the owner record to a private file and hard-linking it to the
 * lock path: link() is atomic on every local file system and on NFS (v2 included, where O_EXCL is not), and
 * the lock never exists without its content, so an empty or unparsable file is never one of ours.
 * - An owner on this host is alive or not by its pid (and its start time, against pid reuse): a dead one's
 *   lock is taken over at once, a live one is waited for.
 * - Anything else (an owner on another host sharing DL_DIR, a foreign or empty file) is judged by its
 *   heartbeat: a holder refreshes the lock's mtime every `heartbeatMs`; one whose mtime and inode stay the same
 *   for `staleAfterMs` of our own watching (no comparison of clocks across hosts) is taken over.
 * A wait is reported through `onWait` once it lasts `noticeAfterMs`, and whenever the holder changes.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const { signal, onWait, maxPollMs = 500, noticeAfterMs = 3000, staleAfterMs = 60_000 } = options;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(staleAfterMs / 6));
  const record = await ownRecord();
  const started = Date.now();
  const watch = new HeartbeatWatch();
  let pause = 20;
  let announced: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    if (await tryCreate(path, record)) return heldLock(path, heartbeatMs);
    const seen = await inspect(path);
    if (seen === undefined) continue; // released between our attempt and our look: try again at once
    const liveness = seen.content.kind === 'owner' ? await ownerLiveness(seen.content.owner) : 'remote';
    if (liveness === 'dead') {
      await takeOver(path, seen);
      continue;
    }
    // A live process of this host is waited for however long it takes (it may be slow, or stopped by ^Z).
    if (liveness === 'remote' && watch.silentFor(seen) >= staleAfterMs) {
      await takeOver(path, seen);
      continue;
    }
    const waitedMs = Date.now() - started;
    const holder = describeHolder(seen.content);
    if (waitedMs >= noticeAfterMs && holder !== announced) {
      announced = holder;
      onWait?.({ path, waitedMs, staleAfterMs, ...waitDetail(seen.content) });
    }
    await sleep(pause, undefined, signal ? { signal } : undefined);
    pause = Math.min(pause * 2, maxPollMs);
  }
}

/**
 * Removes a lock file whose owner is a dead process of this host (a `kill -9` between finishing the work and
 * releasing the lock leaves one next to a complete result). A live owner's lock, or none, is left alone.
 */
export async function clearStaleLock(path: string): Promise<void> {
  const seen = await inspect(path);
  if (seen?.content.kind === 'owner' && (await ownerLiveness(seen.content.owner)) === 'dead')
    await takeOver(path, seen);
}

/** A lock file as seen once: its content and the identity of the file (to notice a change or a new holder). */
interface SeenLock {
  content: Exclude<LockContent, { kind: 'missing' }>;
  ino: number;
  mtimeMs: number;
}

async function inspect(path: string): Promise<SeenLock | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  const content = await readLockContent(path);
  if (content.kind === 'missing') return undefined;
  return { content, ino: info.ino, mtimeMs: info.mtimeMs };
}

/** How long (by our clock) the lock file has shown no sign of life: same inode, same mtime. */
class HeartbeatWatch {
  #key = '';
  #since = 0;

  silentFor(seen: SeenLock): number {
    const key = `${seen.ino}:${seen.mtimeMs}`;
    const now = Date.now();
    if (key !== this.#key) {
      this.#key = key;
      this.#since = now;
    }
    return now - this.#since;
  }
}

function describeHolder(content: SeenLock['content']): string {
  return content.kind === 'owner'
    ? `${content.owner.pid}@${content.owner.host}`
    : `foreign:${content.reason}`;
}

function waitDetail(content: SeenLock['content']): Pick<LockWait, 'owner' | 'foreign'> {
  return content.kind === 'owner'
    ? { owner: { pid: content.owner.pid, host: content.owner.host } }
    : { foreign: content.reason };
}

async function tryCreate(path: string, record: LockOwner): Promise<boolean> {
  const privatePath = `${path}.${record.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(privatePath, JSON.stringify({ ...record, since: Date.now() }), { flag: 'wx' });
  try {
    await link(privatePath, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links: O_EXCL, which NFS v3+ and local file systems make atomic too.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusive(path, record);
    throw error;
  } finally {
    await unlink(privatePath).catch(() => {});
  }
}

async function createExclusive(path: string, record: LockOwner): Promise<boolean> {
  try {
    await writeFile(path, JSON.stringify({ ...record, since: Date.now() }), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function heldLock(path: string, heartbeatMs: number): HeldLock {
  let released = false;
  const now = () => new Date();
  // The heartbeat: waiters on other hosts (and for foreign files) judge liveness by the mtime changing.
  const timer = setInterval(() => {
    utimes(path, now(), now()).catch(() => {});
  }, heartbeatMs);
  timer.unref();
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      const content = await readLockContent(path);
      // Only remove our own lock: after a takeover by mistake it could be someone else's.
      if (content.kind === 'owner' && isOwnRecord(content.owner)) await unlink(path).catch(() => {});
    },
  };
}

/**
 * Removes a stale lock, only if it is still the very file judged stale. Goes through a second exclusive file
 * so two waiters cannot both remove the stale lock and then each other's fresh one.
 */
async function takeOver(path: string, stale: SeenLock): Promise<void> {
  const guard = `${path}.takeover`;
  const record = await ownRecord();
  if (!(await createExclusive(guard, record))) {
    const age = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_STALE_MS) await unlink(guard).catch(() => {});
    await sleep(20);
    return;
  }
  try {
    const current = await inspect(path);
    if (current && current.ino === stale.ino && current.mtimeMs === stale.mtimeMs)
      await unlink(path).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}
