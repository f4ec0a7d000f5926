/**
 * A small tmpfs mounted on a fresh temp directory: a disk that fills up (ENOSPC) after a few megabytes, or a
 * read-only one (EROFS). Needs root (or CAP_SYS_ADMIN); `canMountTmpfs()` says whether this machine allows it.
 */
import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { onProcessExit } from './processes.js';
import { tmpDir } from './tmp-dir.js';

export interface SmallFilesystem {
  /** The mount point. */
  path: string;
  /** Unmounts and removes the directory. */
  cleanup(): Promise<void>;
}

export interface SmallFilesystemOptions {
  /** Size in bytes (default 20 MiB). */
  size?: number;
  /** Mount it read-only (default false). */
  readOnly?: boolean;
}

/** Whether `mount -t tmpfs` works here (root in a container that allows mounts). */
export function canMountTmpfs(): boolean {
  return process.getuid?.() === 0 && spawnSync('mount', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Mounts a tmpfs of `size` bytes (read-only when asked) on a new temp directory. */
export async function mountSmallFilesystem(options: SmallFilesystemOptions = {}): Promise<SmallFilesystem> {
  const dir = await tmpDir('isar-small-fs-');
  const flags = [`size=${options.size ?? 20 * 1024 * 1024}`, ...(options.readOnly ? ['ro'] : [])];
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', flags.join(','), 'tmpfs', dir.path], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    await dir.cleanup();
    throw new Error(`mount -t tmpfs failed: ${mounted.stderr.trim() || `exit ${mounted.status}`}`);
  }
  const unmount = () => spawnSync('umount', ['-l', dir.path], { stdio: 'ignore' });
  const unregister = onProcessExit(unmount);
  return {
    path: dir.path,
    async cleanup() {
      unmount();
      unregister();
      await rm(dir.path, { recursive: true, force: true });
      await dir.cleanup();
    },
  };
}
