import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/** What an isar-fetch lock file holds: enough to tell whether its owner is still alive, and to say who it is. */
export interface LockOwner {
  pid: number;
  host: string;
  /** When the lock was taken (ms since the epoch). */
  since: number;
  /** The owner's start time from /proc (clock ticks since boot): a reused pid does not pass for the owner. */
  start?: string;
}

/** What was found at a lock path: an isar-fetch owner, a file that is not ours (and why), or nothing. */
export type LockContent =
  | { kind: 'owner'; owner: LockOwner }
  | { kind: 'foreign'; reason: string }
  | { kind: 'missing' };

/** The owner record of this process. */
export async function ownRecord(): Promise<LockOwner> {
  const start = await processStart(process.pid);
  return { pid: process.pid, host: hostname(), since: Date.now(), ...(start ? { start } : {}) };
}

/** Reads a lock file without trusting it: an empty, unreadable or unparsable file is `foreign`, never an owner. */
export async function readLockContent(path: string): Promise<LockContent> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'foreign', reason: `unreadable (${code ?? 'error'})` };
  }
  if (text.length === 0) return { kind: 'foreign', reason: 'an empty file, not an isar-fetch lock' };
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(parsed.pid) && typeof parsed.host === 'string' && parsed.host !== '') {
      return {
        kind: 'owner',
        owner: {
          pid: parsed.pid as number,
          host: parsed.host,
          since: Number(parsed.since) || 0,
          ...(typeof parsed.start === 'string' ? { start: parsed.start } : {}),
        },
      };
    }
  } catch {
    // Falls through: not ours.
  }
  return { kind: 'foreign', reason: 'not an isar-fetch lock (unknown content)' };
}

/** Whether the record is this very process's. */
export function isOwnRecord(owner: LockOwner): boolean {
  return owner.pid === process.pid && owner.host === hostname();
}

/**
 * Whether the owner is alive: `dead` for a process of this host that no longer exists (or whose pid now
 * belongs to another process, told by its start time), `alive` for one that runs here, `remote` for an owner
 * on another host, whose liveness only its heartbeat can tell.
 */
export async function ownerLiveness(owner: LockOwner): Promise<'alive' | 'dead' | 'remote'> {
  if (owner.host !== hostname()) return 'remote';
  if (isOwnRecord(owner)) return 'alive';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'dead' : 'alive';
  }
  if (owner.start === undefined) return 'alive';
  const start = await processStart(owner.pid);
  return start !== undefined && start !== owner.start ? 'dead' : 'alive';
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined where /proc is not there. */
async function processStart(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
