import type { FetchProgress } from '@isar/fetch-core';
import type { CliOutput } from '../io.js';
import { formatBytes, formatRate, percent } from './format.js';
import { ProgressModel } from './progress-model.js';
import { describeEvent, type ProgressReporter } from './reporter.js';

/**
 * Progress for logs (stderr is not a terminal: CI, bitbake): the milestones as they happen, and while bytes
 * move, one summary line every `intervalMs` (never the same line twice).
 */
export class LineProgress implements ProgressReporter {
  readonly #model: ProgressModel;
  readonly #timer: ReturnType<typeof setInterval>;
  #last = '';

  constructor(
    private readonly out: CliOutput,
    private readonly prefix: string,
    intervalMs = 5000,
    now?: () => number,
  ) {
    this.#model = new ProgressModel(now);
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  onProgress(event: FetchProgress): void {
    this.#model.apply(event);
    const line = describeEvent(event);
    if (line) this.#write(line);
  }

  /** Writes the summary line if it changed (called by the timer; public for tests). */
  tick(): void {
    const model = this.#model;
    if (model.layers.length === 0) return;
    const parts = [
      `downloaded ${percent(model.totalBytes, model.totalSize)} of ${formatBytes(model.totalSize)}`,
    ];
    const rate = model.totalRate;
    if (rate > 0 && !model.allDownloaded) parts.push(formatRate(rate));
    const cached = model.layers.filter((l) => l.state === 'cached').length;
    if (cached > 0) parts.push(`${cached} layer${cached === 1 ? '' : 's'} from cache`);
    parts.push(`archive: ${model.layersWritten}/${model.layers.length} layers written`);
    const line = parts.join(', ');
    if (line !== this.#last) this.#write(line);
  }

  note(line: string): void {
    this.out.write(`${this.prefix}${line}\n`);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #write(line: string): void {
    this.#last = line;
    this.out.write(`${this.prefix}${line}\n`);
  }
}
