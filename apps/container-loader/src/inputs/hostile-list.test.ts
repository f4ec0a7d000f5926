import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TmpDir, tmpDir } from '@isar/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test-support/run-cli.js';

/**
 * An image list is input like any other: it may be huge, endless, binary or built to flood the journal.
 * What is read is bounded, and what is printed of it is short and quoted. No engine is needed: `false`
 * stands for a docker that does not answer, so a good line fails fast with ENGINE_UNAVAILABLE.
 */
describe('a hostile image list', () => {
  let work: TmpDir;
  let imagesDir: string;
  const args = (list: string) => [...['--images-dir', imagesDir, '--list', list], ...['--engine', 'docker']];
  const env = { ...process.env, CONTAINER_LOADER_DOCKER: 'false' };

  beforeAll(async () => {
    work = await tmpDir('loader-hostile-list-');
    imagesDir = join(work.path, 'images');
    await mkdir(imagesDir);
  });
  afterAll(async () => {
    await work?.cleanup();
  });

  it('an endless list (/dev/zero) is refused after a bounded read: exit 2, one line', async () => {
    const before = process.memoryUsage().rss;
    const run = await runCli(args('/dev/zero'), env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^container-loader: image list \/dev\/zero is larger than \d+ bytes/);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
  });

  it('a 300 kB line fails alone with a short line; the line after it is still read', async () => {
    const list = join(work.path, 'long.list');
    await writeFile(list, `${'a'.repeat(300_000)} x:1\nmissing.zst isar/after:1\n`);
    const run = await runCli([...args(list), '--json'], env);
    expect(run.code).toBe(1);
    expect(run.lines.every((line) => line.length < 1_000)).toBe(true);
    expect(run.report?.results.map((r) => [r.line, r.code])).toEqual([
      [1, 'IMAGE_LIST'],
      [2, 'ENGINE_UNAVAILABLE'],
    ]);
    expect(run.report?.results[0]?.reason).toMatch(/line is 300004 bytes long, over \d+/);
    expect(JSON.stringify(run.report).length).toBeLessThan(10_000);
  });

  it('control characters of a list line are printed escaped, never raw', async () => {
    const list = join(work.path, 'binary.list');
    await writeFile(list, 'a\u0000b.zst x:1 extra\u001b[2J\r\nfake\u2028line.zst y:1 z\n');
    const run = await runCli(args(list), env);
    expect(run.code).toBe(1);
    for (const line of run.stdout.split('\n')) expect(line).not.toMatch(/[\p{Cc}\p{Zl}]/u);
    expect(run.lines).toHaveLength(3); // two failures and the summary: no line forged by the list
    expect(run.lines[0]).toContain('"a\\x00b.zst x:1 extra\\x1b[2J"');
    expect(run.lines[1]).toContain('"fake\\u2028line.zst y:1 z"');
  });
});
