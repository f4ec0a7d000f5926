/**
 * The published types, as a TypeScript user gets them: `tsc --noEmit` in the consumer project over code using
 * every package, once with `moduleResolution: node16` and once with `bundler`, lib checks on.
 */
import { cp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runCommand } from '@isar/testkit';
import { describe, expect, inject, it } from 'vitest';
import { consumerEnv } from './consumer-project.js';

const setup = inject('consumer');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const fixtures = new URL('../fixtures/types/', import.meta.url);

const settings = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;

describe.each(Object.keys(settings) as (keyof typeof settings)[])(
  'types under moduleResolution %s',
  (mode) => {
    it('check with no errors, and reject misuse and deep imports', async () => {
      const dir = join(setup.projectDir, `types-${mode}`);
      await cp(fixtures, dir, { recursive: true });
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...settings[mode],
            target: 'es2022',
            lib: ['es2023'],
            types: ['node'],
            strict: true,
            noEmit: true,
            // Check the published .d.ts/.d.cts files too, not only our use of them.
            skipLibCheck: false,
          },
          include: ['*.mts', '*.cts'],
        }),
      );
      const result = await runCommand('node', [tsc, '-p', dir, '--pretty', 'false'], {
        cwd: dir,
        env: consumerEnv(),
      });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  },
);
