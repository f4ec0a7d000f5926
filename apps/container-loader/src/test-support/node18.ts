/**
 * A Node 18 to run the single-file build with, as Debian bookworm (18.20) and Ubuntu noble (18.19) ship it.
 * Test-only. Found, in this order:
 * 1. `CONTAINER_LOADER_NODE18`: a Node 18 binary (a bookworm machine's `/usr/bin/node`, an nvm install...);
 * 2. bookworm's own `nodejs` + `libnode108` packages, fetched once with `apt-get download` (this needs bookworm's
 *    apt sources) and unpacked with `dpkg-deb -x` into the kit cache (`$ISAR_TESTKIT_CACHE` or
 *    `~/.cache/isar-testkit`)/node18-bookworm. Debian's build loads parts of itself (acorn, cjs-module-lexer,
 *    undici) from `/usr/share/nodejs`, a path compiled in; it runs in a private mount namespace
 *    (`unshare -m`, root) whose `/usr/share` is an overlay of the package's over the real one, so nothing of
 *    the machine is changed and the system `node` stays what it is.
 * Otherwise the reason, for the skip message.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '@isar/testkit';

export interface Node18 {
  /** The command and the arguments before the script: `[command, ...prefix, script, ...args]`. */
  readonly command: string;
  readonly prefix: readonly string[];
  /** `v18.x.y`, as the binary reports it. */
  readonly version: string;
  /** Where it came from, for the test's output. */
  readonly origin: string;
}

/** Debian packages the unpacked Node 18 needs beyond what a bookworm base system has. */
const PACKAGES = ['nodejs', 'libnode108', 'libc-ares2', 'node-acorn', 'node-cjs-module-lexer', 'node-undici'];

function cacheRoot(): string {
  return (
    process.env.ISAR_TESTKIT_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'isar-testkit')
  );
}

async function versionOf(command: string, prefix: readonly string[]): Promise<string | undefined> {
  const run = await runCommand(command, [...prefix, '-p', 'process.version']).catch(() => undefined);
  return run?.code === 0 ? run.stdout.trim() : undefined;
}

/** bookworm's 18.x candidate of `libnode108`, if apt knows one. */
async function bookwormCandidate(): Promise<string | undefined> {
  const policy = await runCommand('apt-cache', ['policy', 'libnode108']).catch(() => undefined);
  const candidate = policy?.stdout.match(/Candidate:\s*(18\.\S+)/)?.[1];
  return candidate;
}

async function unpackBookwormNode(dir: string, version: string): Promise<void> {
  await mkdir(join(dir, '..'), { recursive: true });
  const work = await mkdtemp(`${dir}.partial-`);
  try {
    const wanted = PACKAGES.map((name) =>
      name === 'nodejs' || name === 'libnode108' ? `${name}=${version}` : name,
    );
    const download = await runCommand('apt-get', ['download', ...wanted], { cwd: work });
    if (download.code !== 0) throw new Error(`apt-get download failed: ${download.stderr.trim()}`);
    const root = join(work, 'root');
    await mkdir(root);
    for (const deb of (await readdir(work)).filter((name) => name.endsWith('.deb'))) {
      const unpack = await runCommand('dpkg-deb', ['-x', join(work, deb), root]);
      if (unpack.code !== 0) throw new Error(`dpkg-deb -x ${deb} failed: ${unpack.stderr.trim()}`);
    }
    await rename(root, dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The unpacked bookworm Node 18, run in a private mount namespace (see the file comment). */
async function bookwormNode(): Promise<Node18 | string> {
  if (process.getuid?.() !== 0)
    return 'not root: cannot give the unpacked Debian Node 18 its /usr/share/nodejs';
  const dir = join(cacheRoot(), 'node18-bookworm');
  if (!existsSync(join(dir, 'usr/bin/node'))) {
    const version = await bookwormCandidate();
    if (!version) return 'apt knows no bookworm libnode108 18.x (not a Debian bookworm machine)';
    try {
      await unpackBookwormNode(dir, version);
    } catch (error) {
      return `cannot fetch bookworm's nodejs ${version}: ${(error as Error).message}`;
    }
  }
  const libDir = (await readdir(join(dir, 'usr/lib'))).find((name) => name.endsWith('-linux-gnu'));
  if (!libDir) return `${dir}: no usr/lib/<multiarch> directory`;
  const script =
    'mount -t overlay overlay -o "lowerdir=$0/usr/share:/usr/share" /usr/share && ' +
    `LD_LIBRARY_PATH="$0/usr/lib/${libDir}" exec "$0/usr/bin/node" "$@"`;
  const prefix = ['-m', 'sh', '-c', script, dir];
  const version = await versionOf('unshare', prefix);
  if (!version?.startsWith('v18.'))
    return `the unpacked bookworm Node in ${dir} does not run (${version ?? 'no version'})`;
  return { command: 'unshare', prefix, version, origin: `Debian bookworm nodejs (unpacked in ${dir})` };
}

/** A Node 18, or why there is none. */
export async function findNode18(): Promise<Node18 | string> {
  const given = process.env.CONTAINER_LOADER_NODE18;
  if (given) {
    const version = await versionOf(given, []);
    if (!version?.startsWith('v18.'))
      return `CONTAINER_LOADER_NODE18=${given} is not a Node 18 (${version ?? 'does not run'})`;
    return { command: given, prefix: [], version, origin: `CONTAINER_LOADER_NODE18=${given}` };
  }
  return bookwormNode();
}
