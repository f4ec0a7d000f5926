import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildImage, pushImage, type Registry, startRegistry, type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run.js';

/** The registry options of the command line, against a registry that wants a password (htpasswd). */
let registry: Registry;
let work: TmpDir;
let repo: string;

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOME: work.path, ...env },
    cwd: work.path,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, lines: stderr.split('\n').filter(Boolean) };
}

beforeAll(async () => {
  [registry, work] = await Promise.all([
    startRegistry({ auth: { type: 'htpasswd', users: { builder: 's3cret-pw' } } }),
    tmpDir('fetch-cli-auth-'),
  ]);
  repo = `${registry.host}/private/busybox`;
  const image = await buildImage({ platforms: ['linux/amd64'], layers: 1 });
  await pushImage(image, `${repo}:1`, { creds: 'builder:s3cret-pw' });
  const auth = Buffer.from('builder:s3cret-pw').toString('base64');
  await writeFile(join(work.path, 'auth.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
});
afterAll(async () => {
  await registry?.stop();
  await work?.cleanup();
});

describe('credentials', () => {
  const fetchArgs = () => ['fetch', `docker://${repo};tag=1`, '--dl-dir', 'dl', '--arch', 'amd64', '--quiet'];

  it('without credentials: exit 1, one line plus a hint, JSON code AUTH_REQUIRED', async () => {
    const r = await cli([...fetchArgs(), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTH_REQUIRED');
    expect(r.lines[0]).toMatch(/^isar-fetch: .*401/);
    expect(r.lines.slice(1)).toEqual([expect.stringMatching(/^isar-fetch: hint: /)]);
  });

  it('--auth-file (relative to the working directory) is used, and the password never printed', async () => {
    const r = await cli([...fetchArgs(), '--auth-file', 'auth.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).platform).toBe('linux/amd64');
    const resolved = await cli(['resolve', `docker://${repo};tag=1`, '--auth-file', 'auth.json', '--debug']);
    expect(resolved.code).toBe(0);
    for (const out of [r.stdout, r.stderr, resolved.stdout, resolved.stderr])
      expect(out).not.toContain('s3cret');
  });

  it('REGISTRY_AUTH_FILE from the environment works like --auth-file', async () => {
    const r = await cli(['resolve', `docker://${repo};tag=1`], {
      REGISTRY_AUTH_FILE: join(work.path, 'auth.json'),
    });
    expect(r.code, r.stderr).toBe(0);
  });

  it('an --auth-file or REGISTRY_AUTH_FILE that does not exist: exit 2 with one line naming it, no request', async () => {
    const before = (await registry.accessLog()).length;
    const flag = await cli([...fetchArgs(), '--auth-file', 'typo.json', '--json']);
    expect(flag.code).toBe(2);
    expect(flag.lines).toEqual([`isar-fetch: --auth-file ${join(work.path, 'typo.json')} does not exist`]);
    expect(JSON.parse(flag.stdout).error.code).toBe('USAGE');
    const resolved = await cli(['resolve', `docker://${repo};tag=1`, '--auth-file', 'typo.json']);
    expect(resolved.code).toBe(2);
    const env = await cli(['resolve', `docker://${repo};tag=1`], {
      REGISTRY_AUTH_FILE: '/nonexistent/auth.json',
    });
    expect(env.code).toBe(2);
    expect(env.lines).toEqual([
      'isar-fetch: REGISTRY_AUTH_FILE names /nonexistent/auth.json, which does not exist',
    ]);
    expect((await registry.accessLog()).length).toBe(before);
  });

  it('a --registries-conf that does not exist: exit 2 as well (it was exit 1)', async () => {
    const r = await cli(['resolve', `docker://${repo};tag=1`, '--registries-conf', 'none.conf']);
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([`isar-fetch: --registries-conf ${join(work.path, 'none.conf')} does not exist`]);
  });

  it('wrong credentials: exit 1 with AUTH_FAILED, the password not shown', async () => {
    const bad = Buffer.from('builder:wrong-pw').toString('base64');
    await writeFile(
      join(work.path, 'bad.json'),
      JSON.stringify({ auths: { [registry.host]: { auth: bad } } }),
    );
    const r = await cli([...fetchArgs(), '--auth-file', 'bad.json', '--json', '--debug']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('AUTH_FAILED');
    expect(r.stdout + r.stderr).not.toContain('wrong-pw');
  });
});
