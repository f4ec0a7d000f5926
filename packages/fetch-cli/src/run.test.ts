import { FetchCoreError } from '@isar/fetch-core';
import { describe, expect, it } from 'vitest';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { CliError } from './errors/cli-error.js';
import { DEFAULT_PROGRAM, run } from './run.js';
import { VERSION } from './version.js';

async function cli(argv: string[], commands?: readonly Command[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const code = await run(argv, io, commands ? { commands } : {});
  return { code, stdout, stderr, stderrLines: stderr.split('\n').filter((l) => l !== '') };
}

const alpine = 'docker://quay.io/libpod/alpine;tag=3.10';

describe('localpath', () => {
  it.each([
    ['armhf', 'container-images/arm/v7/quay.io.libpod.alpine_3.10.zst'],
    ['armel', 'container-images/arm/v6/quay.io.libpod.alpine_3.10.zst'],
    ['amd64', 'container-images/amd64/quay.io.libpod.alpine_3.10.zst'],
    ['i386', 'container-images/386/quay.io.libpod.alpine_3.10.zst'],
  ])('prints the cache path for %s', async (arch, path) => {
    expect(await cli(['localpath', alpine, '--arch', arch])).toEqual({
      code: 0,
      stdout: `${path}\n`,
      stderr: '',
      stderrLines: [],
    });
  });

  it('accepts --arch=x before the URL and a digest', async () => {
    const digest = `sha256:${'1'.repeat(64)}`;
    const r = await cli(['localpath', '--arch=arm64', `docker://debian;tag=12;digest=${digest}`]);
    expect(r.stdout).toBe(`container-images/arm64/debian_sha256-${'1'.repeat(64)}.zst\n`);
  });

  it.each([
    [['localpath', 'docker://Debian', '--arch', 'amd64'], 'must be lowercase: "Debian"'],
    [['localpath', 'docker://debian;foo=1', '--arch', 'amd64'], 'unknown parameter "foo"'],
    [['localpath', 'http://debian', '--arch', 'amd64'], 'unsupported scheme "http"'],
    [
      ['localpath', alpine, '--arch', 'x86_64'],
      'unknown Debian architecture "x86_64" (supported: amd64, arm64,',
    ],
    [
      ['localpath', alpine],
      'localpath: missing --arch <debian-arch>; usage: isar-fetch localpath <url> --arch',
    ],
    [['localpath', '--arch', 'amd64'], 'localpath: missing <url>'],
    [['localpath', alpine, 'extra', '--arch', 'amd64'], 'unexpected argument "extra"'],
    [['localpath', alpine, '--arch'], 'option "--arch" needs a value'],
    [['localpath', alpine, '--arch', 'amd64', '--bogus'], 'unknown option "--bogus"'],
    [['localpath', alpine, '--arch', 'amd64', '-x'], 'unknown option "-x"'],
    [['fetchh', alpine], `unknown command "fetchh" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`],
    [['--arch', 'amd64', 'localpath', alpine], 'unknown option "--arch" before the command'],
  ])('%j exits 2 with one line', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(/^isar-fetch: /);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('never prints credentials', async () => {
    const r = await cli(['localpath', 'docker://me:s3cret@quay.io/x', '--arch', 'amd64']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('s3cret');
    expect(r.stderr).toContain('docker://***@quay.io/x');
  });

  it.each([['localpath'], ['fetch'], ['resolve']])(
    "%s: bitbake's ;user=;pswd= parameters are refused (exit 2), the password never printed, not even with --debug",
    async (command) => {
      const url = 'docker://quay.io/x;tag=1;user=bob;pswd=s3cret-pw';
      const rest =
        command === 'resolve'
          ? []
          : ['--arch', 'amd64', ...(command === 'fetch' ? ['--dl-dir', '/nonexistent'] : [])];
      const extra = command === 'localpath' ? [] : [['--json']];
      for (const debug of [[], ['--debug'], ...extra]) {
        const r = await cli([command, url, ...rest, ...debug]);
        expect(r.code).toBe(2);
        expect(r.stdout + r.stderr).not.toContain('s3cret');
        expect(r.stderrLines[0]).toBe(
          'isar-fetch: bad docker:// URL "docker://quay.io/x;tag=1;user=bob;pswd=***": parameter "user": ' +
            'credentials as URL parameters are not supported (a SRC_URI is printed in logs and kept in task ' +
            'signatures); put them in an auth file: CONTAINER_AUTH_FILE, --auth-file',
        );
      }
    },
  );

  it('an empty repository after a registry (docker://quay.io/;tag=1) is refused, not read as image "quay.io"', async () => {
    const r = await cli(['localpath', 'docker://quay.io/;tag=1', '--arch', 'amd64']);
    expect(r.code).toBe(2);
    expect(r.stderrLines).toEqual([
      'isar-fetch: bad docker:// URL "docker://quay.io/;tag=1": no repository after the registry "quay.io": ' +
        'write docker://quay.io/<repository>',
    ]);
  });
});

describe('help, version, debug', () => {
  it('--help lists the commands on stdout', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: isar-fetch <command> [options]');
    for (const c of COMMANDS) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`  ${c.name} `));
      expect(line).toContain(c.summary);
    }
    expect(r.stderr).toBe('');
  });

  it('no arguments: help on stderr, exit 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Commands:');
  });

  it.each([[['localpath', '--help']], [['--help', 'localpath']], [['localpath', '-h', 'not-parsed']]])(
    '%j prints the command help',
    async (argv) => {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: isar-fetch localpath <url> --arch <debian-arch> [options]');
      expect(r.stdout).toContain('--arch <debian-arch>');
      expect(r.stdout).toContain('<url>');
    },
  );

  it.each([[['--version']], [['-V']], [['localpath', '--version']]])(
    '%j prints the version',
    async (argv) => {
      const r = await cli(argv);
      expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
      expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    },
  );

  it('--debug adds the stack after the one line', async () => {
    const r = await cli(['--debug', 'localpath', 'docker://Debian', '--arch', 'amd64']);
    expect(r.code).toBe(2);
    expect(r.stderrLines[0]).toMatch(/^isar-fetch: bad docker:\/\/ URL/);
    expect(r.stderrLines.length).toBeGreaterThan(2);
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(r.stderr).toContain('caused by:');
    expect(r.stderr).toContain('InvalidReferenceError');
  });
});

describe('error -> exit code (failures injected through a test command)', () => {
  const failing = (error: unknown): Command => ({
    name: 'boom',
    summary: 'fails',
    positionals: [],
    options: {},
    run: async () => {
      throw error;
    },
  });
  const abort = new Error('aborted');
  abort.name = 'AbortError';
  const hinted = Object.assign(new Error('401 Unauthorized\nfrom quay.io'), {
    name: 'RegistryError',
    code: 'AUTH_REQUIRED',
    hint: 'pass --auth-file',
  });

  it.each([
    [new FetchCoreError('MISSING_CHECKSUM', 'Missing checksum'), 1, ['isar-fetch: Missing checksum']],
    [new FetchCoreError('CHECKSUM_MISMATCH', 'mismatch'), 1, ['isar-fetch: mismatch']],
    [new FetchCoreError('UNKNOWN_ARCH', 'unknown arch'), 2, ['isar-fetch: unknown arch']],
    [new CliError('USAGE', 'bad'), 2, ['isar-fetch: bad']],
    [
      Object.assign(new Error('bad ref'), { name: 'InvalidReferenceError', code: 'REFERENCE_EMPTY' }),
      2,
      null,
    ],
    [Object.assign(new Error('bad digest'), { name: 'OciSpecError', code: 'INVALID_DIGEST' }), 2, null],
    [Object.assign(new Error('no arm64'), { name: 'OciSpecError', code: 'NO_MATCHING_PLATFORM' }), 1, null],
    [hinted, 1, ['isar-fetch: 401 Unauthorized from quay.io', 'isar-fetch: hint: pass --auth-file']],
    [new Error('GET https://u:pw@r.io/v2/ failed'), 1, ['isar-fetch: GET https://***@r.io/v2/ failed']],
    // Not interrupted (no signal was aborted): the abort echoes another failure, exit 1 (see interrupt.test.ts).
    [abort, 1, ['isar-fetch: aborted']],
    ['a string', 1, ['isar-fetch: a string']],
  ] as const)('%s -> %i', async (error, code, lines) => {
    const r = await cli(['boom'], [failing(error)]);
    expect(r.code).toBe(code);
    if (lines) expect(r.stderrLines).toEqual(lines);
    expect(r.stdout).toBe('');
  });

  it('a command returning nothing exits 0; its own code is kept', async () => {
    const quiet: Command = { name: 'q', summary: '', positionals: [], options: {}, run: () => undefined };
    const three: Command = { name: 't', summary: '', positionals: [], options: {}, run: async () => 3 };
    expect((await cli(['q'], [quiet])).code).toBe(0);
    expect((await cli(['t'], [three])).code).toBe(3);
  });

  it('names the program in messages', () => {
    expect(DEFAULT_PROGRAM.name).toBe('isar-fetch');
  });
});
