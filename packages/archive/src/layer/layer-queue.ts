import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Descriptor, Digest } from '@isar/oci-spec';
import { type PrepareContext, prepareLayer, type UncompressedLayer } from './uncompressed-layer.js';

export interface QueuedLayer {
  layer: Descriptor;
  diffId: Digest;
}

/**
 * Prepares layers a few ahead of the one being written, so that decompressing the next layers overlaps with
 * writing (and compressing) the current one; layers are still taken strictly in order, which keeps the
 * archive's bytes independent of timing.
 */
export class LayerQueue {
  readonly #items: readonly QueuedLayer[];
  readonly #context: PrepareContext;
  readonly #window: number;
  readonly #started: Array<Promise<UncompressedLayer>> = [];
  readonly #tempRoot: string | undefined;
  #tempDir: Promise<string> | undefined;

  constructor(
    items: readonly QueuedLayer[],
    context: Omit<PrepareContext, 'tempDir'>,
    options: { window: number; tempDir?: string },
  ) {
    this.#items = items;
    this.#window = Math.max(1, options.window);
    this.#tempRoot = options.tempDir;
    this.#context = { ...context, tempDir: () => this.#makeTempDir() };
  }

  /** The prepared layer `index`; starts preparing the next ones within the window. */
  take(index: number): Promise<UncompressedLayer> {
    for (let next = index; next < Math.min(this.#items.length, index + this.#window); next++)
      this.#start(next);
    return this.#started[index] as Promise<UncompressedLayer>;
  }

  /** Waits for every started preparation, then removes temporary files and the temporary directory. */
  async close(): Promise<void> {
    const results = await Promise.allSettled(this.#started);
    for (const result of results) if (result.status === 'fulfilled') await result.value.dispose();
    if (this.#tempDir) await rm(await this.#tempDir, { recursive: true, force: true });
  }

  #start(index: number): void {
    if (this.#started[index]) return;
    const item = this.#items[index] as QueuedLayer;
    const preparation = prepareLayer(item.layer, item.diffId, this.#context);
    preparation.catch(() => {}); // reported when taken
    this.#started[index] = preparation;
  }

  #makeTempDir(): Promise<string> {
    this.#tempDir ??= mkdtemp(join(this.#tempRoot ?? tmpdir(), 'isar-archive-'));
    return this.#tempDir;
  }
}
