import type { CliOutput } from '../io.js';
import { BarProgress } from './bar-progress.js';
import { JsonProgress } from './json-progress.js';
import { LineProgress } from './line-progress.js';
import { type ProgressReporter, quietReporter } from './reporter.js';

/** What {@link createReporter} decides from: `--quiet`, `--json`, and the program name for line prefixes. */
export interface ReporterChoice {
  quiet: boolean;
  json: boolean;
  /** The program name, prefixed to lines. */
  program: string;
}

/** `--quiet`: only notes (none with --json) and lock waits; `--json`: JSON lines; a terminal: live bars; anything else: a line every few seconds. */
export function createReporter(stderr: CliOutput, choice: ReporterChoice): ProgressReporter {
  const prefix = `${choice.program}: `;
  // --json --quiet (how bitbake runs us): notes are in the JSON result; stderr only says when we wait for a lock.
  if (choice.json)
    return choice.quiet ? quietReporter(stderr, prefix, { notes: false }) : new JsonProgress(stderr);
  if (choice.quiet) return quietReporter(stderr, prefix);
  return stderr.isTTY ? new BarProgress(stderr, prefix) : new LineProgress(stderr, prefix);
}
