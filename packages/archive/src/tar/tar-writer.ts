import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { type Duplex, type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pack as createPack, type Header, type Pack } from 'tar-stream';
import { ArchiveError } from '../errors.js';
import { pipe } from '../internal/pipeline.js';

/** Where an archive goes: a file path (created or truncated) or a stream (ended when the archive is done). */
export type ArchiveOutput = string | Writable;

export interface TarWriterOptions {
  output: ArchiveOutput;
  /** A compressing stage between the tar and the output (zstd), if any. */
  compressor?: Duplex;
  signal: AbortSignal;
}

/** Every entry gets the same owner, times and modes, so the same content gives the same bytes anywhere. */
const epoch = new Date(0);
const fileMode = 0o444;
const directoryMode = 0o755;
const symlinkMode = 0o777;
/**
 * Bytes the archive file may have queued for writing. The default 16 KiB is less than one compressed chunk, so
 * each chunk would wait for its write before the next is made; 1 MiB lets them overlap (bench/LIMITS.md).
 */
const outputBufferBytes = 1 << 20;

type EntryHeader = Partial<Header> & Pick<Header, 'name'>;

function header(name: string, rest: Partial<Header>): EntryHeader {
  return { name, mtime: epoch, uid: 0, gid: 0, uname: '', gname: '', ...rest };
}

/** Counts bytes on their way through. */
class ByteCounter extends Transform {
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * A deterministic tar stream (tar-stream's packer) flowing through an optional compressor into the output.
 * Entries are added one at a time, in the order the caller fixes; a layer entry streams through with its
 * size known up front, so nothing is held in memory.
 */
export class TarWriter {
  readonly #pack: Pack;
  readonly #tarCounter = new ByteCounter();
  readonly #outputCounter = new ByteCounter();
  readonly #done: Promise<void>;
  readonly #signal: AbortSignal;
  /** The file stream we opened for a path output (closed before a retry reopens the path). */
  readonly #file: WriteStream | undefined;
  #failure: unknown;
  /** The error the output stream itself emitted, as it was (the pack is then destroyed with it). */
  #outputError: unknown;

  constructor(options: TarWriterOptions) {
    this.#signal = options.signal;
    this.#pack = createPack();
    const destination =
      typeof options.output === 'string'
        ? createWriteStream(options.output, { highWaterMark: outputBufferBytes })
        : options.output;
    const stages: NodeJS.ReadWriteStream[] = [this.#tarCounter];
    if (options.compressor) stages.push(options.compressor, this.#outputCounter);
    const where = typeof options.output === 'string' ? options.output : 'the output stream';
    // The output's own error, as it happens: when the output fails, the pipeline tears down the stages before
    // it, and one of them (the compressor's stream iterator) may report an AbortError first.
    (destination as NodeJS.EventEmitter).once('error', (error: unknown) => {
      // A failure of the output itself (a full disk, a read-only or vanished directory) is an IO_ERROR that
      // says so; errors of our own (ArchiveError) pass through as they are.
      this.#outputError = error;
      this.#failure ??= isOutputFailure(error)
        ? new ArchiveError('IO_ERROR', `writing ${where} failed: ${(error as Error).message}`, {
            cause: error,
          })
        : error;
    });
    this.#done = pipe([this.#pack as unknown as Readable, ...stages, destination], options.signal).catch(
      (error: unknown) => {
        this.#failure ??= error;
        throw this.#failure;
      },
    );
    // Failures surface through the entry writes and finish(); keep the rejection from going unhandled.
    this.#done.catch(() => {});
  }

  /** Bytes of tar written so far. */
  get tarBytes(): number {
    return this.#tarCounter.bytes;
  }

  async addBytes(name: string, bytes: Uint8Array): Promise<void> {
    await this.#entry(header(name, { type: 'file', mode: fileMode, size: bytes.length }), Buffer.from(bytes));
  }

  async addSymlink(name: string, target: string): Promise<void> {
    await this.#entry(header(name, { type: 'symlink', mode: symlinkMode, linkname: target, size: 0 }));
  }

  async addDirectory(name: string): Promise<void> {
    await this.#entry(
      header(name.endsWith('/') ? name : `${name}/`, { type: 'directory', mode: directoryMode, size: 0 }),
    );
  }

  /**
   * Streams `size` bytes from the stages (a source and transforms, e.g. read -> inflate -> verify) into one
   * entry. The stages must produce exactly `size` bytes; they are expected to check that themselves.
   */
  async addStream(
    name: string,
    size: number,
    stages: NodeJS.ReadableStream[],
    signal: AbortSignal,
  ): Promise<void> {
    this.#throwIfFailed();
    let settle!: (error?: Error | null) => void;
    const entryDone = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    entryDone.catch(() => {});
    const entry = this.#pack.entry(header(name, { type: 'file', mode: fileMode, size }), (error) =>
      settle(error),
    );
    const writable = entry as unknown as NodeJS.WritableStream & NodeJS.EventEmitter;
    // Failures arrive through the entry callback; an 'error' event without a listener would crash the process.
    writable.on('error', () => {});
    const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of source) {
        if (!writable.write(chunk)) await Promise.race([once(writable, 'drain'), entryDone]);
      }
      writable.end();
      await entryDone;
    };
    try {
      await pipe([...stages, sink], signal);
    } catch (error) {
      entry.destroy(error as Error);
      throw await this.#explain(error);
    }
    this.#throwIfFailed();
  }

  /** Ends the tar and waits until the output has everything. Returns bytes of tar and of output. */
  async finish(): Promise<{ tarBytes: number; outputBytes: number }> {
    this.#throwIfFailed();
    this.#pack.finalize();
    await this.#done;
    const tarBytes = this.#tarCounter.bytes;
    return { tarBytes, outputBytes: this.#outputCounter.bytes || tarBytes };
  }

  /** Stops everything after a failure elsewhere; the output is then incomplete. */
  async abort(reason: unknown): Promise<void> {
    this.#failure ??= reason;
    this.#pack.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    await this.#done.catch(() => {});
    // No write of this attempt may land after the path is reopened (a retry) or removed.
    const file = this.#file;
    if (file && !file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
  }

  /** The output's failure, once one happened (its first error, as an `IO_ERROR` for file system errors). */
  get failure(): unknown {
    return this.#failure;
  }

  async #entry(headers: EntryHeader, body?: Buffer): Promise<void> {
    this.#throwIfFailed();
    try {
      await new Promise<void>((resolve, reject) => {
        const callback = (error?: Error | null) => (error ? reject(error) : resolve());
        if (body) this.#pack.entry(headers, body, callback);
        else this.#pack.entry(headers, callback);
      });
    } catch (error) {
      throw await this.#explain(error);
    }
    this.#throwIfFailed();
  }

  /**
   * The error to report for a failed entry: an echo (the pack torn down under it, an AbortError of a stream
   * iterator) stands for the output's own failure, which may still be on its way when the echo arrives.
   */
  async #explain(error: unknown): Promise<unknown> {
    if (error !== undefined && error === this.#outputError) return this.#failure;
    if (!isSecondary(error)) return error;
    if (this.#failure === undefined && !this.#signal.aborted) {
      await Promise.race([this.#done.catch(() => {}), sleep(ECHO_WAIT_MS, undefined, { ref: false })]);
    }
    return this.#failure ?? error;
  }

  #throwIfFailed(): void {
    // The output's own failure first: the abort that follows it is only its echo.
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      throw failure instanceof Error
        ? failure
        : new ArchiveError('IO_ERROR', `archive output failed: ${String(failure)}`);
    }
    this.#signal.throwIfAborted();
  }
}

/** A file system error of the output (`ENOSPC`, `EROFS`, `EACCES`, `EIO`...): it has an errno and a syscall. */
function isOutputFailure(error: unknown): boolean {
  const e = error as { errno?: unknown; syscall?: unknown } | undefined;
  return !(error instanceof ArchiveError) && typeof e?.errno === 'number' && typeof e.syscall === 'string';
}

/** How long an entry that failed with an echo waits for the output's own error to arrive. */
const ECHO_WAIT_MS = 2000;

/**
 * Errors that only echo an earlier failure of the output ("pack stream destroyed", premature close, the
 * AbortError a stream iterator raises when its stream is destroyed under it).
 */
function isSecondary(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    code === 'ABORT_ERR' ||
    (error as { name?: string }).name === 'AbortError' ||
    /destroyed/.test((error as Error).message ?? '')
  );
}
