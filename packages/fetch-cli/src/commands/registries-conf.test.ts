import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../run.js';

/** A registries.conf that skopeo refuses is refused here too: exit 2, naming the file, the entry and the rule. */
let work: TmpDir;

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { HOME: work.path },
    cwd: work.path,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, lines: stderr.split('\n').filter(Boolean) };
}

beforeAll(async () => {
  work = await tmpDir('fetch-cli-registries-conf-');
});
afterAll(async () => {
  await work?.cleanup();
});

describe('a registries.conf skopeo refuses', () => {
  it.each([
    [
      'conflicting insecure',
      '[[registry]]\nlocation = "r.example"\n[[registry]]\nlocation = "r.example"\ninsecure = true\n',
      `[[registry]] #2 (location "r.example")`,
      "registry 'r.example' is defined multiple times with conflicting 'insecure' setting",
    ],
    [
      'a scheme in a location',
      '[[registry]]\nprefix = "r.example"\nlocation = "https://m.example"\n',
      '[[registry]] #1 (prefix "r.example")',
      "invalid location 'https://m.example': URI schemes are not supported",
    ],
    [
      'pull-from-mirror on the registry',
      '[[registry]]\nlocation = "r.example"\npull-from-mirror = "digest-only"\n',
      '[[registry]] #1 (location "r.example")',
      'pull-from-mirror must not be set for a non-mirror registry "r.example"',
    ],
  ])('%s: exit 2, one line naming the file, the entry and the rule', async (_name, text, entry, rule) => {
    const file = join(work.path, 'bad.conf');
    await writeFile(file, text);
    const r = await cli(['resolve', 'docker://r.example/app;tag=1', '--registries-conf', 'bad.conf']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.lines[0]).toContain(file);
    expect(r.lines[0]).toContain(entry);
    expect(r.lines[0]).toContain(rule);
  });
});
