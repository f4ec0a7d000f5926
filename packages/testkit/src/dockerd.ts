/**
 * A private Docker engine (Debian's dockerd 20.10) for end-to-end tests: vfs storage, no bridge, no
 * iptables, its own data root, exec root and socket. Nothing touches a system-wide docker.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unmountBelow } from './mounts.js';
import { onProcessExit, spawnTracked, stopChild, trackDir, untrackDir } from './processes.js';
import { type RunOptions, type RunResult, runCommand } from './run-command.js';
import { tmpDir } from './tmp-dir.js';

export const DOCKERD = '/usr/sbin/dockerd';
/** Debian's client, matching the 20.10 engine (not whatever /usr/local/bin/docker is). */
export const DOCKER = '/usr/bin/docker';

export interface Dockerd {
  /** 'unix:///tmp/.../docker.sock' */
  host: string;
  /** process.env plus DOCKER_HOST and a private DOCKER_CONFIG: hand it to anything that runs docker. */
  env: NodeJS.ProcessEnv;
  dataRoot: string;
  logFile: string;
  /** Runs /usr/bin/docker against this engine; resolves with the exit code (no throw). */
  docker(
    args: string[],
    opts?: { input?: NodeJS.ReadableStream | Buffer; signal?: AbortSignal },
  ): Promise<RunResult>;
  /** Stops the engine (and its containerd), unmounts and removes its dirs. */
  stop(): Promise<void>;
}

function ping(socketPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

function killPidFile(file: string): void {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // no such file or process: nothing to do
  }
}

export async function startDockerd(
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<Dockerd> {
  const { signal } = options;
  const work = await tmpDir('isar-dockerd-');
  // containerd's sockets live under the exec root; unix socket paths must stay under 108 bytes
  const execRoot = await mkdtemp('/tmp/dx-');
  trackDir(execRoot);
  const dataRoot = join(work.path, 'data');
  const socket = join(work.path, 'docker.sock');
  const logFile = join(work.path, 'dockerd.log');
  const containerdPidFile = join(execRoot, 'containerd', 'containerd.pid');
  await mkdir(join(work.path, 'config'));
  const host = `unix://${socket}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DOCKER_HOST: host,
    DOCKER_CONFIG: join(work.path, 'config'),
  };

  const logFd = openSync(logFile, 'a');
  const child = spawnTracked(
    DOCKERD,
    [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      '--data-root',
      dataRoot,
      '--exec-root',
      execRoot,
      '-H',
      host,
      '--pidfile',
      join(work.path, 'docker.pid'),
    ],
    { stdio: ['ignore', logFd, logFd], env: { ...process.env, DOCKER_HOST: undefined } },
  );
  closeSync(logFd);
  // A SIGKILLed dockerd leaves containerd and mounts behind: clean those up on a crash too.
  const unregister = onProcessExit(() => {
    child.kill('SIGKILL');
    killPidFile(containerdPidFile);
    unmountBelow([dataRoot, execRoot]);
  });

  const cleanup = async () => {
    await stopChild(child, 15_000);
    killPidFile(containerdPidFile);
    unmountBelow([dataRoot, execRoot]);
    unregister();
    untrackDir(execRoot);
    await rm(execRoot, { recursive: true, force: true, maxRetries: 3 });
    await work.cleanup();
  };

  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    for (;;) {
      signal?.throwIfAborted();
      if (spawnError) throw new Error(`${DOCKERD} could not be started: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `dockerd exited (${child.exitCode ?? child.signalCode}): ${readFileSync(logFile, 'utf8').slice(-3000)}`,
        );
      }
      if ((await ping(socket)) === 200) break;
      if (Date.now() > deadline)
        throw new Error(`dockerd not ready: ${readFileSync(logFile, 'utf8').slice(-3000)}`);
      await sleep(100, undefined, { signal });
    }
  } catch (error) {
    await cleanup();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    host,
    env,
    dataRoot,
    logFile,
    docker: (args, opts = {}) => {
      const run: RunOptions = { env, signal: opts.signal };
      if (opts.input !== undefined) run.input = opts.input;
      return runCommand(DOCKER, args, run);
    },
    stop() {
      stopped ??= (async () => {
        // containers first, so dockerd's shutdown does not wait on them
        const ps = await runCommand(DOCKER, ['ps', '-aq'], { env });
        const ids = ps.stdout.split('\n').filter(Boolean);
        if (ids.length > 0) await runCommand(DOCKER, ['rm', '-f', ...ids], { env });
        await cleanup();
      })();
      return stopped;
    },
  };
}
