import { PassThrough } from 'node:stream';
import { main } from '../cli/main.js';
import type { LoadReport } from '../report/result.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Lines of the per-image log (stdout, or stderr with --json). */
  lines: string[];
  /** The `--json` report, when asked for. */
  report?: LoadReport;
}

/** Runs the real CLI entry in-process with its own stdout/stderr, the way main.ts does. */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
  signal?: AbortSignal,
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  stderr.setEncoding('utf8').on('data', (text: string) => {
    err += text;
  });
  const code = await main(argv, { stdout, stderr, env, cwd, ...(signal ? { signal } : {}) });
  const json = argv.includes('--json');
  const lines = (json ? err : out).split('\n').filter((line) => line !== '');
  return {
    code,
    stdout: out,
    stderr: err,
    lines,
    ...(json ? { report: JSON.parse(out) as LoadReport } : {}),
  };
}
