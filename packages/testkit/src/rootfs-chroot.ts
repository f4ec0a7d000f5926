/**
 * A writable device root over a cached one (see rootfs.ts), entered with chroot: an overlayfs whose lower
 * layer is the cached tree (a `cp -a` copy where overlay cannot be mounted), /proc mounted, and host files
 * (a docker socket) bind-mounted where the device would have them. Writes stay in the view; the cached
 * tree is never touched. Commands share the host's network namespace, so loopback servers are reachable.
 */
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { mountsBelow, unmountBelow } from './mounts.js';
import { onProcessExit } from './processes.js';
import type { CachedRootfs } from './rootfs.js';
import { type RunResult, runChecked, runCommand } from './run-command.js';
import { tmpDir } from './tmp-dir.js';

/** What systemd gives a service (systemd.exec(5), "Environment variables in spawned processes"). */
export const SERVICE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ChrootRunOptions {
  /** Added to the environment, which is otherwise only PATH (as systemd gives a service). */
  env?: Record<string, string>;
  input?: Buffer | string;
  signal?: AbortSignal;
}

export interface DeviceRoot {
  /** The writable root on the host. */
  path: string;
  /** 'overlay' (over the cached tree) or 'copy' (cp -a of it). */
  kind: 'overlay' | 'copy';
  /** The host path of an absolute path inside the root; refuses paths that leave it through a symlink. */
  hostPath(inside: string): Promise<string>;
  /** Writes a file inside the root (parents created). */
  writeFile(inside: string, content: string | Buffer, mode?: number): Promise<void>;
  /** Runs `command` inside the root (`chroot <root> command args`, cwd /); resolves with the exit code. */
  run(command: string, args: string[], options?: ChrootRunOptions): Promise<RunResult>;
  /** Bind-mounts a host file or directory (e.g. a docker socket) at `inside`. */
  bind(host: string, inside: string): Promise<void>;
  /** Unmounts everything in the view and removes it. */
  cleanup(): Promise<void>;
}

function mount(args: string[]): void {
  const result = spawnSync('mount', args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`mount ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.status}`}`);
  }
}

/** Opens a fresh writable view of `root` (from `cachedRootfs`). */
export async function openDeviceRoot(
  root: CachedRootfs,
  options: { copy?: boolean; prefix?: string } = {},
): Promise<DeviceRoot> {
  const work = await tmpDir(options.prefix ?? `isar-root-${root.suite}-`);
  const path = join(work.path, 'root');
  // Before anything is mounted: on a crash the mounts go first, then the tracked dir (never rm through a mount).
  const unregister = onProcessExit(() => unmountBelow([path]));
  let kind: DeviceRoot['kind'] = 'copy';
  try {
    await mkdir(path);
    if (!options.copy) {
      const upper = join(work.path, 'upper');
      const scratch = join(work.path, 'work');
      await Promise.all([mkdir(upper), mkdir(scratch)]);
      const overlay = spawnSync(
        'mount',
        ['-t', 'overlay', 'overlay', '-o', `lowerdir=${root.dir},upperdir=${upper},workdir=${scratch}`, path],
        { encoding: 'utf8' },
      );
      if (overlay.status === 0) kind = 'overlay';
    }
    if (kind === 'copy') await runChecked('cp', ['-a', '--reflink=auto', `${root.dir}/.`, path]);
    mount(['-t', 'proc', 'proc', join(path, 'proc')]);
  } catch (error) {
    unmountBelow([path]);
    unregister();
    await work.cleanup();
    throw error;
  }

  const hostPath = async (inside: string): Promise<string> => {
    if (!posix.isAbsolute(inside)) throw new Error(`not an absolute path inside the root: ${inside}`);
    const parts = posix.normalize(inside).split('/').filter(Boolean);
    // An absolute symlink inside the root (/var/run -> /run) would resolve on the host: refuse it.
    let at = path;
    for (const part of parts.slice(0, -1)) {
      at = join(at, part);
      const stat = await lstat(at).catch(() => undefined);
      if (stat?.isSymbolicLink()) throw new Error(`${inside}: ${at} is a symlink; name the real path`);
    }
    return join(path, ...parts);
  };

  let closed: Promise<void> | undefined;
  return {
    path,
    kind,
    hostPath,
    async writeFile(inside, content, mode) {
      const target = await hostPath(inside);
      await mkdir(join(target, '..'), { recursive: true });
      await writeFile(target, content, mode === undefined ? {} : { mode });
    },
    run(command, args, runOptions = {}) {
      return runCommand('chroot', [path, command, ...args], {
        env: { PATH: SERVICE_PATH, ...runOptions.env },
        ...(runOptions.input === undefined ? {} : { input: runOptions.input }),
        ...(runOptions.signal ? { signal: runOptions.signal } : {}),
      });
    },
    async bind(host, inside) {
      const target = await hostPath(inside);
      const isDir = (await lstat(host)).isDirectory();
      await mkdir(isDir ? target : join(target, '..'), { recursive: true });
      if (!isDir) await writeFile(target, '', { flag: 'a' });
      mount(['--bind', host, target]);
    },
    cleanup() {
      closed ??= (async () => {
        unmountBelow([path]);
        const left = mountsBelow([path]);
        if (left.length > 0) throw new Error(`still mounted, not removed: ${left.join(' ')}`);
        unregister();
        await rm(path, { recursive: true, force: true, maxRetries: 3 });
        await work.cleanup();
      })();
      return closed;
    },
  };
}
