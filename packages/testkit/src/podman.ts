/**
 * podman with a private store (vfs) and private state dirs. `env` carries CONTAINERS_STORAGE_CONF and
 * CONTAINERS_CONF pointing at generated files, so a plain `podman` from PATH (as the loader runs it)
 * uses the same store as `podman()` here, and nothing touches /var/lib/containers or /run/libpod.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unmountBelow } from './mounts.js';
import { type RunOptions, type RunResult, runCommand } from './run-command.js';
import { tmpDir } from './tmp-dir.js';

export const PODMAN = '/usr/bin/podman';

export interface Podman {
  root: string;
  runroot: string;
  /** process.env plus CONTAINERS_STORAGE_CONF / CONTAINERS_CONF / CONTAINERS_REGISTRIES_CONF for the private store. */
  env: NodeJS.ProcessEnv;
  /** Runs podman with explicit --root/--runroot/--storage-driver; resolves with the exit code (no throw). */
  podman(
    args: string[],
    opts?: { input?: NodeJS.ReadableStream | Buffer; signal?: AbortSignal },
  ): Promise<RunResult>;
  /** Removes the store and state dirs. */
  cleanup(): Promise<void>;
}

const toml = (value: string) => JSON.stringify(value); // a JSON string is a valid TOML basic string

export async function createPodman(): Promise<Podman> {
  const work = await tmpDir('isar-podman-');
  const root = join(work.path, 'root');
  const runroot = join(work.path, 'run');
  const tmp = join(work.path, 'tmp');
  await Promise.all([root, runroot, tmp].map((dir) => mkdir(dir, { recursive: true })));

  const storageConf = join(work.path, 'storage.conf');
  await writeFile(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = ${toml(root)}\nrunroot = ${toml(runroot)}\n`,
  );
  const containersConf = join(work.path, 'containers.conf');
  await writeFile(
    containersConf,
    [
      '[engine]',
      `tmp_dir = ${toml(tmp)}`,
      'events_logger = "file"',
      `events_logfile_path = ${toml(join(work.path, 'events.log'))}`,
      'cgroup_manager = "cgroupfs"',
      '',
    ].join('\n'),
  );
  // No search registries: short names must not reach out to the internet during tests.
  const registriesConf = join(work.path, 'registries.conf');
  await writeFile(registriesConf, 'unqualified-search-registries = []\n');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONTAINERS_STORAGE_CONF: storageConf,
    CONTAINERS_CONF: containersConf,
    CONTAINERS_REGISTRIES_CONF: registriesConf,
  };
  return {
    root,
    runroot,
    env,
    podman: (args, opts = {}) => {
      const run: RunOptions = { env, signal: opts.signal };
      if (opts.input !== undefined) run.input = opts.input;
      return runCommand(
        PODMAN,
        ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs', ...args],
        run,
      );
    },
    async cleanup() {
      unmountBelow([work.path]);
      await work.cleanup();
    },
  };
}
