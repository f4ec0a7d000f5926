import type { FetchProgress } from '@isar/fetch-core';

export type LayerState = 'pending' | 'waiting' | 'downloading' | 'cached' | 'downloaded';

export interface LayerProgress {
  readonly digest: string;
  readonly size: number;
  state: LayerState;
  /** Bytes present (including a resumed prefix). */
  bytes: number;
  /** Bytes present when this run's transfer started (a resumed prefix): excluded from the rate. */
  startBytes: number;
  /** When this run's transfer started (ms), for the rate. */
  startedAt: number | undefined;
  /** When it finished (ms). */
  doneAt: number | undefined;
  written: boolean;
}

/**
 * What the renderers show, folded from the pipeline's events: per-layer bytes and state, totals, the write
 * phase. Times come from `now()` so tests can drive it.
 */
export class ProgressModel {
  readonly layers: LayerProgress[] = [];
  readonly startedAt: number;
  layersWritten = 0;
  writing: number | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  apply(event: FetchProgress): void {
    const now = this.now();
    switch (event.type) {
      case 'image':
        this.layers.length = 0;
        for (const { digest, size } of event.layers) {
          this.layers.push({
            digest,
            size,
            state: 'pending',
            bytes: 0,
            startBytes: 0,
            startedAt: undefined,
            doneAt: undefined,
            written: false,
          });
        }
        break;
      case 'layer-progress': {
        const layer = this.layer(event.digest);
        if (!layer) break;
        if (layer.startedAt === undefined) {
          // Rates count from the first report on: it may include a prefix resumed from an earlier run.
          layer.startedAt = now;
          layer.startBytes = event.bytes;
        }
        layer.state = 'downloading';
        layer.bytes = event.bytes;
        break;
      }
      case 'layer-cached': {
        const layer = this.layer(event.digest);
        if (!layer) break;
        Object.assign(layer, { state: 'cached', bytes: layer.size, doneAt: now });
        break;
      }
      case 'layer-downloaded': {
        const layer = this.layer(event.digest);
        if (!layer) break;
        if (layer.startedAt === undefined) {
          layer.startedAt = now;
          layer.startBytes = event.resumedFrom;
        }
        Object.assign(layer, { state: 'downloaded', bytes: layer.size, doneAt: now });
        break;
      }
      case 'waiting': {
        if (event.what !== 'blob') break;
        const layer = this.layers.find((l) =>
          event.target.endsWith(l.digest.slice(l.digest.indexOf(':') + 1)),
        );
        if (layer && layer.state === 'pending') layer.state = 'waiting';
        break;
      }
      case 'write-layer': {
        if (event.done) {
          this.layersWritten++;
          const layer = this.layer(event.digest);
          if (layer) layer.written = true;
          this.writing = undefined;
        } else {
          this.writing = event.index;
        }
        break;
      }
      default:
        break;
    }
  }

  layer(digest: string): LayerProgress | undefined {
    return this.layers.find((l) => l.digest === digest);
  }

  get totalSize(): number {
    return this.layers.reduce((sum, l) => sum + l.size, 0);
  }

  get totalBytes(): number {
    return this.layers.reduce((sum, l) => sum + l.bytes, 0);
  }

  /** Bytes per second of one layer's transfer in this run (0 before it started or when cached). */
  layerRate(layer: LayerProgress): number {
    if (layer.startedAt === undefined || layer.state === 'cached') return 0;
    const seconds = ((layer.doneAt ?? this.now()) - layer.startedAt) / 1000;
    return seconds > 0.05 ? (layer.bytes - layer.startBytes) / seconds : 0;
  }

  /** Bytes per second over the network since the fetch started. */
  get totalRate(): number {
    const transferred = this.layers
      .filter((l) => l.state === 'downloading' || l.state === 'downloaded')
      .reduce((sum, l) => sum + l.bytes - l.startBytes, 0);
    const seconds = (this.now() - this.startedAt) / 1000;
    return seconds > 0.05 ? transferred / seconds : 0;
  }

  get allDownloaded(): boolean {
    return (
      this.layers.length > 0 && this.layers.every((l) => l.state === 'cached' || l.state === 'downloaded')
    );
  }
}
