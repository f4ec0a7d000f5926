import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BuiltImage,
  buildImage,
  pushImage,
  type Registry,
  startRegistry,
  type TmpDir,
  tmpDir,
} from '@isar/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../run.js';

/** The commands run in-process (as the bin runs them) against a real registry. */
let registry: Registry;
let image: BuiltImage;
let repo: string;
let indexDigest: string;
let work: TmpDir;

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: work.path,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, lines: stderr.split('\n').filter(Boolean) };
}

beforeAll(async () => {
  registry = await startRegistry();
  image = await buildImage({ platforms: ['linux/amd64', 'linux/arm/v7'], layers: [0, 1_000_000] });
  repo = `${registry.host}/demo/busybox`;
  indexDigest = (await pushImage(image, `${repo}:1`)).digest;
});
afterAll(async () => {
  await registry?.stop();
});
beforeEach(async () => {
  work = await tmpDir('fetch-cli-');
});
afterEach(async () => {
  await work.cleanup();
});

const url = () => `docker://${repo};tag=1`;
const localName = () => repo.replaceAll('/', '.');

describe('fetch', () => {
  it('prints the absolute archive path; the warning and milestones go to stderr', async () => {
    const r = await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'armhf']);
    expect(r.code).toBe(0);
    const path = join(work.path, 'dl', `container-images/arm/v7/${localName()}_1.zst`);
    expect(r.stdout).toBe(`${path}\n`);
    expect((await stat(path)).size).toBeGreaterThan(0);
    expect(r.lines[0]).toBe(
      `isar-fetch: warning: Missing checksum for '${url()}', consider using this SRC_URI in the recipe: SRC_URI = "${url()};digest=${indexDigest}"`,
    );
    expect(r.lines).toContain(`isar-fetch: resolved ${repo}:1@${indexDigest}`);
    expect(r.lines.at(-1)).toMatch(/^isar-fetch: wrote .*_1\.zst \(/);
  });

  it('an SBOM that cannot be made is one warning line, even with --quiet; the fetch succeeds', async () => {
    const path = join(work.path, 'dl', `container-images/amd64/${localName()}_1.zst`);
    await mkdir(join(`${path}.cdx.json`, 'in-the-way'), { recursive: true });
    const r = await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path}\n`);
    const warnings = r.lines.filter((line) => line.includes('no SBOM'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`^isar-fetch: warning: no SBOM ${path.replaceAll('.', '\\.')}\\.cdx\\.json: `),
    );
  });

  it('--json --quiet (as bitbake runs it): the SBOM warning is in the result, stderr stays empty', async () => {
    const path = join(work.path, 'dl', `container-images/amd64/${localName()}_1.zst`);
    await mkdir(join(`${path}.cdx.json`, 'in-the-way'), { recursive: true });
    const r = await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--json', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([]);
    const result = JSON.parse(r.stdout);
    expect(result.path).toBe(path);
    expect(result.sbomWarning).toMatch(new RegExp(`^no SBOM ${path.replaceAll('.', '\\.')}\\.cdx\\.json: `));
  });

  it('--json: one object on stdout, events as JSON lines on stderr', async () => {
    const r = await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    const amd64 = image.manifests.find((m) => m.platform === 'linux/amd64');
    expect(result).toMatchObject({
      path: join(work.path, 'dl', `container-images/amd64/${localName()}_1.zst`),
      reference: `${repo}:1@${indexDigest}`,
      indexDigest,
      manifestDigest: amd64?.digest,
      platform: 'linux/amd64',
      format: 'docker-archive',
      cacheHit: false,
      bytesDownloaded: amd64?.layers.reduce((s, l) => s + l.size, 0),
      bytesFromCache: 0,
      warning: expect.stringMatching(/^Missing checksum for/),
      srcUri: `SRC_URI = "${url()};digest=${indexDigest}"`,
    });
    expect(typeof result.seconds).toBe('number');
    const events = r.lines.map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toContain('published');
    // A pinned repeat is a hit.
    const again = await cli([
      'fetch',
      `docker://${repo};digest=${indexDigest}`,
      '--dl-dir',
      'dl',
      '--arch',
      'amd64',
      '--json',
      '--quiet',
    ]);
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ indexDigest, cacheHit: false });
    const hit = await cli([
      'fetch',
      `docker://${repo};digest=${indexDigest}`,
      '--dl-dir',
      'dl',
      '--arch',
      'amd64',
      '--json',
    ]);
    expect(JSON.parse(hit.stdout)).toMatchObject({ indexDigest, cacheHit: true, bytesDownloaded: 0 });
    expect(JSON.parse(hit.stdout).warning).toBeUndefined();
  });

  it('BB_STRICT_CHECKSUM=1 from the environment: exit 1, JSON error CHECKSUM_MISSING with the SRC_URI line', async () => {
    const r = await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--json', '--quiet'], {
      BB_STRICT_CHECKSUM: '1',
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'CHECKSUM_MISSING',
        message: expect.stringContaining(`Missing checksum for '${url()}'`),
        srcUri: `SRC_URI = "${url()};digest=${indexDigest}"`,
        exitCode: 1,
      },
    });
    expect(r.lines).toHaveLength(1);
    // The flag wins over the environment.
    const lenient = await cli(
      ['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--quiet', '--strict-checksum', 'ignore'],
      {
        BB_STRICT_CHECKSUM: '1',
      },
    );
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toBe('');
  });

  it('a tag that moved: exit 1, CHECKSUM_MISMATCH naming both digests', async () => {
    const stale = `sha256:${'0'.repeat(64)}`;
    const r = await cli(['fetch', `${url()};digest=${stale}`, '--dl-dir', 'dl', '--arch', 'amd64', '--json']);
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout);
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toContain(stale);
    expect(error.message).toContain(indexDigest);
    expect(error.srcUri).toBe(`SRC_URI = "${url()};digest=${indexDigest}"`);
  });

  it('zstd level: flags, then ZSTD_DEFAULTS, then the default; output is deterministic', async () => {
    const fetchInto = async (dl: string, args: string[], env: Record<string, string> = {}) => {
      const r = await cli(['fetch', url(), '--dl-dir', dl, '--arch', 'amd64', '--quiet', ...args], env);
      expect(r.code).toBe(0);
      return readFile(r.stdout.trim());
    };
    const fast = await fetchInto('a', ['--zstd-level', '1', '--zstd-threads', '1']);
    const strong = await fetchInto('b', [], { ZSTD_DEFAULTS: '--rsyncable -19 --threads=2' });
    const flagWins = await fetchInto('c', ['--zstd-level', '1'], { ZSTD_DEFAULTS: '-19 -T1' });
    expect(strong.length).toBeLessThan(fast.length);
    expect(flagWins.equals(fast)).toBe(true);
  });

  it('--no-blob-cache keeps no blobs; --blob-cache-dir puts them elsewhere', async () => {
    expect(
      (await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--quiet', '--no-blob-cache'])).code,
    ).toBe(0);
    await expect(stat(join(work.path, 'dl/container-images/blobs'))).rejects.toThrow();
    const r = await cli([
      'fetch',
      url(),
      '--dl-dir',
      'dl2',
      '--arch',
      'amd64',
      '--quiet',
      '--blob-cache-dir',
      'shared',
    ]);
    expect(r.code).toBe(0);
    expect((await stat(join(work.path, 'shared/sha256'))).isDirectory()).toBe(true);
  });

  it('a registry failure exits 1 with one line (and the JSON error code)', async () => {
    const r = await cli([
      'fetch',
      `docker://${repo}-missing;tag=1`,
      '--dl-dir',
      'dl',
      '--arch',
      'amd64',
      '--json',
      '--quiet',
    ]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(JSON.parse(r.stdout).error.code).toBe('NOT_FOUND');
  });

  it.each([
    [['--format', 'tar'], '--format must be docker-archive or oci, got "tar"', 'USAGE'],
    [['--zstd-level', 'x'], '--zstd-level needs a whole number, got "x"', 'USAGE'],
    [['--zstd-level', '40'], 'zstd level must be an integer from 1 to 22, got 40', 'INVALID_OPTION'],
    [['--zstd-threads', '0'], 'zstd threads must be an integer from 1 to 200, got 0', 'INVALID_OPTION'],
    [['--strict-checksum', 'yes'], 'invalid checksum policy "yes"', 'INVALID_POLICY'],
    [
      ['--no-blob-cache', '--blob-cache-dir', 'x'],
      '--no-blob-cache and --blob-cache-dir exclude each other',
      'USAGE',
    ],
    [['--arch', 'sparc'], 'unknown Debian architecture "sparc"', 'UNKNOWN_ARCH'],
  ])('%j exits 2 with one line, and a JSON error with --json', async (args, message, code) => {
    const argv = [
      'fetch',
      url(),
      '--dl-dir',
      'dl',
      ...(args.includes('--arch') ? [] : ['--arch', 'amd64']),
      ...args,
    ];
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain(message);
    expect(r.stdout).toBe('');
    const json = await cli([...argv, '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code, exitCode: 2 });
  });

  it('a malformed ZSTD_DEFAULTS is a usage error naming it', async () => {
    const r = await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64'], {
      ZSTD_DEFAULTS: '--threads=many',
    });
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      'isar-fetch: ZSTD_DEFAULTS: --threads needs a whole number, got "many" in "--threads=many"',
    ]);
  });
});

describe('unpack, resolve, verify', () => {
  it('unpack prints the WORKDIR path; before a fetch it fails with a hint', async () => {
    const before = await cli(['unpack', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--workdir', 'wd']);
    expect(before.code).toBe(1);
    expect(before.lines).toHaveLength(2);
    expect(before.lines[1]).toMatch(/^isar-fetch: hint: run "isar-fetch fetch"/);
    await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--quiet']);
    const r = await cli(['unpack', url(), '--dl-dir', 'dl', '--arch', 'amd64', '--workdir', 'wd']);
    expect(r).toMatchObject({
      code: 0,
      stdout: `${join(work.path, 'wd', `${localName()}:1.zst`)}\n`,
      stderr: '',
    });
    // The global flags, as fetch takes them (issue 15: unpack refused --quiet as an unknown option).
    const quiet = await cli([
      'unpack',
      url(),
      '--dl-dir',
      'dl',
      '--arch',
      'amd64',
      '--workdir',
      'wd',
      '--quiet',
    ]);
    expect(quiet).toMatchObject({ code: 0, stdout: r.stdout, stderr: '' });
    const json = await cli([
      '--json',
      'unpack',
      url(),
      '--dl-dir',
      'dl',
      '--arch',
      'amd64',
      '--workdir',
      'wd',
      '-q',
    ]);
    expect(json).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toEqual({
      path: join(work.path, 'wd', `${localName()}:1.zst`),
      sbom: join(work.path, 'wd', `${localName()}:1.cdx.json`),
    });
    // From a DL_DIR whose archive has no SBOM: none placed, and the earlier unpack's is gone.
    await cli(['fetch', url(), '--dl-dir', 'dl-bare', '--arch', 'amd64', '--quiet', '--no-sbom']);
    const bare = await cli([
      'unpack',
      url(),
      '--dl-dir',
      'dl-bare',
      '--arch',
      'amd64',
      '--workdir',
      'wd',
      '--json',
    ]);
    expect(JSON.parse(bare.stdout)).toEqual({
      path: join(work.path, 'wd', `${localName()}:1.zst`),
      sbom: null,
    });
    await expect(stat(join(work.path, 'wd', `${localName()}:1.cdx.json`))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('resolve prints the digest and the SRC_URI line; with --arch the platform manifest', async () => {
    const r = await cli(['resolve', url()]);
    expect(r.stdout).toBe(`${indexDigest}\nSRC_URI = "${url()};digest=${indexDigest}"\n`);
    const armv7 = image.manifests.find((m) => m.platform === 'linux/arm/v7');
    const withArch = await cli(['resolve', url(), '--arch', 'armhf']);
    expect(withArch.stdout.split('\n')[2]).toBe(`${armv7?.digest} linux/arm/v7`);
    const json = await cli(['resolve', url(), '--arch', 'armhf', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      reference: `${repo}:1`,
      indexDigest,
      srcUri: `SRC_URI = "${url()};digest=${indexDigest}"`,
      manifestDigest: armv7?.digest,
      platform: 'linux/arm/v7',
    });
  });

  it('verify says what an archive holds; a damaged one exits 1, a missing one 2', async () => {
    const fetched = await cli(['fetch', url(), '--dl-dir', 'dl', '--arch', 'armhf', '--quiet']);
    const path = fetched.stdout.trim();
    const ok = await cli(['verify', path]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/: OK, docker-archive \(zstd\), 1 image, /);
    expect(ok.stdout).toContain(`${repo}:1 linux/arm/v7: 2 layers`);
    expect(ok.stdout).toContain('verified 2 by diff_id');
    const bytes = await readFile(path);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8((bytes.readUInt8(middle) ^ 0xff) & 0xff, middle);
    await writeFile(join(work.path, 'bad.zst'), bytes);
    const bad = await cli(['verify', 'bad.zst']);
    expect(bad.code).toBe(1);
    expect(bad.lines).toHaveLength(1);
    const missing = await cli(['verify', 'nope.zst']);
    expect(missing).toMatchObject({
      code: 2,
      lines: [`isar-fetch: verify: no such file: ${join(work.path, 'nope.zst')}`],
    });
  });
});
