import { parseArgs } from 'node:util';
import type { FlagValues } from '../config/settings.js';
import { LoaderError } from '../errors.js';

export interface ParsedArgs {
  flags: FlagValues;
  config?: string;
  help: boolean;
  version: boolean;
}

const OPTIONS = {
  'images-dir': { type: 'string' },
  list: { type: 'string' },
  engine: { type: 'string' },
  'registry-url': { type: 'string' },
  'delete-after-load': { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  'tmp-dir': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** Parses the command line strictly: unknown options and stray arguments are usage errors (exit 2). */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new LoaderError('USAGE', (error as Error).message, { cause: error });
  }
  const flags: FlagValues = {};
  const set = <K extends keyof FlagValues>(key: K, value: FlagValues[K] | undefined) => {
    if (value !== undefined) flags[key] = value;
  };
  set('imagesDir', values['images-dir']);
  set('list', values.list);
  set('engine', values.engine);
  set('registryUrl', values['registry-url']);
  set('deleteAfterLoad', values['delete-after-load']);
  set('force', values.force);
  set('json', values.json);
  set('tmpDir', values['tmp-dir']);
  for (const [key, value] of Object.entries(values)) {
    if (value === '') throw new LoaderError('USAGE', `--${key} needs a value`);
  }
  return {
    flags,
    ...(values.config !== undefined ? { config: values.config } : {}),
    help: values.help ?? false,
    version: values.version ?? false,
  };
}
