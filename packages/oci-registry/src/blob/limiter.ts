import { abortReason } from '../http/abort.js';

/**
 * A counting semaphore: at most `limit` holders at once, waiters served first come first served. One instance per
 * client bounds the parallel blob downloads of all its callers together.
 */
export class Limiter {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: Array<{ grant: () => void }> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  get active(): number {
    return this.#active;
  }

  get pending(): number {
    return this.#waiting.length;
  }

  /** Waits for a slot; resolves to a release function (idempotent). Rejects if the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#active--;
          this.#next();
        });
      };
      const waiter = { grant };
      const onAbort = () => {
        const index = this.#waiting.indexOf(waiter);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(abortReason(signal as AbortSignal));
      };
      if (this.#active < this.#limit) {
        grant();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #next(): void {
    if (this.#active >= this.#limit) return;
    this.#waiting.shift()?.grant();
  }
}
