import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountsBelow } from './mounts.js';
import { type CachedRootfs, cachedRootfs, rootfsKey, rootfsUnavailable } from './rootfs.js';
import { openDeviceRoot } from './rootfs-chroot.js';
import { DEVICE_ROOTS } from './rootfs-devices.js';
import { rootFootprint } from './rootfs-footprint.js';
import { tmpDir } from './tmp-dir.js';

const unavailable = rootfsUnavailable();
if (unavailable) console.warn(`rootfs tests skipped: ${unavailable}`);

// The device root the loader tests use too: built (about a minute) by whichever test comes first, then cached.
const SPEC = DEVICE_ROOTS.bookworm;

describe('rootfsKey', () => {
  it('depends on suite, package set and architecture, not on order or repeats', () => {
    const key = rootfsKey({ suite: 'bookworm', packages: ['zstd', 'nodejs'] }, 'amd64');
    expect(key).toMatch(/^bookworm-[0-9a-f]{12}$/);
    expect(rootfsKey({ suite: 'bookworm', packages: ['nodejs', 'zstd', 'zstd'] }, 'amd64')).toBe(key);
    expect(rootfsKey({ suite: 'trixie', packages: ['zstd', 'nodejs'] }, 'amd64')).not.toBe(key);
    expect(rootfsKey({ suite: 'bookworm', packages: ['zstd'] }, 'amd64')).not.toBe(key);
    expect(rootfsKey({ suite: 'bookworm', packages: ['zstd', 'nodejs'] }, 'arm64')).not.toBe(key);
    expect(() => rootfsKey({ suite: 'bookworm', packages: ['zstd --foo'] }, 'amd64')).toThrow(/package name/);
    expect(() => rootfsKey({ suite: '../x', packages: [] }, 'amd64')).toThrow(/suite/);
  });
});

describe.skipIf(unavailable)('a cached minbase root and writable views of it', () => {
  let root: CachedRootfs;
  let zstdBefore: { size: number; mtimeMs: number };

  beforeAll(async () => {
    root = await cachedRootfs(SPEC);
    zstdBefore = await stat(join(root.dir, 'usr/bin/zstd'));
  }, 600_000);

  afterAll(async () => {
    // Whatever the views did, the cached tree is as it was.
    if (!root) return;
    const after = await stat(join(root.dir, 'usr/bin/zstd'));
    expect({ size: after.size, mtimeMs: after.mtimeMs }).toEqual({
      size: zstdBefore.size,
      mtimeMs: zstdBefore.mtimeMs,
    });
    expect(existsSync(join(root.dir, 'written-by-a-view'))).toBe(false);
  });

  it('is built once: its metadata is on disk and a second call gives the same tree', async () => {
    expect(root.packages).toEqual([...SPEC.packages].sort());
    expect(root.dir.endsWith(rootfsKey(SPEC))).toBe(true);
    expect(JSON.parse(await readFile(`${root.dir}.json`, 'utf8'))).toEqual(root);
    expect(await cachedRootfs({ suite: 'bookworm', packages: [...SPEC.packages].reverse() })).toEqual(root);
    expect(await readFile(join(root.dir, 'etc/debian_version'), 'utf8')).toMatch(/^12\./);
  });

  for (const copy of [false, true]) {
    it(`${copy ? 'a cp -a copy' : 'an overlay'}: chroot runs the root's own programs, writes stay in the view`, async () => {
      const view = await openDeviceRoot(root, { copy });
      const host = await tmpDir('rootfs-bind-');
      try {
        expect(view.kind).toBe(copy ? 'copy' : 'overlay');
        const zstd = await view.run('zstd', ['--version']);
        expect(zstd.code, zstd.stderr).toBe(0);
        expect(zstd.stdout).toMatch(/Zstandard CLI/);
        // /proc is the view's own mount; the environment is only what the caller gives.
        const env = await view.run('sh', ['-c', 'echo "$PATH|$EXTRA"; readlink /proc/self/exe'], {
          env: { EXTRA: 'x' },
        });
        expect(env.stdout).toBe(
          '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|x\n/usr/bin/readlink\n',
        );

        await view.writeFile('/written-by-a-view', 'x');
        expect((await view.run('rm', ['/usr/bin/zstd'])).code).toBe(0);
        expect(existsSync(join(view.path, 'usr/bin/zstd'))).toBe(false);

        await writeFile(join(host.path, 'from-host'), 'hello from the host\n');
        await view.bind(join(host.path, 'from-host'), '/run/from-host');
        expect((await view.run('cat', ['/run/from-host'])).stdout).toBe('hello from the host\n');
        // /var/run -> /run is absolute: resolved on the host it would leave the root.
        await expect(view.hostPath('/var/run/x')).rejects.toThrow(/symlink/);
      } finally {
        await view.cleanup();
        await host.cleanup();
      }
      expect(mountsBelow([view.path])).toEqual([]);
      expect(existsSync(view.path)).toBe(false);
      expect(existsSync(join(host.path))).toBe(false);
    }, 120_000);
  }

  it("rootFootprint: the packages a root gained beyond minbase, from the root's dpkg database", async () => {
    const zstd = await rootFootprint(root.dir, ['zstd']);
    // libzstd1 is part of minbase (dpkg needs it): only the command itself is added.
    expect(zstd.packages.map((p) => p.name)).toEqual(['zstd']);
    expect(zstd.kib).toBeGreaterThan(500);
    expect(zstd.kib).toBe(zstd.packages[0]?.kib);
    // Part of minbase: adds nothing.
    expect(await rootFootprint(root.dir, ['dpkg', 'apt'])).toEqual({ packages: [], kib: 0 });
    await expect(rootFootprint(root.dir, ['podman'])).rejects.toThrow(/not installed.*podman/);
  });
});
