import { describe, expect, it } from 'vitest';
import { cli } from './cli-process.js';

/**
 * Every bad input exits 2 with one readable line on stderr and nothing on stdout, before any network: the URL
 * names a closed port, so a request would turn into a registry failure (exit 1) instead.
 */
const url = 'docker://127.0.0.1:9/demo/busybox;tag=1';
const fetch = (...args: string[]) => ['fetch', url, '--dl-dir', '/tmp/isar-fetch-never', ...args];

interface BadInput {
  name: string;
  args: readonly string[];
  message: string;
  env?: Record<string, string>;
}

const CASES: readonly BadInput[] = [
  { name: 'no command', args: [], message: 'Usage: isar-fetch <command>' },
  { name: 'unknown command', args: ['pull', url], message: 'unknown command "pull"' },
  {
    name: 'upper-case name',
    args: ['fetch', 'docker://Debian', '--dl-dir', 'x', '--arch', 'amd64'],
    message: 'must be lowercase',
  },
  {
    name: 'other scheme',
    args: ['fetch', 'https://debian', '--dl-dir', 'x', '--arch', 'amd64'],
    message: 'unsupported scheme "https"',
  },
  {
    name: 'unknown parameter',
    args: ['fetch', `${url};branch=x`, '--dl-dir', 'x', '--arch', 'amd64'],
    message: 'unknown parameter',
  },
  {
    name: 'short digest',
    args: ['fetch', `${url};digest=sha256:abc`, '--dl-dir', 'x', '--arch', 'amd64'],
    message: 'sha256',
  },
  {
    name: 'bad tag',
    args: ['fetch', 'docker://debian;tag=-x', '--dl-dir', 'x', '--arch', 'amd64'],
    message: 'invalid tag "-x"',
  },
  {
    name: 'credentials in the URL',
    args: ['fetch', 'docker://u:pw@h/x', '--dl-dir', 'x', '--arch', 'amd64'],
    message: 'credentials',
  },
  { name: 'unknown arch', args: fetch('--arch', 'sparc'), message: 'unknown Debian architecture "sparc"' },
  { name: 'missing --arch', args: fetch(), message: 'missing --arch <debian-arch>' },
  { name: 'missing --dl-dir', args: ['fetch', url, '--arch', 'amd64'], message: 'missing --dl-dir <dir>' },
  { name: 'missing url', args: ['fetch', '--dl-dir', 'x', '--arch', 'amd64'], message: 'missing <url>' },
  {
    name: 'extra argument',
    args: [...fetch('--arch', 'amd64'), 'more'],
    message: 'unexpected argument "more"',
  },
  { name: 'unknown option', args: fetch('--arch', 'amd64', '--fast'), message: 'unknown option "--fast"' },
  { name: 'option without value', args: fetch('--arch'), message: 'option "--arch" needs a value' },
  {
    name: 'unknown format',
    args: fetch('--arch', 'amd64', '--format', 'tar'),
    message: '--format must be docker-archive or oci',
  },
  {
    name: 'zstd level not a number',
    args: fetch('--arch', 'amd64', '--zstd-level', 'max'),
    message: 'needs a whole number',
  },
  {
    name: 'zstd level out of range',
    args: fetch('--arch', 'amd64', '--zstd-level', '23'),
    message: 'zstd level must be',
  },
  {
    name: 'zstd threads out of range',
    args: fetch('--arch', 'amd64', '--zstd-threads=0'),
    message: 'zstd threads must be',
  },
  {
    name: 'bad checksum policy',
    args: fetch('--arch', 'amd64', '--strict-checksum', '2'),
    message: 'invalid checksum policy "2"',
  },
  {
    name: 'bad ZSTD_DEFAULTS',
    args: fetch('--arch', 'amd64'),
    message: 'ZSTD_DEFAULTS: -T needs',
    env: { ZSTD_DEFAULTS: '-T x' },
  },
  {
    name: 'unpack without --workdir',
    args: ['unpack', url, '--dl-dir', 'x', '--arch', 'amd64'],
    message: 'missing --workdir',
  },
  {
    name: 'resolve with a bad arch',
    args: ['resolve', url, '--arch', 'armv7'],
    message: 'unknown Debian architecture "armv7"',
  },
  {
    name: 'verify a missing file',
    args: ['verify', '/nonexistent/x.zst'],
    message: 'verify: no such file: /nonexistent/x.zst',
  },
  {
    name: 'localpath with a path in the tag',
    args: ['localpath', 'docker://x;tag=a/b', '--arch', 'amd64'],
    message: 'invalid tag',
  },
];

describe('bad input', () => {
  it.each(CASES)('$name: exit 2, one line, no stack', async ({ args, message, env }) => {
    const r = await cli(args, env ? { env } : {});
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    if (args.length > 0) expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/^(isar-fetch: |Usage: )/);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('pw@');
  });

  it.each(CASES.filter(({ args }) => ['fetch', 'resolve', 'verify'].includes(args[0] ?? '')))(
    '$name with --json: also one JSON error object on stdout',
    async ({ args, env }) => {
      const r = await cli([...args, '--json'], env ? { env } : {});
      expect(r.code).toBe(2);
      const { error } = JSON.parse(r.stdout);
      expect(error).toMatchObject({ exitCode: 2, code: expect.stringMatching(/^[A-Z_]+$/) });
      expect(error.message).not.toContain('\n');
    },
  );
});
