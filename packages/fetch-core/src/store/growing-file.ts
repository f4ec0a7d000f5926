import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FetchCoreError } from '../errors.js';

/** A file another writer is still appending to, as {@link readGrowingFile} follows it. */
export interface GrowingFile {
  /** Where the bytes are appended (a download's `<blob>.partial`). */
  readonly partialPath: string;
  /** Where the complete file is (the partial file renamed), or already was (a blob in the cache). */
  readonly finalPath: string;
  /** Bytes the complete file has. */
  readonly size: number;
  /** How the writing stands: `done` once the complete file is at `finalPath`; a failure ends the reading. */
  state(): { done: boolean; failure?: unknown };
}

/** Bytes read at once. */
const chunkSize = 1 << 20;
/** How long to wait at the end of what has been written so far before looking again. */
const pollMs = 2;

/**
 * Reads a file while it grows, from its first byte to `size`: the reader follows the writer (polling at the end
 * of what is written) and switches to the final path once the writer is done. An open descriptor survives the
 * rename, so the bytes keep coming from the same file. The bytes are not verified here.
 */
export function readGrowingFile(file: GrowingFile, signal: AbortSignal): Readable {
  return Readable.from(chunks(file, signal), { objectMode: false });
}

async function* chunks(file: GrowingFile, signal: AbortSignal): AsyncGenerator<Buffer> {
  let handle: FileHandle | undefined;
  let onFinal = false;
  let position = 0;
  let scratch: Buffer | undefined;
  try {
    while (position < file.size) {
      signal.throwIfAborted();
      // Looked at before reading: "done" and nothing more to read then means the file really ends early.
      const { done, failure } = file.state();
      if (failure !== undefined) throw failure;
      if (done && !onFinal) {
        await handle?.close();
        handle = await open(file.finalPath, 'r');
        onFinal = true;
      }
      if (!handle) {
        handle = await openIfPresent(file.partialPath);
        if (!handle) {
          handle = await openIfPresent(file.finalPath);
          onFinal = handle !== undefined;
        }
      }
      if (!handle) {
        await pause(signal);
        continue;
      }
      const wanted = Math.min(chunkSize, file.size - position);
      if (scratch === undefined || scratch.length < wanted) scratch = Buffer.allocUnsafe(wanted);
      const { bytesRead } = await handle.read(scratch, 0, wanted, position);
      if (bytesRead > 0) {
        position += bytesRead;
        if (bytesRead === scratch.length) {
          // A full chunk is handed on as it is; the next read gets a fresh buffer.
          yield scratch;
          scratch = undefined;
        } else {
          // Close behind the writer reads are short: hand on a copy of the bytes and keep the big buffer,
          // instead of a slice that would pin a whole MiB for a few KiB.
          yield Buffer.from(scratch.subarray(0, bytesRead));
        }
        continue;
      }
      if (onFinal) {
        throw new FetchCoreError(
          'BLOB_CACHE',
          `${file.finalPath} ends after ${position} of ${file.size} bytes`,
        );
      }
      await pause(signal);
    }
  } finally {
    await handle?.close();
  }
}

/** A short wait for more bytes; an abort ends it with the signal's reason. */
async function pause(signal: AbortSignal): Promise<void> {
  await sleep(pollMs, undefined, { signal }).catch(() => signal.throwIfAborted());
}

async function openIfPresent(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
