import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { readConfigFile } from '../config/config-file.js';
import { resolveSettings } from '../config/settings.js';
import { createEngine } from '../engines/create-engine.js';
import { describeError, isAbort, isLoaderError } from '../errors.js';
import { resultLine, summaryLine } from '../report/journal-lines.js';
import { printable } from '../report/printable.js';
import { loadImages } from '../run/load-images.js';
import { parseCommandLine } from './args.js';
import { USAGE } from './usage.js';
import { VERSION } from './version.js';

/** Where the command reads and writes; `main` touches nothing global, so tests run it in-process. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  signal?: AbortSignal;
}

/** Exit codes of `container-loader` (see {@link main}). */
export const ExitCode = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * Runs `container-loader` with `argv` (without node and script): 0 when every image is loaded or skipped,
 * 1 when any failed, 2 for bad usage or configuration, 130 when interrupted.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  let settings: ReturnType<typeof resolveSettings>;
  let engine: ReturnType<typeof createEngine>;
  try {
    const args = parseCommandLine(argv);
    if (args.help) {
      io.stdout.write(USAGE);
      return ExitCode.ok;
    }
    if (args.version) {
      out(VERSION);
      return ExitCode.ok;
    }
    const configPath = args.config === undefined ? undefined : resolve(io.cwd, args.config);
    const file = configPath
      ? { path: configPath, assignments: await readConfigFile(configPath, io.signal) }
      : undefined;
    settings = resolveSettings({ flags: args.flags, ...(file ? { file } : {}), env: io.env, cwd: io.cwd });
    // Setting the engine up reads its configuration (a registry client: REGISTRY_AUTH_FILE...): bad config too.
    engine = createEngine(settings);
  } catch (error) {
    err(`container-loader: ${printable(describeError(error), 1000)}`);
    if (isLoaderError(error, 'USAGE')) err('Try "container-loader --help".');
    return ExitCode.usage;
  }

  // With --json, stdout carries only the report; the lines still reach the journal through stderr.
  const line = settings.json ? err : out;
  try {
    const report = await loadImages(settings, engine, {
      ...(io.signal ? { signal: io.signal } : {}),
      onResult: (result) => line(resultLine(result, settings.engine)),
    });
    line(summaryLine(report));
    if (settings.json) out(JSON.stringify(report, null, 2));
    if (io.signal?.aborted) return ExitCode.interrupted;
    return report.ok ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    err(`container-loader: ${printable(describeError(error), 1000)}`);
    if (isAbort(error, io.signal)) return ExitCode.interrupted;
    return isLoaderError(error, 'USAGE') || isLoaderError(error, 'CONFIG') ? ExitCode.usage : ExitCode.failed;
  } finally {
    await engine.close();
  }
}
