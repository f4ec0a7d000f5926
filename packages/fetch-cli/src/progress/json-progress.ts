import type { FetchProgress } from '@isar/fetch-core';
import type { CliOutput } from '../io.js';
import type { ProgressReporter } from './reporter.js';

/**
 * `--json`: every event as one JSON line on stderr (stdout keeps the one result object). Byte counts of a
 * layer are thinned to one line per `intervalMs`, plus the last.
 */
export class JsonProgress implements ProgressReporter {
  readonly #lastReport = new Map<string, number>();

  constructor(
    private readonly out: CliOutput,
    private readonly intervalMs = 500,
    private readonly now: () => number = () => performance.now(),
  ) {}

  onProgress(event: FetchProgress): void {
    if (event.type === 'layer-progress' && event.bytes < event.size) {
      const last = this.#lastReport.get(event.digest);
      const now = this.now();
      if (last !== undefined && now - last < this.intervalMs) return;
      this.#lastReport.set(event.digest, now);
    }
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  /** Notes are events already (`warning`), or go into the result object. */
  note(): void {}

  close(): void {}
}
