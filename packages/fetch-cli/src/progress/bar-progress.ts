import type { FetchProgress } from '@isar/fetch-core';
import type { CliOutput } from '../io.js';
import { bar, formatBytes, formatRate, shortDigest } from './format.js';
import { type LayerProgress, ProgressModel } from './progress-model.js';
import { describeEvent, type ProgressReporter } from './reporter.js';

const CLEAR_LINE = '\x1b[2K';
/** Cursor to the start of the line `n` lines up. */
const up = (n: number) => `\x1b[${n}F`;

/**
 * Live bars on a terminal: one line per layer (bytes, rate, state) and a total line with the archive's
 * progress, redrawn in place at most every `intervalMs`. Milestone messages are printed above the bars.
 */
export class BarProgress implements ProgressReporter {
  readonly #model: ProgressModel;
  #drawn = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    private readonly out: CliOutput,
    private readonly prefix: string,
    private readonly intervalMs = 100,
    now?: () => number,
  ) {
    this.#model = new ProgressModel(now);
  }

  onProgress(event: FetchProgress): void {
    if (this.#closed) return;
    this.#model.apply(event);
    const line = describeEvent(event);
    if (line) {
      this.note(line);
      return;
    }
    this.#schedule();
  }

  note(line: string): void {
    if (this.#closed) {
      this.out.write(`${this.prefix}${line}\n`);
      return;
    }
    this.#clear();
    this.out.write(`${this.prefix}${line}\n`);
    this.#draw();
  }

  close(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#draw();
    this.#closed = true;
  }

  /** The lines of the bar block as they would be drawn now (tests read them). */
  lines(): string[] {
    const model = this.#model;
    if (model.layers.length === 0) return [];
    const rows = model.layers.map((layer) => this.#layerLine(layer));
    const total = model.totalSize;
    const writing = model.writing !== undefined ? `, writing layer ${model.writing + 1}` : '';
    rows.push(
      `  total         ${bar(total > 0 ? model.totalBytes / total : 1)} ${formatBytes(model.totalBytes)} / ${formatBytes(total)}` +
        `${model.allDownloaded ? '' : `  ${formatRate(model.totalRate)}`}` +
        `  archive ${model.layersWritten}/${model.layers.length}${writing}`,
    );
    return rows;
  }

  #layerLine(layer: LayerProgress): string {
    const head = `  ${shortDigest(layer.digest)}  ${bar(layer.size > 0 ? layer.bytes / layer.size : 1)}`;
    const sizes = `${formatBytes(layer.bytes)} / ${formatBytes(layer.size)}`;
    switch (layer.state) {
      case 'cached':
        return `${head} ${formatBytes(layer.size)}  from cache`;
      case 'waiting':
        return `${head} ${sizes}  waiting for another process`;
      case 'pending':
        return `${head} ${sizes}  queued`;
      default: {
        const rate = formatRate(this.#model.layerRate(layer));
        return `${head} ${sizes}  ${rate}${layer.state === 'downloaded' ? '  done' : ''}`;
      }
    }
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#draw();
    }, this.intervalMs);
    this.#timer.unref();
  }

  #clear(): void {
    if (this.#drawn === 0) return;
    this.out.write(up(this.#drawn));
    for (let i = 0; i < this.#drawn; i++) this.out.write(`${CLEAR_LINE}\n`);
    this.out.write(up(this.#drawn));
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#closed) return;
    const lines = this.lines();
    const previous = this.#drawn;
    let text = previous > 0 ? up(previous) : '';
    for (const line of lines) text += `${CLEAR_LINE}${line}\n`;
    // A shorter block than before: wipe the leftover lines.
    for (let i = lines.length; i < previous; i++) text += `${CLEAR_LINE}\n`;
    if (previous > lines.length) text += up(previous - lines.length);
    this.out.write(text);
    this.#drawn = lines.length;
  }
}
