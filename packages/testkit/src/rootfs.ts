/**
 * Minimal Debian root filesystems, as a device built from a distro has: `mmdebstrap --variant=minbase
 * --include=<packages> <suite>`. Each (suite, package list, architecture) is built once into the kit cache
 * and reused by every later run; nothing may write into a cached root (open a writable view with
 * `openDeviceRoot`). Needs root (mmdebstrap's root mode, and chroot later) and the Debian mirror on the
 * first build; `rootfsUnavailable()` says why a machine cannot have them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { busyboxCacheDir } from './busybox-source.js';
import { unmountBelow } from './mounts.js';
import { runChecked } from './run-command.js';

export const MMDEBSTRAP = '/usr/bin/mmdebstrap';

/** Bump when the way roots are built changes, so stale cached roots are not reused. */
const ROOTFS_VERSION = 1;

export interface RootfsSpec {
  /** Debian suite or codename: 'bookworm', 'trixie'. */
  suite: string;
  /** Packages added to minbase (`--include`), e.g. ['nodejs', 'zstd']. */
  packages: readonly string[];
}

export interface CachedRootfs {
  /** The cached tree. Read-only by contract: write through `openDeviceRoot`, never here. */
  dir: string;
  suite: string;
  /** Sorted, without duplicates. */
  packages: string[];
  /** Debian architecture of the root (the host's). */
  arch: string;
  /** When it was built (ISO time). */
  built: string;
}

/** Why roots cannot be built or entered on this machine (a skip message), or undefined when they can. */
export function rootfsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'Debian root filesystems need Linux';
  if (process.getuid?.() !== 0)
    return 'Debian root filesystems need root (mmdebstrap --mode=root, mount, chroot)';
  if (!existsSync(MMDEBSTRAP)) {
    return `${MMDEBSTRAP} is missing: install Debian's mmdebstrap (apt-get install mmdebstrap; scripts/setup.sh does)`;
  }
  return undefined;
}

/** Where built roots are kept: `<kit cache>/rootfs/<suite>-<key>` (ISAR_TESTKIT_CACHE moves the kit cache). */
export function rootfsCacheDir(): string {
  return join(busyboxCacheDir(), 'rootfs');
}

function hostArch(): string {
  const result = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' });
  const arch = result.stdout?.trim();
  if (result.status !== 0 || !arch) throw new Error('dpkg --print-architecture failed: is this Debian?');
  return arch;
}

function normalize(spec: RootfsSpec): { suite: string; packages: string[] } {
  if (!/^[a-z][a-z0-9-]*$/.test(spec.suite)) throw new Error(`not a Debian suite name: "${spec.suite}"`);
  const packages = [...new Set(spec.packages)].sort();
  for (const name of packages) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) throw new Error(`not a Debian package name: "${name}"`);
  }
  return { suite: spec.suite, packages };
}

/** The cache entry name: suite plus a hash of everything that changes the tree. */
export function rootfsKey(spec: RootfsSpec, arch = hostArch()): string {
  const { suite, packages } = normalize(spec);
  const identity = JSON.stringify({ v: ROOTFS_VERSION, variant: 'minbase', suite, packages, arch });
  return `${suite}-${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a half-built tree: first whatever mmdebstrap left mounted in it (never delete through a mount). */
async function removeTree(dir: string): Promise<void> {
  unmountBelow([dir]);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

async function readMeta(file: string): Promise<CachedRootfs | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CachedRootfs;
  } catch {
    return undefined;
  }
}

/** One build at a time per entry across processes: a lock directory holding the builder's pid. */
async function withLock<T>(lock: string, ready: () => Promise<T | undefined>, build: () => Promise<T>) {
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    const done = await ready();
    if (done) return done;
    try {
      await mkdir(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(join(lock, 'pid'), 'utf8').catch(() => '')).trim());
      // Another process (or a worker thread of this one) builds it: wait. A dead owner's lock is stale.
      if (owner > 0 && owner !== process.pid && !processAlive(owner)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${lock} (held by pid ${owner || '?'})`);
      await sleep(1000);
      continue;
    }
    try {
      await writeFile(join(lock, 'pid'), String(process.pid));
      return (await ready()) ?? (await build());
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

const building = new Map<string, Promise<CachedRootfs>>();

/**
 * The cached root for `spec`, built with mmdebstrap when there is none yet (about a minute from the Debian
 * mirror). Later calls, in this run or any later one, return the same tree.
 */
export function cachedRootfs(
  spec: RootfsSpec,
  options: { signal?: AbortSignal } = {},
): Promise<CachedRootfs> {
  const reason = rootfsUnavailable();
  if (reason) return Promise.reject(new Error(reason));
  const arch = hostArch();
  const key = rootfsKey(spec, arch);
  let pending = building.get(key);
  if (!pending) {
    pending = buildOnce(key, normalize(spec), arch, options.signal);
    building.set(key, pending);
    pending.catch(() => building.delete(key));
  }
  return pending;
}

async function buildOnce(
  key: string,
  spec: { suite: string; packages: string[] },
  arch: string,
  signal: AbortSignal | undefined,
): Promise<CachedRootfs> {
  const cache = rootfsCacheDir();
  await mkdir(cache, { recursive: true });
  const dir = join(cache, key);
  // Written last: its presence means the tree is complete.
  const metaFile = `${dir}.json`;
  const ready = async () => {
    const meta = existsSync(dir) ? await readMeta(metaFile) : undefined;
    // The tree is where it is now (the cache may have been moved since).
    return meta && { ...meta, dir };
  };
  return withLock(`${dir}.lock`, ready, async () => {
    // Leftovers of a build that was killed: a tree without its metadata, half-built trees.
    await removeTree(dir);
    for (const name of await readdir(cache)) {
      if (name.startsWith(`${key}.partial-`)) await removeTree(join(cache, name));
    }
    const partial = `${dir}.partial-${process.pid}`;
    try {
      const include = spec.packages.length > 0 ? [`--include=${spec.packages.join(',')}`] : [];
      await runChecked(
        MMDEBSTRAP,
        ['--mode=root', '--variant=minbase', `--architectures=${arch}`, ...include, spec.suite, partial],
        { signal },
      );
      await rename(partial, dir);
    } catch (error) {
      await removeTree(partial);
      throw error;
    }
    const meta: CachedRootfs = { dir, ...spec, arch, built: new Date().toISOString() };
    await writeFile(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    return meta;
  });
}
