/** Running programs inside the consumer project, where only the installed tarballs resolve. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type RunResult, runCommand } from '@isar/testkit';
import { consumerEnv } from './consumer-project.js';

export interface EvalOptions {
  /** `commonjs` runs the code as a CommonJS script (`require` available). */
  readonly type?: 'module' | 'commonjs';
  /** Extra node flags, e.g. `--no-experimental-require-module`. */
  readonly flags?: readonly string[];
}

/** `node -e <code>` with the project as working directory. */
export function nodeEval(projectDir: string, code: string, options: EvalOptions = {}): Promise<RunResult> {
  const type = options.type ?? 'module';
  return runCommand('node', [...(options.flags ?? []), `--input-type=${type}`, '-e', code], {
    cwd: projectDir,
    env: consumerEnv(),
  });
}

/** Runs `node -e` and parses the JSON it printed on its last stdout line; throws with stderr on failure. */
export async function nodeJson<T>(projectDir: string, code: string, options: EvalOptions = {}): Promise<T> {
  const result = await nodeEval(projectDir, code, options);
  if (result.code !== 0) throw new Error(`node exited with ${result.code}: ${result.stderr}`);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

/** The directory of an installed package in the consumer project (top-level, as npm hoists our tarballs). */
export function installedDir(projectDir: string, name: string): string {
  return join(projectDir, 'node_modules', name);
}

/**
 * Where Node would find `name` from inside `fromDir`: the nearest `node_modules/<name>` walking up, stopping at
 * the project (the workspace above must not count).
 */
export async function findInstalled(fromDir: string, name: string, projectDir: string): Promise<string> {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    try {
      if ((await stat(join(candidate, 'package.json'))).isFile()) return candidate;
    } catch {
      // not here; go up
    }
    if (dir === projectDir || relative(projectDir, dir).startsWith('..')) break;
    dir = join(dir, '..');
  }
  throw new Error(`${name} is not installed where ${fromDir} could find it`);
}

/** Files under `dir`, relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

export interface PackageManifest {
  name: string;
  version: string;
  type?: string;
  main?: string;
  module?: string;
  types?: string;
  exports?: unknown;
  bin?: string | Record<string, string>;
  files?: string[];
  sideEffects?: boolean | string[];
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export async function readManifest(dir: string): Promise<PackageManifest> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageManifest;
}
