import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { ArchiveError } from '../errors.js';

/** Parameters of the zstd context the thread owns (see `ZstdCompressorOptions`). */
export interface ZstdThreadParameters {
  level: number;
  threads: number;
  jobSize: number;
  checksum: boolean;
}

/** Bytes per message to the thread: input is gathered into buffers of this size and moved, not copied again. */
const batchSize = 1 << 20;
/** Batches in flight at once: the thread's queue, and the bound on what this stage holds of the input. */
const batchesInFlight = 3;

/**
 * The compressing thread's whole program (a string, so that no bundler has to find a second entry file). It
 * owns one multithreaded zstd context and runs `compressStream2` on each batch: when zstd's job queue is full
 * that call waits for a zstd worker, and it is this thread that waits, not the caller's event loop, which goes
 * on inflating, hashing and downloading meanwhile. The batch's buffer is handed back for reuse.
 */
const threadProgram = `
const { parentPort, workerData } = require('node:worker_threads');
const zstd = require(workerData.bindingPath);
const context = new zstd.CCtx();
context.setParameter(zstd.CParameter.compressionLevel, workerData.level);
context.setParameter(zstd.CParameter.checksumFlag, workerData.checksum ? 1 : 0);
context.setParameter(zstd.CParameter.nbWorkers, workerData.threads);
context.setParameter(zstd.CParameter.jobSize, workerData.jobSize);
const out = new Uint8Array(zstd.cStreamOutSize());
function run(input, endOp) {
  const produced = [];
  let rest = input;
  for (;;) {
    const [remaining, written, consumed] = context.compressStream2(out, rest, endOp);
    if (written > 0) produced.push(out.buffer.slice(0, written));
    rest = rest.subarray(consumed);
    const flushing = endOp !== zstd.EndDirective.continue;
    if (rest.length === 0 && (flushing ? remaining === 0 : written < out.length)) return produced;
  }
}
parentPort.on('message', (message) => {
  try {
    if (message.type === 'data') {
      const out = run(new Uint8Array(message.buffer, 0, message.length), zstd.EndDirective.continue);
      parentPort.postMessage({ type: 'output', chunks: out, buffer: message.buffer }, [...out, message.buffer]);
    } else {
      const out = run(new Uint8Array(0), zstd.EndDirective.end);
      parentPort.postMessage({ type: 'end', chunks: out }, out);
    }
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
});
`;

type ThreadMessage =
  | { type: 'output'; chunks: ArrayBuffer[]; buffer: ArrayBuffer }
  | { type: 'end'; chunks: ArrayBuffer[] }
  | { type: 'error'; message: string };

/**
 * A zstd compressor stage whose compression runs on its own thread (one zstd frame, the same bytes as the
 * same context on the caller's thread). Input is copied once into 1 MiB batches; at most three are in
 * flight, and no new batch goes out while the output side is over its high-water mark.
 */
export function zstdThreadCompressor(bindingPath: string, parameters: ZstdThreadParameters): Duplex {
  return new ZstdThreadStream(bindingPath, parameters);
}

class ZstdThreadStream extends Duplex {
  readonly #worker: Worker;
  readonly #spare: ArrayBuffer[] = [];
  #batch: Uint8Array<ArrayBuffer> | undefined;
  #fill = 0;
  #inFlight = 0;
  /** A write or final waiting for room (a batch back from the thread, or the reader to take output). */
  #waiting: (() => void) | undefined;
  #finalCallback: ((error?: Error | null) => void) | undefined;
  #failed = false;
  /** push() said the output side is full; `_read` says when it has room again. */
  #outputFull = false;

  constructor(bindingPath: string, parameters: ZstdThreadParameters) {
    super({ readableHighWaterMark: 4 << 20, writableHighWaterMark: batchSize });
    this.#worker = new Worker(threadProgram, {
      eval: true,
      workerData: { bindingPath, ...parameters },
      // The thread allocates only transfer buffers: keep its JavaScript heap small.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      // The program is CommonJS: options of the parent such as --input-type=module must not reach it.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.#worker.on('message', (message: ThreadMessage) => this.#receive(message));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => {
      if (!this.#failed && this.#finalCallback === undefined && !this.writableFinished)
        this.#fail(new ArchiveError('IO_ERROR', `the zstd thread exited (${code}) before the end`));
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#append(chunk, 0, callback);
  }

  #append(chunk: Buffer, offset: number, callback: (error?: Error | null) => void): void {
    while (offset < chunk.length) {
      if (this.#failed) return;
      if (!this.#batch) {
        if (!this.#roomForBatch()) {
          this.#waiting = () => this.#append(chunk, offset, callback);
          return;
        }
        this.#batch = new Uint8Array(this.#spare.pop() ?? new ArrayBuffer(batchSize));
        this.#fill = 0;
      }
      const take = Math.min(chunk.length - offset, batchSize - this.#fill);
      this.#batch.set(chunk.subarray(offset, offset + take), this.#fill);
      this.#fill += take;
      offset += take;
      if (this.#fill === batchSize) this.#send();
    }
    callback();
  }

  #roomForBatch(): boolean {
    return this.#inFlight < batchesInFlight && !this.#outputFull;
  }

  #send(): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    this.#inFlight++;
    this.#worker.postMessage({ type: 'data', buffer: batch.buffer, length: this.#fill }, [batch.buffer]);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The last, partial batch may exceed the in-flight bound by one: it is the end.
    if (this.#fill > 0) this.#send();
    this.#finalCallback = callback;
    this.#worker.postMessage({ type: 'end' });
  }

  override _read(): void {
    this.#outputFull = false;
    this.#wake();
  }

  #wake(): void {
    const waiting = this.#waiting;
    if (waiting && this.#roomForBatch()) {
      this.#waiting = undefined;
      waiting();
    }
  }

  #receive(message: ThreadMessage): void {
    if (this.#failed) return;
    if (message.type === 'error') {
      this.#fail(new ArchiveError('IO_ERROR', `zstd compression failed: ${message.message}`));
      return;
    }
    for (const chunk of message.chunks) if (!this.push(Buffer.from(chunk))) this.#outputFull = true;
    if (message.type === 'output') {
      this.#inFlight--;
      if (this.#spare.length < batchesInFlight) this.#spare.push(message.buffer);
      this.#wake();
      return;
    }
    this.push(null);
    this.#finalCallback?.();
    void this.#worker.terminate();
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    void this.#worker.terminate();
    this.destroy(error);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#failed = true;
    void this.#worker.terminate();
    callback(error);
  }
}
