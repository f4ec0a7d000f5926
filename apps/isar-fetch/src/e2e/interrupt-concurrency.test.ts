import { spawn } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BuiltImage,
  buildImage,
  type FaultMatchRequest,
  type FaultProxy,
  faultProxy,
  pushImage,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli, startCli } from './cli-process.js';

/** What bitbake and power cuts do to a fetch: kill -9, parallel tasks on one URL, repeats. */
let registry: Registry;
let image: BuiltImage;
let repo: string;
let indexDigest: string;
let work: TmpDir;

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({ platforms: ['linux/amd64', 'linux/arm64'], layers: [0, 12_000_000] });
  repo = `${registry.host}/demo/big`;
  indexDigest = (await pushImage(image, `${repo}:1`)).digest;
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await tmpDir('isar-fetch-robust-');
});
afterEach(async () => {
  await work.cleanup();
});

const amd64 = () => {
  const manifest = image.manifests.find((m) => m.platform === 'linux/amd64');
  if (!manifest) throw new Error('no amd64');
  return manifest;
};
const bigLayer = () => amd64().layers.reduce((a, b) => (b.size > a.size ? b : a));

describe('kill -9 in the middle of a download, then run again', () => {
  let proxy: FaultProxy;
  afterEach(async () => {
    await proxy?.stop();
  });

  it('resumes the partial blob with Range and publishes a correct archive; nothing partial at the path', async () => {
    const big = bigLayer();
    const half = Math.floor(big.size / 2);
    // The body GETs of the big blob; the writer's 4-byte read of the gzip trailer is not one of them.
    const isTail = (r: FaultMatchRequest) => r.headers.range === `bytes=${big.size - 4}-`;
    const isBig = (r: FaultMatchRequest) => r.method === 'GET' && r.path.endsWith(big.digest) && !isTail(r);
    // First GET of the big blob: half of it, then a reset; the client's own Range retry then hangs, and we kill it.
    proxy = await faultProxy(registry.url, [
      { kind: 'reset-after-bytes', bytes: half, times: 1, match: isBig },
      { kind: 'delay', ms: 60_000, times: 1, match: (r) => isBig(r) && proxy.applied[0] === 1 },
    ]);
    const url = `docker://${proxy.host}/demo/big;tag=1;digest=${indexDigest}`;
    const dlDir = join(work.path, 'dl');
    const args = ['fetch', url, '--dl-dir', dlDir, '--arch', 'amd64', '--json', '--quiet'];
    const first = startCli(args);
    for (let i = 0; i < 600 && proxy.requests.filter(isBig).length < 2; i++) await sleep(50);
    expect(proxy.requests.filter(isBig).length).toBe(2);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    const local = (await cli(['localpath', url, '--arch', 'amd64'])).stdout.trim();
    const finalPath = join(dlDir, local);
    await expect(stat(finalPath)).rejects.toThrow();
    const blobs = join(dlDir, 'container-images/blobs/sha256');
    const partial = await stat(join(blobs, `${big.digest.slice(7)}.partial`));
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(big.size);

    const before = proxy.requests.length;
    const again = await cli(args);
    expect(again.code, again.stderr).toBe(0);
    const result = JSON.parse(again.stdout);
    expect(result.path).toBe(finalPath);
    const resumed = proxy.requests.slice(before).filter(isBig);
    expect(resumed.map((r) => r.headers.range)).toEqual([`bytes=${partial.size}-`]);
    // Only the rest of the big blob came over the network; the small layer finished in the first run.
    expect(result.bytesDownloaded).toBe(big.size - partial.size);
    expect(result.bytesFromCache).toBe(
      amd64().layers.reduce((s, l) => s + l.size, 0) - result.bytesDownloaded,
    );
    expect((await cli(['verify', finalPath])).code).toBe(0);
    // No temp archive, lock or partial blob is left behind: the archive, its SBOM and its record.
    const dir = await readdir(join(dlDir, 'container-images/amd64'));
    const name = local.split('/').pop();
    expect(dir.sort()).toEqual([name, `${name}.cdx.json`, `${name}.isar-fetch.json`]);
    expect((await readdir(blobs)).filter((n) => !/^[0-9a-f]{64}$/.test(n))).toEqual([]);
  });
});

describe('SIGTERM (bitbake stopping a worker) in the middle of a download', () => {
  let proxy: FaultProxy;
  afterEach(async () => {
    await proxy?.stop();
  });

  it('exits 143 after removing its temp archive and locks; the partial blob stays for resume', async () => {
    const big = bigLayer();
    const isBig = (r: FaultMatchRequest) =>
      r.method === 'GET' && r.path.endsWith(big.digest) && r.headers.range !== `bytes=${big.size - 4}-`;
    proxy = await faultProxy(registry.url, [
      { kind: 'stall-after-bytes', bytes: Math.floor(big.size / 2), times: 1, match: isBig },
    ]);
    const url = `docker://${proxy.host}/demo/big;tag=1;digest=${indexDigest}`;
    const dlDir = join(work.path, 'dl');
    const run = startCli(['fetch', url, '--dl-dir', dlDir, '--arch', 'amd64', '--json', '--quiet']);
    const blobs = join(dlDir, 'container-images/blobs/sha256');
    const partial = join(blobs, `${big.digest.slice(7)}.partial`);
    for (let i = 0; i < 400 && ((await stat(partial).catch(() => undefined))?.size ?? 0) === 0; i++)
      await sleep(50);
    await sleep(200);
    run.child.kill('SIGTERM');
    const done = await run.done;
    expect(done.code).toBe(143);
    expect(done.lines).toHaveLength(1);
    const archiveDir = await readdir(join(dlDir, 'container-images/amd64'));
    expect(archiveDir).toEqual([]);
    expect((await readdir(blobs)).filter((n) => n.endsWith('.lock'))).toEqual([]);
    expect((await stat(partial)).size).toBeGreaterThan(0);
  });
});

describe('locks held by others', () => {
  it("bitbake's own flock on <archive>.lock (held around the call) does not stop the fetch", async () => {
    const dlDir = join(work.path, 'dl');
    const url = `docker://${repo};tag=1;digest=${indexDigest}`;
    const local = (await cli(['localpath', url, '--arch', 'arm64'])).stdout.trim();
    const bitbakeLock = `${join(dlDir, local)}.lock`;
    await mkdir(dirname(bitbakeLock), { recursive: true });
    // What bb.utils.lockfile does: an empty file, flock'ed by the task that then runs us.
    const holder = spawn('flock', [bitbakeLock, 'sleep', '60'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await stat(bitbakeLock).catch(() => undefined)); i++) await sleep(20);
      const run = await cli(['fetch', url, '--dl-dir', dlDir, '--arch', 'arm64', '--json', '--quiet']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      expect(holder.exitCode).toBeNull(); // still holding it
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a wait for a live holder is said on stderr (even --json --quiet), and its lock is reclaimed once it dies', async () => {
    const dlDir = join(work.path, 'dl');
    const url = `docker://${repo};tag=1;digest=${indexDigest}`;
    const local = (await cli(['localpath', url, '--arch', 'arm64'])).stdout.trim();
    const lockPath = `${join(dlDir, local)}.isar-fetch.lock`;
    await mkdir(dirname(lockPath), { recursive: true });
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    await writeFile(lockPath, JSON.stringify({ pid: holder.pid, host: hostname(), since: Date.now() }));
    const run = startCli(['fetch', url, '--dl-dir', dlDir, '--arch', 'arm64', '--json', '--quiet']);
    let stderr = '';
    run.child.stderr?.on('data', (chunk: string) => (stderr += chunk));
    for (let i = 0; i < 200 && !stderr.includes('waiting'); i++) await sleep(50);
    expect(stderr).toMatch(
      new RegExp(
        `^isar-fetch: waiting \\d+ s for the lock ${lockPath.replace(/[.]/g, '\\.')} \\(held by process ${holder.pid} on ${hostname()}\\)`,
      ),
    );
    expect(run.child.exitCode).toBeNull();
    holder.kill('SIGKILL');
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).path).toBe(join(dlDir, local));
    await expect(stat(lockPath)).rejects.toThrow();
  });
});

describe('parallel fetches', () => {
  it('two processes on one URL: one correct file, both succeed, each layer downloaded once', async () => {
    const dlDir = join(work.path, 'dl');
    const url = `docker://${repo};tag=1`;
    const args = ['fetch', url, '--dl-dir', dlDir, '--arch', 'amd64', '--json', '--quiet'];
    // Whole-blob answers only: the writer also reads each gzip layer's 4-byte trailer ahead (206).
    const layerGets = async () =>
      (await registry.accessLog()).filter(
        (e) =>
          e.kind === 'blob' &&
          e.method === 'GET' &&
          e.status === 200 &&
          amd64().layers.some((l) => e.path.endsWith(l.digest)),
      ).length;
    const before = await layerGets();
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const [ra, rb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(ra.path).toBe(rb.path);
    expect([ra.cacheHit, rb.cacheHit].sort()).toEqual([false, true]);
    expect((await layerGets()) - before).toBe(amd64().layers.length);
    expect((await cli(['verify', ra.path])).code).toBe(0);
    expect((await readdir(join(dlDir, 'container-images/amd64'))).filter((n) => n.includes('.tmp-'))).toEqual(
      [],
    );
  });

  it('different URLs in one DL_DIR at once: both succeed', async () => {
    const dlDir = join(work.path, 'dl');
    const runs = await Promise.all(
      ['amd64', 'arm64'].map((arch) =>
        cli(['fetch', `docker://${repo};tag=1`, '--dl-dir', dlDir, '--arch', arch, '--quiet']),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs[0]?.stdout).not.toBe(runs[1]?.stdout);
  });
});

describe('a digest-pinned repeat', () => {
  it('performs no HTTP request at all', async () => {
    const dlDir = join(work.path, 'dl');
    const args = ['fetch', `docker://${repo};digest=${indexDigest}`, '--dl-dir', dlDir, '--arch', 'arm64'];
    const first = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    const logged = (await registry.accessLog()).length;
    const again = await cli([...args, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      cacheHit: true,
      bytesDownloaded: 0,
      path: first.stdout.trim(),
    });
    expect((await registry.accessLog()).length).toBe(logged);
  });

  it('does not even load the HTTP stack (undici), while a command that talks to the registry does', async () => {
    const dlDir = join(work.path, 'dl');
    const args = ['fetch', `docker://${repo};digest=${indexDigest}`, '--dl-dir', dlDir, '--arch', 'arm64'];
    expect((await cli(args)).code).toBe(0);
    // NODE_DEBUG=module makes Node's CommonJS loader log every module it looks for (undici is CommonJS).
    const debug = { env: { NODE_DEBUG: 'module' } };
    const hit = await cli([...args, '--quiet'], debug);
    expect(hit.code).toBe(0);
    expect(hit.stderr).not.toMatch(/undici/);
    const resolved = await cli(['resolve', `docker://${repo};tag=1`], debug);
    expect(resolved.code).toBe(0);
    expect(resolved.stderr).toMatch(/undici/);
  });
});

describe('--offline (bitbake BB_NO_NETWORK)', () => {
  it('answers from DL_DIR (pinned and tag URLs) or fails with one line, never opening a connection', async () => {
    const dlDir = join(work.path, 'dl');
    const pinned = `docker://${repo};tag=1;digest=${indexDigest}`;
    const tagged = `docker://${repo};tag=1`;
    const base = ['--dl-dir', dlDir, '--arch', 'arm64', '--json', '--quiet', '--offline'];
    const before = (await registry.accessLog()).length;
    for (const url of [pinned, tagged]) {
      const missing = await cli(['fetch', url, ...base]);
      expect(missing.code).toBe(1);
      expect(missing.lines).toEqual([
        expect.stringMatching(/offline: .* is not in the download cache .*fetching it needs the registry/),
        expect.stringMatching(/hint: fetch it once with network access/),
      ]);
      expect(JSON.parse(missing.stdout).error.code).toBe('OFFLINE');
    }
    expect((await registry.accessLog()).length).toBe(before);

    for (const url of [pinned, tagged]) {
      expect((await cli(['fetch', url, '--dl-dir', dlDir, '--arch', 'arm64', '--quiet'])).code).toBe(0);
    }
    const fetched = (await registry.accessLog()).length;
    for (const url of [pinned, tagged]) {
      const hit = await cli(['fetch', url, ...base]);
      expect(hit.code, hit.stderr).toBe(0);
      expect(JSON.parse(hit.stdout)).toMatchObject({ cacheHit: true, indexDigest });
    }
    expect((await registry.accessLog()).length).toBe(fetched);
  });
});
