/**
 * Child processes and temp dirs started by the kit. Every long-running child (registry, dockerd) is
 * tracked here so a crashing test run never leaves a server behind: on process exit (and on SIGINT /
 * SIGTERM) the survivors are killed and the tracked temp dirs removed.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
const exitCleanups = new Set<() => void>();
let hooksInstalled = false;

function killSurvivors(): void {
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // keep going: the remaining children must still be killed
    }
  }
  exitCleanups.clear();
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  liveChildren.clear();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: a busy mount point must not hide the real test failure
    }
  }
  liveDirs.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', killSurvivors);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killSurvivors();
      // Re-raise so the default behaviour (exit with the signal) still happens.
      process.kill(process.pid, signal);
    });
  }
}

/** Spawns a long-running child that is killed when this process exits. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  installExitHooks();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  // spawn errors (ENOENT) are reported through waitForExit / the caller's readiness check
  child.once('error', () => liveChildren.delete(child));
  return child;
}

/** Removes a directory on process exit unless it was released earlier. */
export function trackDir(dir: string): void {
  installExitHooks();
  liveDirs.add(dir);
}

export function untrackDir(dir: string): void {
  liveDirs.delete(dir);
}

/**
 * Registers a synchronous cleanup to run on process exit (before survivors are killed), for things a
 * SIGKILL of the tracked child does not cover (dockerd's containerd, mounts). Returns an unregister.
 */
export function onProcessExit(cleanup: () => void): () => void {
  installExitHooks();
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

/** Resolves when the child has exited (immediately when it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = waitForExit(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
