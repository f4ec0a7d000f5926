/**
 * The layer inside the REAL bitbake (server, runqueue, workers), on a project written by bitbake-project.ts,
 * against real Distribution registries from the test kit. Skipped unless BITBAKE_DIR names a bitbake
 * checkout (e.g. `git clone https://git.openembedded.org/bitbake /tmp/bitbake`).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  type AccessLogEntry,
  buildImage,
  type FaultProxy,
  faultProxy,
  pushImage,
  type Registry,
  startRegistry,
} from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BITBAKE_DIR,
  BitbakeProject,
  type BitbakeRun,
  ISAR_FETCH_JS,
  listFiles,
  type Recipe,
} from './bitbake-project.js';

const run = promisify(execFile);
const HOW_TO_RUN =
  'set BITBAKE_DIR to a bitbake checkout: BITBAKE_DIR=/tmp/bitbake pnpm --filter @isar/isar-integration test';

if (!BITBAKE_DIR) console.warn(`real-bitbake tests skipped: ${HOW_TO_RUN}`);

/** The Debian arches of the build and the platform each must get (armel asks for arm/v6, the image has v5). */
const ARCHES: Record<string, { dir: string; platform: string }> = {
  armhf: { dir: 'arm/v7', platform: 'linux/arm/v7' },
  i386: { dir: '386', platform: 'linux/386' },
  arm64: { dir: 'arm64', platform: 'linux/arm64' },
  armel: { dir: 'arm/v6', platform: 'linux/arm/v5' },
};

function expected(arch: string): { dir: string; platform: string } {
  const entry = ARCHES[arch];
  if (!entry) throw new Error(`no expectation for ${arch}`);
  return entry;
}

let registry: Registry;
let authRegistry: Registry;
let digest: string;
let movedDigest: string;
/** Digests of the layers of the multi-arch image (what checkuri must not download). */
let layerDigests: Set<string>;
let project: BitbakeProject;
let image: string;
let pinned: string;
const USER = { name: 'builder', password: 'secret-pw' };

/** The platforms of the images an archive holds, after `isar-fetch verify` checked every digest in it. */
async function platformsIn(file: string): Promise<string[]> {
  const { stdout } = await run(process.execPath, [ISAR_FETCH_JS, 'verify', '--json', file]);
  const report = JSON.parse(stdout) as { ok: boolean; images: { platform: string; repoTags: string[] }[] };
  expect(report.ok).toBe(true);
  return report.images.map((i) => i.platform);
}

/** Requests the registry answered after `since` entries. */
async function requestsSince(reg: Registry, since: number): Promise<AccessLogEntry[]> {
  return (await reg.accessLog()).slice(since);
}

function expectOk(result: { code: number | null; output: string }): void {
  expect(result.code, result.output).toBe(0);
}

describe.skipIf(!BITBAKE_DIR)(`the layer in real bitbake (${HOW_TO_RUN})`, () => {
  beforeAll(async () => {
    registry = await startRegistry();
    const multi = await buildImage({
      platforms: Object.values(ARCHES).map((a) => a.platform),
      layers: 1,
    });
    ({ digest } = await pushImage(multi, `${registry.host}/demo/multi:1.0`));
    layerDigests = new Set(multi.manifests.flatMap((m) => m.layers.map((l) => l.digest)));
    // Tag 2.0 is a different image: pinning 1.0's digest with ;tag=2.0 is a tag that moved.
    const other = await buildImage({ platforms: ['linux/arm/v7', 'linux/386'], layers: 1, seed: 2 });
    ({ digest: movedDigest } = await pushImage(other, `${registry.host}/demo/multi:2.0`));
    authRegistry = await startRegistry({
      auth: { type: 'htpasswd', users: { [USER.name]: USER.password } },
    });
    await pushImage(other, `${authRegistry.host}/private/app:1.0`, {
      creds: `${USER.name}:${USER.password}`,
    });
    image = `${registry.host}/demo/multi`;
    pinned = `docker://${image};digest=${digest};tag=1.0`;
    project = await BitbakeProject.create();
  }, 300_000);

  afterAll(async () => {
    await project?.dispose();
    await registry?.stop();
    await authRegistry?.stop();
  });

  const localname = () => image.replaceAll('/', '.');
  const archive = (arch: string) =>
    join(
      project.dlDir,
      'container-images',
      expected(arch).dir,
      `${localname()}_${digest.replace(':', '-')}.zst`,
    );

  it('fetches one URL for four arches in parallel (two recipes share an archive) and unpacks it', async () => {
    const recipes: Recipe[] = [
      ...Object.keys(ARCHES).map((arch) => ({ name: `img-${arch}`, srcUri: pinned, arch })),
      { name: 'img-armhf-again', srcUri: pinned, arch: 'armhf' },
    ];
    await project.writeRecipes(recipes);
    const result = await project.bitbake(['-c', 'unpack', ...recipes.map((r) => r.name)]);
    expectOk(result);
    console.log(`bitbake -c unpack of ${recipes.length} recipes: ${result.seconds.toFixed(1)} s`);
    // Parsing the layer says nothing (no "No bb files matched BBFILE_PATTERN_isar-fetch"), fetching neither.
    expect(result.output).not.toContain('WARNING');

    for (const arch of Object.keys(ARCHES)) {
      expect(existsSync(archive(arch)), archive(arch)).toBe(true);
      expect(await platformsIn(archive(arch))).toEqual([expected(arch).platform]);
    }
    for (const { name, arch } of recipes) {
      const unpacked = join(project.workdir(name), `${localname()}:1.0.zst`);
      expect(existsSync(unpacked), unpacked).toBe(true);
      expect(await platformsIn(unpacked)).toEqual([expected(arch).platform]);
    }
    // No lock is left behind in DL_DIR, neither bitbake's nor isar-fetch's.
    expect((await listFiles(project.dlDir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('rebuilds offline (BB_NO_NETWORK, stamps removed, archives kept) with no registry request', async () => {
    const before = (await registry.accessLog()).length;
    await project.removeStamps();
    await rm(project.workdir('img-armhf'), { recursive: true, force: true });
    // Without its .done stamp bitbake asks the fetcher again: a pinned archive isar-fetch published is enough.
    await rm(`${archive('i386')}.done`);
    await project.setLocalConf(['BB_NO_NETWORK = "1"']);
    const result = await project.bitbake(['-c', 'unpack', 'img-armhf', 'img-i386', 'img-arm64', 'img-armel']);
    expectOk(result);
    expect(existsSync(join(project.workdir('img-armhf'), `${localname()}:1.0.zst`))).toBe(true);
    expect(existsSync(`${archive('i386')}.done`), 'do_fetch of img-i386 ran').toBe(true);
    expect(await requestsSince(registry, before)).toEqual([]);
  });

  it('refuses the network under BB_NO_NETWORK when the archive is missing, naming the URL', async () => {
    const url = `docker://${image};tag=1.0`;
    await project.writeRecipes([{ name: 'img-unfetched', srcUri: url, arch: 'armhf' }]);
    const before = (await registry.accessLog()).length;
    const result = await project.bitbake(['-c', 'fetch', 'img-unfetched']);
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toContain('Network access disabled through BB_NO_NETWORK');
    expect(result.output).toContain(`(for url ${url})`);
    expect(await requestsSince(registry, before)).toEqual([]);
  });

  it('BB_STRICT_CHECKSUM = "1" without a digest fails with the SRC_URI line to use', async () => {
    const url = `docker://${image};tag=1.0`;
    await project.writeRecipes([{ name: 'img-unpinned', srcUri: url, arch: 'i386' }]);
    await project.setLocalConf(['BB_STRICT_CHECKSUM = "1"']);
    const result = await project.bitbake(['-c', 'fetch', 'img-unpinned']);
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toContain('Missing SRC_URI checksum, please add those to the recipe');
    expect(result.output).toContain(`SRC_URI = "${url};digest=${digest}"`);
  });

  it('a tag moved away from the pinned digest is a checksum failure naming both digests', async () => {
    // An archive already fetched for the pin is what the pin names: bitbake does not download it again, as
    // upstream. The tag is checked when the archive has to be fetched, so the armhf one goes first.
    await rm(archive('armhf'));
    await rm(`${archive('armhf')}.done`, { force: true });
    const url = `docker://${image};digest=${digest};tag=2.0`;
    await project.writeRecipes([{ name: 'img-moved', srcUri: url, arch: 'armhf' }]);
    await project.setLocalConf();
    const result = await project.bitbake(['-c', 'fetch', 'img-moved']);
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toContain('Checksum failure encountered with download of');
    expect(result.output).toContain(`now points at ${movedDigest}, but the recipe pins ${digest}`);
    expect(existsSync(archive('armhf'))).toBe(false);
  });

  describe('credentials exported in the shell that starts bitbake', () => {
    const url = () => `docker://${authRegistry.host}/private/app;tag=1.0`;
    const auth = () => ({
      auths: {
        [authRegistry.host]: { auth: Buffer.from(`${USER.name}:${USER.password}`).toString('base64') },
      },
    });
    const fetchPrivate = async (env: Record<string, string>) => {
      await rm(join(project.dlDir, 'container-images', 'arm'), { recursive: true, force: true });
      await project.writeRecipes([{ name: 'img-private', srcUri: url(), arch: 'armhf' }]);
      await project.removeStamps();
      return project.bitbake(['-c', 'fetch', 'img-private'], { env });
    };

    it('without credentials the registry refuses (the control of the two below)', async () => {
      const result = await fetchPrivate({});
      expect(result.code, result.output).not.toBe(0);
      expect(result.output).toMatch(/401|unauthori[sz]ed|credentials/i);
    });

    it('REGISTRY_AUTH_FILE', async () => {
      const file = join(project.root, 'auth.json');
      await writeFile(file, JSON.stringify(auth()));
      expectOk(await fetchPrivate({ REGISTRY_AUTH_FILE: file }));
    });

    it('DOCKER_CONFIG', async () => {
      const dir = join(project.root, 'docker');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.json'), JSON.stringify(auth()));
      expectOk(await fetchPrivate({ DOCKER_CONFIG: dir }));
    });
  });

  it('checkuri checks the URL without downloading a layer; cleanall removes the archive', async () => {
    await project.writeRecipes(
      Object.keys(ARCHES).map((arch) => ({ name: `img-${arch}`, srcUri: pinned, arch })),
    );
    await project.setLocalConf();
    const before = (await registry.accessLog()).length;
    expectOk(await project.bitbake(['-c', 'checkuri', 'img-i386']));
    const requests = await requestsSince(registry, before);
    expect(requests.some((r) => r.kind === 'manifest')).toBe(true);
    // Manifests (and the small config blob that names the platform), never a layer.
    expect(requests.filter((r) => r.kind === 'blob' && layerDigests.has(r.reference ?? ''))).toEqual([]);

    const record = `${archive('arm64')}.isar-fetch.json`;
    expect(existsSync(record)).toBe(true);
    expectOk(await project.bitbake(['-c', 'cleanall', 'img-arm64']));
    expect(existsSync(archive('arm64'))).toBe(false);
    expect(existsSync(record)).toBe(false);
    expect(existsSync(`${archive('arm64')}.done`)).toBe(false);
    expect(existsSync(archive('i386')), 'other arches are kept').toBe(true);
  });

  it('a lock held by another isar-fetch is waited for visibly (a warning in the build) and reclaimed when it dies', async () => {
    // cleanall above removed the arm64 archive; another isar-fetch (a live process of this host) holds its lock.
    await project.writeRecipes([{ name: 'img-arm64', srcUri: pinned, arch: 'arm64' }]);
    await project.removeStamps();
    const lockPath = `${archive('arm64')}.isar-fetch.lock`;
    await mkdir(dirname(lockPath), { recursive: true });
    const holder = spawn('sleep', ['120'], { stdio: 'ignore' });
    try {
      await writeFile(lockPath, JSON.stringify({ pid: holder.pid, host: hostname(), since: Date.now() }));
      const running = project.start(['-c', 'fetch', 'img-arm64']);
      for (let i = 0; i < 600 && !running.output().includes('waiting'); i++) await sleep(100);
      expect(running.output()).toMatch(
        new RegExp(
          `WARNING: .*waiting \\d+ s for the lock ${lockPath.replaceAll('.', '\\.')} \\(held by process ${holder.pid} on `,
        ),
      );
      expect(running.child.exitCode).toBeNull();
      holder.kill('SIGKILL');
      const result = await running.done;
      expectOk(result);
      expect(existsSync(archive('arm64'))).toBe(true);
      expect(existsSync(lockPath)).toBe(false);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  describe('a build killed mid-fetch', () => {
    const proxies: FaultProxy[] = [];
    afterAll(async () => {
      for (const proxy of proxies) await proxy.stop();
    });

    /** Starts a fetch whose first blob download hangs for a minute, stops bitbake with `stop`, then checks. */
    async function killMidFetch(
      name: string,
      stop: (running: BitbakeRun) => Promise<void>,
      graceSeconds: number,
    ): Promise<void> {
      const proxy = await faultProxy(registry.url, {
        kind: 'delay',
        ms: 60_000,
        times: 1,
        match: (req) => req.method === 'GET' && req.path.includes('/blobs/'),
      });
      proxies.push(proxy);
      const url = `docker://${proxy.host}/demo/multi;digest=${digest};tag=1.0`;
      await project.writeRecipes([{ name, srcUri: url, arch: 'arm64' }]);
      await project.removeStamps();
      const running = project.start(['-c', 'fetch', name]);
      for (let i = 0; i < 600 && !proxy.applied[0]; i++) await sleep(100);
      expect(proxy.applied[0], running.output()).toBe(1);
      expect((await project.processes()).some((p) => p.cmdline.includes('isar-fetch'))).toBe(true);

      await stop(running);
      await running.done;
      let left = await project.processes();
      for (let i = 0; i < graceSeconds * 10 && left.length > 0; i++) {
        await sleep(100);
        left = await project.processes();
      }
      expect(left).toEqual([]);

      // The next build takes the same archive (the lock of the killed isar-fetch is reclaimed) and leaves no lock.
      const result = await project.bitbake(['-c', 'fetch', name], { timeoutMs: 60_000 });
      expectOk(result);
      const localfile = `container-images/arm64/${proxy.host}.demo.multi_${digest.replace(':', '-')}.zst`;
      expect(existsSync(join(project.dlDir, localfile))).toBe(true);
      expect((await listFiles(project.dlDir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
    }

    it('SIGKILL of every bitbake process: isar-fetch ends too (parent-death signal)', async () => {
      // The harshest stop: UI, server, workers and task processes at once, so no bitbake code runs to clean up;
      // only the kernel can still tell isar-fetch its parent is gone.
      await killMidFetch(
        'img-killed',
        async (running) => {
          const bitbake = (await project.processes()).filter((p) => !p.cmdline.includes('isar-fetch'));
          expect(bitbake.some((p) => p.cmdline.includes('bitbake-server'))).toBe(true);
          running.child.kill('SIGKILL');
          for (const { pid } of bitbake) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // ended already (a task process ends with its worker)
            }
          }
        },
        10,
      );
    });

    it("kill (SIGTERM) of the UI and the server: all ends within bitbake's 30 s idle grace", async () => {
      await killMidFetch(
        'img-terminated',
        async (running) => {
          const server = await project.serverPid();
          expect(server).toBeDefined();
          running.child.kill('SIGTERM');
          if (server) process.kill(server, 'SIGTERM');
        },
        45,
      );
    });
  });
});
