import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

/** End to end: the built bin, spawned as users and bitbake run it. `pnpm build` (turbo's test task) comes first. */
const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(appDir, '..', '..');
const bin = join(appDir, 'dist', 'main.js');

function isarFetch(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.split('\n').filter(Boolean) };
}

const alpine = 'docker://quay.io/libpod/alpine;tag=3.10';

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run "pnpm build" first`);
});

describe('isar-fetch bin', () => {
  it('is an executable node script', () => {
    expect((statSync(bin).mode & 0o111) !== 0).toBe(true);
    expect(spawnSync('head', ['-1', bin], { encoding: 'utf8' }).stdout).toBe('#!/usr/bin/env node\n');
    const direct = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect(direct.stdout).toBe(`${packageJson.version}\n`);
  });

  it.each([
    ['armhf', 'container-images/arm/v7/quay.io.libpod.alpine_3.10.zst'],
    ['arm64', 'container-images/arm64/quay.io.libpod.alpine_3.10.zst'],
    ['ppc64el', 'container-images/ppc64le/quay.io.libpod.alpine_3.10.zst'],
  ])('localpath for %s', (arch, path) => {
    expect(isarFetch('localpath', alpine, '--arch', arch)).toEqual({
      code: 0,
      stdout: `${path}\n`,
      stderr: '',
      lines: [],
    });
  });

  it.each([
    [
      ['localpath', 'docker://quay.io/LibPod/alpine;tag=3.10', '--arch', 'armhf'],
      'must be lowercase: "LibPod"',
    ],
    [['localpath', `${alpine};bogus=1`, '--arch', 'armhf'], 'unknown parameter "bogus"'],
    [['localpath', 'docker://debian;digest=sha256:1234', '--arch', 'armhf'], 'sha256 needs 64 lowercase hex'],
    [
      ['localpath', alpine, '--arch', 'armv7'],
      'unknown Debian architecture "armv7" (supported: amd64, arm64,',
    ],
    [['localpath', alpine], 'missing --arch <debian-arch>'],
    [['localpath'], 'missing <url>'],
    [['pull', alpine], 'unknown command "pull"'],
    [['localpath', alpine, '--arch', 'amd64', '--nope'], 'unknown option "--nope"'],
  ])('%j exits 2 with one line and no stack', (args, message) => {
    const r = isarFetch(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^isar-fetch: /);
    expect(r.lines[0]).toContain(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('--debug adds the stack', () => {
    const r = isarFetch('--debug', 'localpath', 'docker://Debian', '--arch', 'amd64');
    expect(r.code).toBe(2);
    expect(r.lines[0]).toMatch(/^isar-fetch: bad docker:\/\/ URL "docker:\/\/Debian"/);
    expect(r.stderr).toMatch(/^\s+at /m);
  });

  it('--help and --version', () => {
    const help = isarFetch('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('localpath');
    expect(help.stderr).toBe('');
    expect(isarFetch('--version')).toMatchObject({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
    expect(isarFetch()).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('pnpm --silent isar-fetch (from the repo root)', () => {
  const pnpm = (...args: string[]) =>
    spawnSync('pnpm', ['--silent', 'isar-fetch', ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('prints the cache path', () => {
    const r = pnpm('localpath', alpine, '--arch', 'armhf');
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe('container-images/arm/v7/quay.io.libpod.alpine_3.10.zst\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('passes exit code 2 and our one line through', () => {
    const r = pnpm('localpath', alpine, '--arch', 'sparc');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^isar-fetch: unknown Debian architecture "sparc"/);
    // pnpm 12 appends its own "[ELIFECYCLE] Command failed with exit code 2." even with --silent.
    expect(lines.slice(1).every((l) => l.startsWith('[ELIFECYCLE]'))).toBe(true);
  });
});
